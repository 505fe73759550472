"""Issue 12: a body nested a thousand levels deep is a cheap 400, from anyone, to any route."""

from __future__ import annotations

import logging

import pytest

from fundadmin.json_depth import MAX_JSON_DEPTH, json_depth


@pytest.mark.parametrize("path", ["/api/v1/auth/token", "/api/v1/claimants"])
async def test_a_thousand_levels_deep_is_a_400_problem_and_nothing_is_logged_as_an_error(
    client, auth, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    body = "[" * 1000 + "]" * 1000
    headers = {"content-type": "application/json"}
    if path.endswith("claimants"):
        headers |= await auth("adviser-marta")
    with caplog.at_level(logging.ERROR):
        response = await client.post(path, content=body, headers=headers)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/json-too-deep")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_brackets_inside_strings_do_not_count() -> None:
    assert json_depth(b'{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\"[[[[["}') == 1
    assert json_depth(b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1)) > MAX_JSON_DEPTH
    assert json_depth(b"[" + b"[]," * 100 + b"[]]") == 2
