"""The Python API other areas use, against the real database (it flushes; the test commits)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

import ledger
from ledger import (
    AccountType,
    BatchItem,
    EntryKind,
    PostingSpec,
    TransactionSpec,
    TransactionStatus,
)
from tests.clock import NOW, TODAY
from tests.ledger.conftest import NewFund, transfer, unique


async def record(session: AsyncSession, spec: TransactionSpec, key: str | None = None):
    view = await ledger.record_transaction(
        session,
        spec,
        idempotency_key=key or unique("key"),
        idempotency_scope="tests",
        created_by="tester",
        now=NOW,
    )
    await session.commit()
    return view


async def available(session: AsyncSession, code: str) -> Decimal:
    return (await ledger.account_balance(session, code)).available


class TestRecordTransaction:
    async def test_a_payment_moves_money_and_is_returned_as_recorded(
        self, session: AsyncSession, new_fund: NewFund
    ) -> None:
        fund, payable = await new_fund("1000")
        view = await record(session, transfer("SE", fund, payable, "250.50", claim="c-1"))
        assert view.status is TransactionStatus.POSTED
        assert view.postings == (
            PostingSpec(fund, Decimal("250.50"), "SEK"),
            PostingSpec(payable, Decimal("-250.50"), "SEK"),
        )
        assert await ledger.get_transaction(session, view.id) == view
        assert await available(session, fund) == Decimal("749.50")
        assert (await ledger.account_balance(session, payable)).posted == Decimal("250.50")

    async def test_an_overdraft_names_the_posting_and_writes_nothing(
        self, session: AsyncSession, new_fund: NewFund
    ) -> None:
        fund, payable = await new_fund("100")
        with pytest.raises(ledger.InsufficientFunds) as caught:
            await record(session, transfer("SE", fund, payable, "100.01"))
        await session.rollback()
        assert caught.value.problem_extensions() == {"posting_index": 0, "account": fund}
        assert await available(session, fund) == Decimal(100)

    async def test_an_unknown_account_is_refused(
        self, session: AsyncSession, new_fund: NewFund
    ) -> None:
        fund, _ = await new_fund("100")
        with pytest.raises(ledger.UnknownAccount):
            await record(session, transfer("SE", fund, "SE/payable/test/nobody", "1"))

    async def test_an_overdraft_names_the_later_posting_at_fault(
        self, session: AsyncSession, new_fund: NewFund
    ) -> None:
        rich, payable = await new_fund("1000")
        poor, _ = await new_fund("10")
        spec = TransactionSpec(
            "SE",
            EntryKind.PAYMENT,
            TODAY,
            (
                PostingSpec(rich, Decimal(50), "SEK"),
                PostingSpec(poor, Decimal(20), "SEK"),
                PostingSpec(payable, Decimal(-70), "SEK"),
            ),
        )
        with pytest.raises(ledger.InsufficientFunds) as caught:
            await record(session, spec)
        await session.rollback()
        assert caught.value.problem_extensions() == {"posting_index": 1, "account": poor}
        assert (await available(session, rich), await available(session, poor)) == (1000, 10)

    async def test_a_refusal_leaves_the_callers_transaction_usable(
        self, session: AsyncSession, new_fund: NewFund
    ) -> None:
        fund, payable = await new_fund("100")
        with pytest.raises(ledger.InsufficientFunds):
            await ledger.record_transaction(
                session,
                transfer("SE", fund, payable, "100.01"),
                idempotency_key=unique("key"),
                idempotency_scope="tests",
                created_by="tester",
                now=NOW,
            )
        await record(session, transfer("SE", fund, payable, "40"))
        assert await available(session, fund) == Decimal(60)


class TestRecordAlone:
    """`record_alone`: one transaction committed on its own, the same answers as the session's."""

    async def alone(self, engine: AsyncEngine, spec: TransactionSpec, key: str):
        return await ledger.record_alone(
            engine,
            spec,
            idempotency_key=key,
            idempotency_scope="tests",
            created_by="tester",
            now=NOW,
        )

    async def test_it_commits_and_returns_the_transaction_as_stored(
        self, engine: AsyncEngine, session: AsyncSession, new_fund: NewFund
    ) -> None:
        fund, payable = await new_fund("1000")
        view = await self.alone(engine, transfer("SE", fund, payable, "250.50"), unique("key"))
        assert await ledger.get_transaction(session, view.id) == view
        assert await available(session, fund) == Decimal("749.50")

    async def test_a_retry_returns_the_first_result_and_moves_money_once(
        self, engine: AsyncEngine, session: AsyncSession, new_fund: NewFund
    ) -> None:
        fund, payable = await new_fund("1000")
        key = unique("key")
        first = await self.alone(engine, transfer("SE", fund, payable, "100"), key)
        assert await self.alone(engine, transfer("SE", fund, payable, "100.00"), key) == first
        with pytest.raises(ledger.IdempotencyConflict):
            await self.alone(engine, transfer("SE", fund, payable, "200"), key)
        assert await available(session, fund) == Decimal(900)

    async def test_an_overdraft_names_the_posting_and_writes_nothing(
        self, engine: AsyncEngine, session: AsyncSession, new_fund: NewFund
    ) -> None:
        fund, payable = await new_fund("100")
        with pytest.raises(ledger.InsufficientFunds) as caught:
            await self.alone(engine, transfer("SE", fund, payable, "100.01"), unique("key"))
        assert caught.value.problem_extensions() == {"posting_index": 0, "account": fund}
        with pytest.raises(ledger.UnknownAccount):
            await self.alone(engine, transfer("SE", fund, "SE/payable/test/nobody", "1"), "k")
        assert await available(session, fund) == Decimal(100)


class TestIdempotency:
    async def test_a_retry_returns_the_first_result_and_moves_money_once(
        self, session: AsyncSession, new_fund: NewFund
    ) -> None:
        fund, payable = await new_fund("1000")
        first = await record(session, transfer("SE", fund, payable, "100"), key="pay-1")
        again = await record(session, transfer("SE", fund, payable, "100.00"), key="pay-1")
        assert again == first
        assert await available(session, fund) == Decimal(900)

    async def test_the_same_key_for_a_different_transaction_is_refused(
        self, session: AsyncSession, new_fund: NewFund
    ) -> None:
        fund, payable = await new_fund("1000")
        await record(session, transfer("SE", fund, payable, "100"), key="pay-2")
        with pytest.raises(ledger.IdempotencyConflict):
            await record(session, transfer("SE", fund, payable, "200"), key="pay-2")

    async def test_keys_of_different_scopes_do_not_collide(
        self, session: AsyncSession, new_fund: NewFund
    ) -> None:
        fund, payable = await new_fund("1000")
        for scope in ("claims", "tests"):
            await ledger.record_transaction(
                session,
                transfer("SE", fund, payable, "100"),
                idempotency_key="same",
                idempotency_scope=scope,
                created_by="t",
                now=NOW,
            )
        await session.commit()
        assert await available(session, fund) == Decimal(800)


class TestTwoPhase:
    async def test_a_reservation_lowers_available_until_posted(
        self, session: AsyncSession, new_fund: NewFund
    ) -> None:
        fund, payable = await new_fund("1000")
        award = await record(session, transfer("SE", fund, payable, "600", pending=True))
        balance = await ledger.account_balance(session, fund)
        assert (balance.posted, balance.pending, balance.available) == (1000, 600, 400)
        with pytest.raises(ledger.InsufficientFunds):
            await record(session, transfer("SE", fund, payable, "400.01"))
        await session.rollback()
        posted = await ledger.post_pending(session, award.id, actor="admin2", now=NOW)
        await session.commit()
        assert posted.status is TransactionStatus.POSTED
        assert posted.status_changed_by == "admin2"
        balance = await ledger.account_balance(session, fund)
        assert (balance.posted, balance.pending, balance.available) == (400, 0, 400)

    async def test_a_voided_reservation_releases_the_money(
        self, session: AsyncSession, new_fund: NewFund
    ) -> None:
        fund, payable = await new_fund("1000")
        award = await record(session, transfer("SE", fund, payable, "600", pending=True))
        await ledger.void_pending(session, award.id, actor="admin")
        await session.commit()
        assert await available(session, fund) == Decimal(1000)
        with pytest.raises(ledger.InvalidTransition):
            await ledger.post_pending(session, award.id, actor="admin", now=NOW)

    async def test_posting_twice_is_a_safe_retry(
        self, session: AsyncSession, new_fund: NewFund
    ) -> None:
        fund, payable = await new_fund("1000")
        award = await record(session, transfer("SE", fund, payable, "600", pending=True))
        await ledger.post_pending(session, award.id, actor="a", now=NOW)
        await session.commit()
        again = await ledger.post_pending(session, award.id, actor="a", now=NOW)
        assert again.status is TransactionStatus.POSTED
        assert await available(session, fund) == Decimal(400)
        with pytest.raises(ledger.InvalidTransition):
            await ledger.void_pending(session, award.id, actor="a")

    async def test_a_reservation_already_expired_is_refused_but_a_late_retry_returns_it(
        self, session: AsyncSession, new_fund: NewFund
    ) -> None:
        fund, payable = await new_fund("1000")
        late = replace(
            transfer("SE", fund, payable, "600", pending=True),
            expires_at=NOW - timedelta(seconds=1),
        )
        with pytest.raises(ledger.InvalidTransaction, match="expiry has already passed"):
            await record(session, late)
        await session.rollback()
        assert await available(session, fund) == Decimal(1000)

        in_time = replace(late, expires_at=NOW + timedelta(seconds=1))
        first = await record(session, in_time, key="reserve-once")
        retried = await ledger.record_transaction(
            session,
            in_time,
            idempotency_key="reserve-once",
            idempotency_scope="tests",
            created_by="tester",
            now=NOW + timedelta(seconds=2),
        )
        assert retried.id == first.id
        assert await available(session, fund) == Decimal(400)

    async def test_an_expired_reservation_can_be_voided_not_posted(
        self, session: AsyncSession, new_fund: NewFund
    ) -> None:
        fund, payable = await new_fund("1000")
        spec = replace(
            transfer("SE", fund, payable, "600", pending=True),
            expires_at=NOW + timedelta(seconds=1),
        )
        award = await record(session, spec)
        later = NOW + timedelta(seconds=1)
        with pytest.raises(ledger.PendingExpired):
            await ledger.post_pending(session, award.id, actor="a", now=later)
        await session.rollback()
        assert not await ledger.void_expired(session, actor="expiry-job", countries=["SE"], now=NOW)
        assert award.id in await ledger.void_expired(
            session, actor="expiry-job", countries=["SE"], now=later
        )
        await session.commit()
        assert (await ledger.get_transaction(session, award.id)).status is TransactionStatus.VOIDED
        assert await available(session, fund) == Decimal(1000)


class TestReversal:
    async def test_a_reversal_mirrors_the_original_and_links_to_it(
        self, session: AsyncSession, new_fund: NewFund
    ) -> None:
        fund, payable = await new_fund("1000")
        original = await record(session, transfer("SE", fund, payable, "300", case="c-9"))
        reversal = await ledger.reverse_transaction(
            session,
            original.id,
            actor="admin",
            idempotency_key="rev-1",
            memo="entered twice",
            now=NOW,
        )
        await session.commit()
        assert reversal.kind is EntryKind.REVERSAL
        assert reversal.reversal_of == original.id
        assert [p.amount for p in reversal.postings] == [Decimal(-300), Decimal(300)]
        assert (await ledger.get_transaction(session, original.id)).reversed_by == reversal.id
        assert await available(session, fund) == Decimal(1000)
        by_case = await ledger.transactions_by_reference(session, "case", "c-9")
        assert [t.id for t in by_case] == [original.id, reversal.id]

    async def test_a_transaction_is_reversed_once(
        self, session: AsyncSession, new_fund: NewFund
    ) -> None:
        fund, payable = await new_fund("1000")
        original = await record(session, transfer("SE", fund, payable, "300"))
        first = await ledger.reverse_transaction(
            session, original.id, actor="a", idempotency_key="r1", now=NOW
        )
        await session.commit()
        retry = await ledger.reverse_transaction(
            session, original.id, actor="a", idempotency_key="r1", now=NOW
        )
        assert retry.id == first.id
        with pytest.raises(ledger.AlreadyReversed):
            await ledger.reverse_transaction(
                session, original.id, actor="a", idempotency_key="r2", now=NOW
            )

    async def test_a_pending_transaction_is_voided_not_reversed(
        self, session: AsyncSession, new_fund: NewFund
    ) -> None:
        fund, payable = await new_fund("1000")
        award = await record(session, transfer("SE", fund, payable, "300", pending=True))
        with pytest.raises(ledger.InvalidTransition):
            await ledger.reverse_transaction(
                session, award.id, actor="a", idempotency_key="r", now=NOW
            )


class TestBatch:
    async def test_a_batch_is_written_all_or_nothing_and_names_the_failure(
        self, session: AsyncSession, new_fund: NewFund
    ) -> None:
        fund, payable = await new_fund("1000")
        items = [BatchItem(transfer("SE", fund, payable, "100"), f"b-{n}") for n in range(5)]
        items.append(BatchItem(transfer("SE", fund, payable, "600"), "b-5"))
        with pytest.raises(ledger.InsufficientFunds) as caught:
            await ledger.record_batch(
                session, items, idempotency_scope="t", created_by="t", now=NOW
            )
        await session.rollback()
        assert caught.value.transaction_index == 5
        assert caught.value.posting_index == 0
        assert await available(session, fund) == Decimal(1000)

    async def test_a_batch_is_checked_in_order_not_by_its_net_effect(
        self, session: AsyncSession, new_fund: NewFund
    ) -> None:
        fund, payable = await new_fund("100")
        items = [
            BatchItem(transfer("SE", fund, payable, "150"), "overdraw"),
            BatchItem(transfer("SE", payable, fund, "100"), "refill"),
        ]
        with pytest.raises(ledger.InsufficientFunds) as caught:
            await ledger.record_batch(
                session, items, idempotency_scope="t", created_by="t", now=NOW
            )
        await session.rollback()
        assert (caught.value.transaction_index, caught.value.posting_index) == (0, 0)
        assert await available(session, fund) == Decimal(100)

    async def test_a_retried_batch_moves_money_once(
        self, session: AsyncSession, new_fund: NewFund
    ) -> None:
        fund, payable = await new_fund("1000")
        items = [BatchItem(transfer("SE", fund, payable, "100"), f"b-{n}") for n in range(3)]
        first = await ledger.record_batch(
            session, items, idempotency_scope="t", created_by="t", now=NOW
        )
        await session.commit()
        again = await ledger.record_batch(
            session, items, idempotency_scope="t", created_by="t", now=NOW
        )
        assert [v.id for v in again] == [v.id for v in first]
        assert await available(session, fund) == Decimal(700)


class TestExchange:
    async def test_a_swedish_fund_pays_in_euro_through_the_exchange_accounts(
        self, session: AsyncSession
    ) -> None:
        payable = ledger.AccountDefinition(
            f"SE/payable/assistance/{unique('app')}",
            "Assistance payable",
            AccountType.LIABILITY,
            "EUR",
            "SE",
        )
        await ledger.ensure_account(
            session,
            payable.code,
            name=payable.name,
            type=payable.type,
            currency="EUR",
            country="SE",
        )
        before = await available(session, "SE/bank")
        spec = TransactionSpec(
            "SE",
            EntryKind.RETURN_ASSISTANCE,
            TODAY,
            (
                PostingSpec(payable.code, Decimal("1000.00"), "EUR"),
                PostingSpec("SE/exchange/EUR", Decimal("-1000.00"), "EUR"),
                PostingSpec("SE/exchange/SEK", Decimal("11470.00"), "SEK"),
                PostingSpec("SE/bank", Decimal("-11470.00"), "SEK"),
            ),
            exchange_rates={"EUR": Decimal("11.47")},
        )
        view = await record(session, spec)
        assert view.exchange_rates == {"EUR": Decimal("11.47")}
        assert await available(session, "SE/bank") == before - Decimal("11470.00")
        trial = await ledger.trial_balance(session, "SE")
        assert {t.currency for t in trial.totals} >= {"SEK", "EUR"}
        assert all(t.balanced for t in trial.totals)


class TestQueries:
    async def test_balance_as_of_a_date_counts_only_what_was_effective(
        self, session: AsyncSession, new_fund: NewFund
    ) -> None:
        fund, payable = await new_fund("1000")
        await record(
            session, transfer("SE", fund, payable, "100", effective_date=date(2030, 1, 10))
        )
        await record(
            session,
            transfer("SE", fund, payable, "50", effective_date=date(2030, 2, 10), pending=True),
        )
        early = await ledger.account_balance(session, fund, as_of=date(2030, 1, 9))
        middle = await ledger.account_balance(session, fund, as_of=date(2030, 1, 31))
        late = await ledger.account_balance(session, fund, as_of=date(2030, 3, 1))
        assert (early.posted, middle.posted, late.posted) == (1000, 900, 900)
        assert (late.pending, late.available) == (50, 850)
        assert late == await ledger.account_balance(session, fund)

    async def test_a_statement_pages_with_a_running_balance(
        self, session: AsyncSession, new_fund: NewFund
    ) -> None:
        fund, payable = await new_fund("1000")
        for day in range(1, 6):
            await record(
                session, transfer("SE", fund, payable, "10", effective_date=date(2030, 1, day))
            )
        first = await ledger.account_statement(session, fund, limit=4)
        second = await ledger.account_statement(session, fund, limit=4, after=first.next_cursor)
        lines = first.lines + second.lines
        assert second.next_cursor is None
        assert [line.running_balance for line in lines] == [1000, 990, 980, 970, 960, 950]
        ranged = await ledger.account_statement(session, fund, from_date=date(2030, 1, 3))
        assert ranged.opening_balance == 980
        assert [line.running_balance for line in ranged.lines] == [970, 960, 950]

    async def test_the_trial_balance_of_every_country_sums_to_zero(
        self, session: AsyncSession
    ) -> None:
        for country in ledger.COUNTRY_CURRENCY:
            trial = await ledger.trial_balance(session, country)
            assert trial.totals, country
            assert all(total.balanced for total in trial.totals), country
            assert sum(line.debits - line.credits for line in trial.lines) == 0


class TestAccounts:
    async def test_ensure_account_creates_once_and_refuses_a_different_definition(
        self, session: AsyncSession
    ) -> None:
        award = ledger.award_payable("LV", unique("claim"))
        kwargs = {
            "name": award.name,
            "type": award.type,
            "currency": "EUR",
            "country": "LV",
            "must_not_go_negative": True,
            "owner": ledger.account_owner(award.code),
        }
        first = await ledger.ensure_account(session, award.code, **kwargs)
        assert await ledger.ensure_account(session, award.code, **kwargs) == first
        with pytest.raises(ledger.AccountConflict):
            await ledger.ensure_account(
                session, award.code, **{**kwargs, "type": AccountType.ASSET}
            )

    async def test_only_its_owner_opens_a_claims_account(self, session: AsyncSession) -> None:
        award = ledger.award_payable("LV", unique("claim"))
        with pytest.raises(ledger.OwnedElsewhere):
            await ledger.ensure_account(
                session,
                award.code,
                name=award.name,
                type=award.type,
                currency="EUR",
                country="LV",
                must_not_go_negative=True,
                owner="claim:another",
            )

    async def test_the_database_derives_the_same_owner_as_the_chart(
        self, session: AsyncSession
    ) -> None:
        codes = [
            f"SE/payable/award/{unique('c')}",
            f"SE/payable/return/{unique('a')}",
            f"SE/payable/test/{unique('t')}",
            f"SE/payable/award/{unique('c')}/extra",
            f"SE/earmarked/{unique('case')}",
        ]
        for code in codes:
            await ledger.ensure_account(
                session,
                code,
                name="x",
                type=AccountType.LIABILITY,
                currency="SEK",
                country="SE",
                must_not_go_negative=True,
                owner=ledger.account_owner(code),
            )
        stored = dict(
            (
                await session.execute(
                    sa.text("SELECT code, owner FROM ledger_account WHERE code = ANY(:codes)"),
                    {"codes": codes},
                )
            ).all()
        )
        assert stored == {code: ledger.account_owner(code) for code in codes}
        assert stored[codes[2]] is None

    async def test_an_account_code_starts_with_its_country(self, session: AsyncSession) -> None:
        with pytest.raises(ledger.InvalidAccount):
            await ledger.ensure_account(
                session, "LV/fund/x", name="x", type=AccountType.ASSET, currency="SEK", country="SE"
            )
