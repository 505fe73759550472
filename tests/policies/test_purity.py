"""policies/ is pure: nothing of the shell or the other domain packages, no I/O library."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import policies

ROOT = Path(policies.__file__).parent
ALLOWED_THIRD_PARTY = {"msgspec", "moneyed"}
FORBIDDEN_STDLIB = {"socket", "http", "urllib", "sqlite3", "subprocess", "os"}


def imported_top_level_names(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


class TestPoliciesArePure:
    def test_every_module_is_checked(self) -> None:
        assert len(list(ROOT.rglob("*.py"))) >= 15

    def test_no_module_imports_fundadmin_claims_or_ledger(self) -> None:
        for path in ROOT.rglob("*.py"):
            assert not imported_top_level_names(path) & {"fundadmin", "claims", "ledger"}, path

    def test_only_the_standard_library_msgspec_and_moneyed_are_used_no_io_modules(self) -> None:
        for path in ROOT.rglob("*.py"):
            names = imported_top_level_names(path) - {"policies", "__future__"}
            assert names <= set(sys.stdlib_module_names) | ALLOWED_THIRD_PARTY, path
            assert not names & FORBIDDEN_STDLIB, path
