"""The lifecycle table, without a database."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from claims.errors import InvalidTransition
from claims.workflow import TRANSITIONS, ClaimEvent, ClaimStatus, allowed_events, transition

S = ClaimStatus
E = ClaimEvent


class TestTransition:
    @pytest.mark.parametrize(
        ("state", "event", "after"),
        [
            (S.DRAFT, E.SUBMIT, S.SUBMITTED),
            (S.SUBMITTED, E.START_REVIEW, S.UNDER_REVIEW),
            (S.UNDER_REVIEW, E.REQUEST_INFORMATION, S.INFORMATION_REQUESTED),
            (S.INFORMATION_REQUESTED, E.ANSWER_INFORMATION, S.UNDER_REVIEW),
            (S.UNDER_REVIEW, E.ASSESS, S.ASSESSED),
            (S.ASSESSED, E.DECIDE, S.DECIDED),
            (S.ASSESSED, E.DECIDE_ABOVE_THRESHOLD, S.AWAITING_SECOND_APPROVAL),
            (S.AWAITING_SECOND_APPROVAL, E.CONFIRM, S.DECIDED),
            (S.AWAITING_SECOND_APPROVAL, E.SEND_BACK, S.UNDER_REVIEW),
            (S.DECIDED, E.ISSUE_LETTER, S.LETTER_ISSUED),
            (S.LETTER_ISSUED, E.PAY_IN_PART, S.PARTLY_PAID),
            (S.PARTLY_PAID, E.PAY_IN_FULL, S.PAID),
            (S.PAID, E.CLOSE, S.CLOSED),
            (S.CLOSED, E.APPEAL, S.APPEALED),
            (S.APPEALED, E.START_REVIEW, S.UNDER_REVIEW),
        ],
    )
    def test_the_lifecycle_of_design(
        self, state: ClaimStatus, event: ClaimEvent, after: ClaimStatus
    ) -> None:
        assert transition(state, event) is after

    def test_an_illegal_event_names_what_is_allowed(self) -> None:
        with pytest.raises(InvalidTransition) as caught:
            transition(S.SUBMITTED, E.DECIDE)
        assert caught.value.allowed == ("start_review", "withdraw")
        assert caught.value.problem_extensions()["allowed_events"] == ["start_review", "withdraw"]

    @pytest.mark.parametrize(
        "state", [S.DRAFT, S.SUBMITTED, S.ASSESSED, S.AWAITING_SECOND_APPROVAL]
    )
    def test_withdrawal_is_possible_before_a_decision(self, state: ClaimStatus) -> None:
        assert transition(state, E.WITHDRAW) is S.WITHDRAWN

    @pytest.mark.parametrize("state", [S.DECIDED, S.LETTER_ISSUED, S.PAID, S.CLOSED])
    def test_withdrawal_is_refused_after_a_decision(self, state: ClaimStatus) -> None:
        with pytest.raises(InvalidTransition):
            transition(state, E.WITHDRAW)

    def test_after_an_appeal_the_claim_can_no_longer_be_withdrawn(self) -> None:
        assert E.WITHDRAW in allowed_events(S.UNDER_REVIEW)
        assert E.WITHDRAW not in allowed_events(S.UNDER_REVIEW, decided_before=True)
        with pytest.raises(InvalidTransition):
            transition(S.UNDER_REVIEW, E.WITHDRAW, decided_before=True)

    def test_nothing_leaves_withdrawn(self) -> None:
        assert allowed_events(S.WITHDRAWN) == ()

    def test_every_status_is_reachable(self) -> None:
        reached = {S.DRAFT} | set(TRANSITIONS.values())
        assert reached == set(ClaimStatus)


def test_the_core_imports_neither_the_shell_nor_the_database() -> None:
    root = Path(__file__).resolve().parents[2] / "claims"
    for module in ("workflow.py", "decision.py", "documents.py", "letters.py", "money.py"):
        tree = ast.parse((root / module).read_text())
        imported = {
            (node.module or "").split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
        } | {
            alias.name.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        }
        assert not imported & {"fundadmin", "sqlalchemy", "litestar", "asyncpg"}, module
