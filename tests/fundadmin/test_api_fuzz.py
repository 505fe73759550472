"""Schemathesis against the service, run as a process on a copy of the demo database, with
every check it has: no 5xx, status codes and content types as documented (every 4xx a problem
document), answers matching their schemas, schema-valid requests accepted and invalid ones
refused, `Allow` on OPTIONS and 405, headers required where documented. It runs as an
administrator, a legal adviser and a ministry, with positive and negative data and the stateful
phase, from a fixed seed so CI sees the same requests on every run.

Its own CLI drives it (its pytest plugin does not load under pytest 9). To search further, run
`.venv/bin/schemathesis run http://127.0.0.1:8000/schema/openapi.json --checks all -H
"Authorization: Bearer <token>"` against `make run`.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import URL

from tests.conftest import DEMO_PASSWORD
from tests.http import FUNDADMIN, free_port, wait_until_ready
from tests.postgres import clone_database, drop_database

USERS = ("admin-se", "adviser-marta", "auditor")
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def service(
    pg_admin_url: URL,
    templates: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
    signing_keys: str,
    master_keys: str,
) -> Iterator[str]:
    """The service as a process on its own copy of the demo database; its base URL."""
    url = asyncio.run(clone_database(pg_admin_url, templates["seeded"]))
    port = free_port()
    folder = tmp_path_factory.mktemp("fuzz")
    env = {k: v for k, v in os.environ.items() if not k.startswith("FUNDADMIN_")}
    env |= {
        "DATABASE_URL": url.render_as_string(hide_password=False),
        "FUNDADMIN_DATA_DIR": str(folder),
        "FUNDADMIN_ENVIRONMENT": "test",
        "FUNDADMIN_JWT_PRIVATE_KEYS": signing_keys,
        "FUNDADMIN_MASTER_KEYS": master_keys,
        "FUNDADMIN_DEMO_PASSWORD": DEMO_PASSWORD,
        "FUNDADMIN_LOG_LEVEL": "WARNING",
        # A role's run outlives the default 15-minute token on a busy machine: every request
        # after the expiry answers 401, which every check accepts, so the run would pass
        # having tested nothing (the test below also refuses a run that saw only 401s).
        "FUNDADMIN_ACCESS_TOKEN_TTL_SECONDS": "3600",
    }
    log = folder / "service.log"
    process = subprocess.Popen(
        [FUNDADMIN, "serve", "--port", str(port)],
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(process, base, log.read_text)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
        asyncio.run(drop_database(pg_admin_url, str(url.database)))
    # Every 5xx is logged with its traceback: the test below names the request, the log the cause.
    assert '"level": "error"' not in log.read_text()


# What the document says about If-Match, told to Schemathesis (`schemathesis explain ST203`
# shows this very setting). On every operation whose document takes If-Match and lists 412:
# - positive_data_acceptance: 412 for a schema-valid If-Match that names another version than
#   the current one. It is the same kind of answer as the 404 (an id that does not exist) and 409
#   (a state that forbids it) Schemathesis already accepts for valid data: no schema can know
#   the record's current version, which only the previous answer's ETag gives.
# - negative_data_rejection: 412 for an invalid body sent with a stale If-Match. RFC 9110
#   section 13.2.1 evaluates preconditions before the request's content is processed, so a
#   route may refuse the stale version before it reads the body (the mandate upload does).
# and where it requires If-Match and lists 428:
# - missing_required_header: a write without If-Match is 428 Precondition Required (RFC 6585),
#   as issue 13 asks; by default Schemathesis expects 400/401/403/406/415/422 for a missing
#   header. (A missing Authorization stays 401 whatever this list says.)
# And on every operation whose document lists rules beyond its schema (`x-business-rules`, each
# also stated in its 422's description; fundadmin.api.conventions.business_rules):
# - positive_data_acceptance: 422 for a schema-valid request that breaks one of those rules, as
#   `schemathesis explain ST202` says to allow "a rejection the schema can't express, such as an
#   unknown id or a cross-field rule". A client reads the same rules in the same document.
# Derived from the served document, so a new operation is covered without an edit here; every
# other status on these operations, and 422 for valid data on every other one, is a failure.
_STALE = {
    "positive_data_acceptance": ["2xx", "3xx", "401", "403", "404", "409", "412", "429", "5xx"],
    "negative_data_rejection": [
        *("400", "401", "403", "404", "405", "406", "409", "412", "415", "422", "428", "429"),
        "5xx",
    ],
}
_MISSING = {"missing_required_header": ["400", "401", "403", "406", "415", "422", "428"]}
_POSITIVE = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]
"""Schemathesis's own default for positive_data_acceptance."""
_RULES = "x-business-rules"


def _if_match_statuses(operation: dict[str, Any]) -> dict[str, list[str]]:
    """The expected statuses this operation's If-Match adds to Schemathesis's defaults."""
    responses = operation.get("responses", {})
    header = next(
        (
            p
            for p in operation.get("parameters", [])
            if p.get("in") == "header" and p.get("name") == "If-Match"
        ),
        None,
    )
    if header is None or "412" not in responses:
        return {}
    return _STALE | (_MISSING if header.get("required") and "428" in responses else {})


def _rule_statuses(
    operation: dict[str, Any], statuses: dict[str, list[str]]
) -> dict[str, list[str]]:
    """`statuses` with the 422 this operation's rules beyond its schema add to valid data."""
    if not operation.get(_RULES) or "422" not in operation.get("responses", {}):
        return statuses
    accepted = statuses.get("positive_data_acceptance", _POSITIVE)
    return statuses | {"positive_data_acceptance": sorted({*accepted, "422"})}


def contract_config(document: dict[str, Any]) -> str:
    """The `schemathesis.toml` for the served `document` (see the comment above)."""
    lines = []
    for path, item in sorted(document["paths"].items()):
        for method, operation in sorted(item.items()):
            if not isinstance(operation, dict):
                continue
            statuses = _rule_statuses(operation, _if_match_statuses(operation))
            if statuses:
                lines += ["[[operations]]", f'include-name = "{method.upper()} {path}"']
                lines += [
                    f"checks.{check}.expected-statuses = {json.dumps(expected)}"
                    for check, expected in statuses.items()
                ]
    return "\n".join(lines) + "\n"


BASELINE = Path(__file__).with_name("schemathesis-baseline.json")
"""Failures of the contract run below that are accepted for now, each with its `reason`.
Regenerate the entries (then write each reason by hand) with
`FUNDADMIN_SCHEMATHESIS_UPDATE_BASELINE=1 .venv/bin/pytest tests/fundadmin/test_api_fuzz.py`."""
_UPDATE = os.environ.get("FUNDADMIN_SCHEMATHESIS_UPDATE_BASELINE") == "1"
_REGENERATE = ["--baseline-update", "--baseline-prune"]
"""Regenerating runs exactly as CI does (same order, so the same state and the same failures),
each role merging into its own copy of the baseline and dropping from it what that role tested and
no longer sees; the copies are then merged into the file (an entry stays while any role sees it)."""


SEED = 13
ROLES = {
    # user: phases. The ministry reaches few routes (most answer 403), so it skips the slow
    # coverage phase and runs beside the other two: it reads, so it changes nothing they see.
    "admin-se": "examples,coverage,fuzzing,stateful",
    "adviser-marta": "examples,coverage,fuzzing,stateful",
    "ministry-se": "examples,fuzzing,stateful",
}


async def _schemathesis(service: str, user: str, phases: str, cwd: Path) -> tuple[int, str]:
    # Sign-in hashes a password (argon2): slow on a busy CI machine, hence the long timeout.
    async with httpx.AsyncClient(base_url=service, timeout=60) as client:
        signed_in = await client.post(
            "/api/v1/auth/token", json={"username": user, "password": DEMO_PASSWORD}
        )
        config = cwd / f"schemathesis-{user}.toml"
        config.write_text(contract_config((await client.get("/schema/openapi.json")).json()))
    baseline = cwd / f"baseline-{user}.json" if _UPDATE else BASELINE
    if _UPDATE:
        baseline.write_text(BASELINE.read_text())
    process = await asyncio.create_subprocess_exec(
        str(Path(FUNDADMIN).with_name("schemathesis")), "--config-file", str(config),
        "run", f"{service}/schema/openapi.json",
        "--checks", "all", "--mode", "all", "--seed", str(SEED), "--generation-deterministic",
        "--max-examples", "5", "--phases", phases, "--workers", "1", "--no-shrink",
        "--request-timeout", "30", "--no-color", "--output-truncate", "false",
        "--header", f"Authorization: Bearer {signed_in.json()['access_token']}",
        "--baseline", str(baseline), *(_REGENERATE if _UPDATE else []),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        cwd=cwd,  # its cache of crashes (for `st replay`) stays out of the repository
    )  # fmt: skip
    output = (await asyncio.wait_for(process.communicate(), timeout=1800))[0].decode()
    # The whole report stays beside the test's other files (each failure with its curl line).
    (cwd / f"report-{user}.txt").write_text(output)
    return process.returncode or 0, f"--- as {user} ---\n{output}"


def _merge_baselines(copies: list[Path]) -> None:
    documents = [json.loads(copy.read_text()) for copy in copies]
    entries = {entry["id"]: entry for document in documents for entry in document["entries"]}
    ordered = sorted(entries.values(), key=lambda e: (e["operation"], e["check"], e["signature"]))
    merged = {**documents[0], "entries": ordered}
    BASELINE.write_text(json.dumps(merged, indent=2, ensure_ascii=False) + "\n")


def test_schemathesis_finds_no_contract_failure(service: str, tmp_path: Path) -> None:
    """Every check Schemathesis has, as an administrator, an adviser and a ministry, with
    positive and negative data and the stateful phase; derandomized and bounded to fit in CI.
    A failure listed in the baseline (with its reason) is accepted; any other fails the test."""

    async def run() -> list[tuple[int, str]]:
        ministry = asyncio.create_task(
            _schemathesis(service, "ministry-se", ROLES["ministry-se"], tmp_path)
        )
        results = [
            await _schemathesis(service, user, ROLES[user], tmp_path)
            for user in ("admin-se", "adviser-marta")
        ]
        return [*results, await ministry]

    results = asyncio.run(run())
    if _UPDATE:
        _merge_baselines([tmp_path / f"baseline-{user}.json" for user in ROLES])
    assert all(code == 0 for code, _ in results), "\n".join(out[-15000:] for _, out in results)
    # Signed in, no operation answers only 401 (Schemathesis's missing-auth warning names the
    # operations that did): a run whose token was refused proves nothing.
    assert not [out for _, out in results if "401 Unauthorized (" in out], [
        out.partition("401 Unauthorized (")[2][:2000] for _, out in results
    ]


def test_schemathesis_is_told_only_what_the_document_says_of_if_match() -> None:
    """428 where If-Match is required and 428 documented; 412 wherever If-Match and 412 are."""
    required = {"in": "header", "name": "If-Match", "required": True}
    optional = {"in": "header", "name": "If-Match", "required": False}
    document = {
        "paths": {
            "/required": {"post": {"parameters": [required], "responses": {"412": {}, "428": {}}}},
            "/optional": {"post": {"parameters": [optional], "responses": {"412": {}}}},
            "/none": {"post": {"parameters": [], "responses": {"412": {}, "428": {}}}},
        }
    }
    config = contract_config(document).split("[[operations]]")
    assert [block.splitlines()[1] for block in config[1:]] == [
        'include-name = "POST /optional"',
        'include-name = "POST /required"',
    ]
    assert "428" not in config[1].partition("negative_data_rejection")[0]
    assert "missing_required_header" not in config[1]
    assert '"406", "415", "422", "428"]' in config[2].partition("missing_required_header")[2]


def test_schemathesis_takes_a_422_for_valid_data_only_where_the_document_states_rules() -> None:
    """422 for schema-valid data is accepted on an operation whose document lists the rules
    beyond its schema (and documents 422); everywhere else it stays a failure."""
    rules = {"x-business-rules": ["`to` is not before `from`"]}
    stale = {"parameters": [{"in": "header", "name": "If-Match", "required": False}]}
    document = {
        "paths": {
            "/plain": {"post": {"responses": {"422": {}}}},
            "/rules": {"get": {**rules, "responses": {"422": {}}}},
            "/both": {"post": {**rules, **stale, "responses": {"412": {}, "422": {}}}},
            "/undocumented": {"get": {**rules, "responses": {}}},
        }
    }
    blocks = {
        block.splitlines()[1]: block
        for block in contract_config(document).split("[[operations]]")[1:]
    }
    assert set(blocks) == {'include-name = "GET /rules"', 'include-name = "POST /both"'}
    positive = "checks.positive_data_acceptance.expected-statuses = "
    assert (
        f'{positive}["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]'
        in (blocks['include-name = "GET /rules"'])
    )
    both = blocks['include-name = "POST /both"']
    assert '"409", "412", "422", "429"' in both.partition(positive)[2].splitlines()[0]
    assert "negative_data_rejection" in both
