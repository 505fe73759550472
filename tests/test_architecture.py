"""Imports flow one way: fundadmin -> claims -> (ledger, policies); policies does no I/O."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

FORBIDDEN = {
    "ledger": {"fundadmin", "claims", "policies"},
    "policies": {"fundadmin", "claims", "ledger", "sqlalchemy", "asyncpg", "litestar", "httpx"},
    "claims": {"fundadmin"},
}


def _imported_top_level_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_downstream(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imported_top_level_modules(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
    }
    assert {path: mods for path, mods in offenders.items() if mods} == {}


WALL_CLOCK_READERS = {
    "fundadmin/clock.py": "the system clock itself",
    "fundadmin/security/audit.py": "the audit trail records real time, not business time",
}


def test_business_code_never_reads_the_wall_clock() -> None:
    """Today comes from the injected clock (fundadmin/clock.py), so tests pass on any date."""
    readers = set()
    for package in ("fundadmin", "claims", "ledger", "policies"):
        for path in (ROOT / package).rglob("*.py"):
            text = path.read_text()
            if "datetime.now(" in text or "date.today(" in text or ".utcnow(" in text:
                readers.add(str(path.relative_to(ROOT)))
    assert readers <= set(WALL_CLOCK_READERS)
