"""Random sequences of transfers, reservations, posts, voids, reversals and retries, against the
real database through the Python API; after every step the books must still add up."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, ClassVar

import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy.engine import URL

import ledger
from fundadmin.database import create_engine, create_session_factory
from ledger import AccountType, EntryKind, TransactionSpec
from tests.clock import NOW, TODAY
from tests.ledger.conftest import transfer

FUNDS = 3
START = Decimal(1000)


@dataclass
class Model:
    """What the books should say: posted balance and pending money out, per account."""

    posted: dict[str, Decimal] = field(default_factory=dict)
    pending: dict[str, Decimal] = field(default_factory=dict)
    guarded: set[str] = field(default_factory=set)

    def available(self, code: str) -> Decimal:
        return self.posted[code] - self.pending[code]


@dataclass(frozen=True)
class Recorded:
    id: uuid.UUID
    key: str
    spec: TransactionSpec
    source: str
    target: str
    amount: Decimal


class LedgerMachine(RuleBasedStateMachine):
    url: ClassVar[URL]

    pending = Bundle("pending")
    posted = Bundle("posted")

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.engine = create_engine(self.url, pool_size=1)
        self.sessions = create_session_factory(self.engine)
        self.model = Model()
        self.run_id = uuid.uuid4().hex[:8]
        self.codes: list[str] = []
        self.outside = ""

    def run(self, coroutine: Any) -> Any:
        return self.loop.run_until_complete(coroutine)

    def teardown(self) -> None:
        self.run(self.engine.dispose())
        self.loop.close()

    async def _in_session(self, work: Any) -> Any:
        async with self.sessions() as session:
            try:
                result = await work(session)
                await session.commit()
            except BaseException:
                await session.rollback()
                raise
            return result

    @initialize()
    def open_books(self) -> None:
        self.outside = f"SE/income/h-{self.run_id}"
        self.codes = [f"SE/fund/h-{self.run_id}-{n}" for n in range(FUNDS)]

        async def work(session: Any) -> None:
            await ledger.ensure_account(
                session,
                self.outside,
                name="outside",
                type=AccountType.FUND_EQUITY,
                currency="SEK",
                country="SE",
            )
            for code in self.codes:
                await ledger.ensure_account(
                    session,
                    code,
                    name="fund",
                    type=AccountType.FUND_EQUITY,
                    currency="SEK",
                    country="SE",
                    must_not_go_negative=True,
                )
                await ledger.record_transaction(
                    session,
                    transfer("SE", self.outside, code, str(START), kind=EntryKind.OPENING),
                    idempotency_key=f"open-{code}",
                    idempotency_scope="machine",
                    created_by="h",
                    now=NOW,
                )

        self.run(self._in_session(work))
        self.model.posted = dict.fromkeys(self.codes, START)
        self.model.posted[self.outside] = -START * FUNDS
        self.model.pending = {code: Decimal(0) for code in [*self.codes, self.outside]}
        self.model.guarded = set(self.codes)

    def _record(self, spec: TransactionSpec, key: str) -> ledger.TransactionView:
        return self.run(
            self._in_session(
                lambda session: ledger.record_transaction(
                    session,
                    spec,
                    idempotency_key=key,
                    idempotency_scope="machine",
                    created_by="h",
                    now=NOW,
                )
            )
        )

    def _moves(self, source: str, amount: Decimal) -> bool:
        return source not in self.model.guarded or self.model.available(source) >= amount

    @rule(
        target=posted,
        source=st.integers(0, FUNDS),
        target_index=st.integers(0, FUNDS),
        cents=st.integers(1, 80_000),
    )
    def transfer(self, source: int, target_index: int, cents: int) -> Any:
        return self._transfer(source, target_index, cents, pending=False)

    @rule(
        target=pending,
        source=st.integers(0, FUNDS),
        target_index=st.integers(0, FUNDS),
        cents=st.integers(1, 80_000),
    )
    def reserve(self, source: int, target_index: int, cents: int) -> Any:
        return self._transfer(source, target_index, cents, pending=True)

    def _transfer(self, source: int, target_index: int, cents: int, *, pending: bool) -> Any:
        accounts = [*self.codes, self.outside]
        src, dst = accounts[source], accounts[target_index]
        if src == dst:
            return multiple()
        amount = Decimal(cents) / 100
        spec = transfer("SE", src, dst, str(amount), pending=pending)
        key = uuid.uuid4().hex
        if not self._moves(src, amount):
            try:
                self._record(spec, key)
            except ledger.InsufficientFunds:
                return multiple()
            raise AssertionError("an overdraft was accepted")
        view = self._record(spec, key)
        if pending:
            self.model.pending[src] += amount
        else:
            self.model.posted[src] -= amount
            self.model.posted[dst] += amount
        return Recorded(view.id, key, spec, src, dst, amount)

    @rule(earlier=st.one_of(posted, pending))
    def retry(self, earlier: Any) -> None:
        if not isinstance(earlier, Recorded):
            return
        view = self._record(earlier.spec, earlier.key)
        assert view.id == earlier.id
        changed = replace(earlier.spec, memo="a different request")
        try:
            self._record(changed, earlier.key)
        except ledger.IdempotencyConflict:
            return
        raise AssertionError("a reused key with a different body was accepted")

    @rule(target=posted, reservation=consumes(pending))
    def post(self, reservation: Any) -> Any:
        if not isinstance(reservation, Recorded):
            return multiple()
        self.run(
            self._in_session(lambda s: ledger.post_pending(s, reservation.id, actor="h", now=NOW))
        )
        self.model.pending[reservation.source] -= reservation.amount
        self.model.posted[reservation.source] -= reservation.amount
        self.model.posted[reservation.target] += reservation.amount
        return reservation

    @rule(reservation=consumes(pending))
    def void(self, reservation: Any) -> None:
        if not isinstance(reservation, Recorded):
            return
        self.run(self._in_session(lambda s: ledger.void_pending(s, reservation.id, actor="h")))
        self.model.pending[reservation.source] -= reservation.amount

    @rule(original=consumes(posted))
    def reverse(self, original: Any) -> None:
        if not isinstance(original, Recorded):
            return
        undo = lambda s: ledger.reverse_transaction(  # noqa: E731
            s, original.id, actor="h", idempotency_key=uuid.uuid4().hex, now=NOW
        )
        if not self._moves(original.target, original.amount):
            try:
                self.run(self._in_session(undo))
            except ledger.InsufficientFunds:
                return
            raise AssertionError("a reversal overdrew a fund")
        self.run(self._in_session(undo))
        self.model.posted[original.target] -= original.amount
        self.model.posted[original.source] += original.amount

    @invariant()
    def books_add_up(self) -> None:
        if not self.codes:
            return

        async def check(session: Any) -> None:
            totals = await session.execute(
                sa.text(
                    "SELECT currency, sum(posted_debits - posted_credits), "
                    "sum(pending_debits - pending_credits) FROM ledger_account GROUP BY currency"
                )
            )
            for currency, posted, pending in totals:
                assert (posted, pending) == (0, 0), currency
            negative = await session.scalar(
                sa.text(
                    "SELECT count(*) FROM ledger_account WHERE must_not_go_negative AND "
                    "CASE WHEN type IN ('asset', 'expense') "
                    "THEN posted_debits - posted_credits - pending_credits "
                    "ELSE posted_credits - posted_debits - pending_debits END < 0"
                )
            )
            assert negative == 0
            for code in [*self.codes, self.outside]:
                balance = await ledger.account_balance(session, code)
                assert balance.available == balance.posted - balance.pending
                assert balance.posted == self.model.posted[code], code
                assert balance.pending == self.model.pending[code], code
                as_of = await ledger.account_balance(session, code, as_of=TODAY)
                assert as_of == balance, code

        self.run(self._in_session(check))


class TestRandomSequences:
    def test_the_books_always_add_up(self, database_url: URL) -> None:
        LedgerMachine.url = database_url
        run_state_machine_as_test(
            LedgerMachine,
            settings=settings(
                max_examples=20,
                stateful_step_count=20,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow],
            ),
        )
