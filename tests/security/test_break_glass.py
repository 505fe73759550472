"""Break-glass: who reads personal data without a reason, who needs one, who never may."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from litestar import Request

from fundadmin.security.break_glass import (
    BREAK_GLASS_HEADER,
    break_glass_reason,
    personal_data_reason,
)
from fundadmin.security.errors import BreakGlassReasonInvalid, BreakGlassRequired
from fundadmin.security.principal import Principal, Role

REASON = "Incident 2026-114: checking a payment to a claimant"


def _request(reason: str | None = None) -> Request[Any, Any, Any]:
    headers = [] if reason is None else [(BREAK_GLASS_HEADER.lower().encode(), reason.encode())]
    return Request(scope={"type": "http", "headers": headers, "method": "GET", "path": "/"})  # type: ignore[arg-type]


def _principal(role: Role) -> Principal:
    return Principal(user_id=uuid.uuid4(), username="x", grants={role: frozenset({"SE"})})


class TestBreakGlassReason:
    def test_absent_is_none(self) -> None:
        assert break_glass_reason(_request()) is None

    def test_whitespace_is_folded(self) -> None:
        assert break_glass_reason(_request(f"  {REASON}\t ")) == REASON

    @pytest.mark.parametrize("reason", ["", "because", "x" * 501])
    def test_too_short_or_too_long_is_refused(self, reason: str) -> None:
        with pytest.raises(BreakGlassReasonInvalid):
            break_glass_reason(_request(reason))


class TestPersonalDataReason:
    @pytest.mark.parametrize("role", [Role.ADMINISTRATOR, Role.LEGAL_ADVISER])
    def test_roles_that_work_with_her_data_need_no_reason(self, role: Role) -> None:
        assert personal_data_reason(_principal(role), _request()) is None

    def test_an_auditor_needs_a_reason(self) -> None:
        with pytest.raises(BreakGlassRequired):
            personal_data_reason(_principal(Role.AUDITOR), _request())
        assert personal_data_reason(_principal(Role.AUDITOR), _request(REASON)) == REASON

    @pytest.mark.parametrize("role", [Role.MINISTRY, Role.SUPERUSER])
    def test_ministry_and_superuser_never_may(self, role: Role) -> None:
        with pytest.raises(BreakGlassRequired):
            personal_data_reason(_principal(role), _request(REASON))
