"""Reports reconcile: for every country and fund, opening + in - out = closing, and closing is
the ledger's own balance at the end date; on the demo data and on random ledgers."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import ledger
from fundadmin.reports import allocation
from fundadmin.reports.allocation import CountryReport
from ledger import EntryKind, PostingSpec, TransactionSpec
from tests.clock import NOW

FUND_ACCOUNTS = {"victims": "/fund/victims", "support-services": "/fund/support-services"}


async def _ledger_fund_balances(session: AsyncSession, country: str, as_of: date) -> dict:
    balances = dict.fromkeys(allocation.FUNDS, Decimal(0))
    for account in await ledger.list_accounts(session, [country]):
        if account.type is not ledger.AccountType.FUND_EQUITY:
            continue
        fund = "earmarked" if "/earmarked/" in account.code else account.code.split("/")[2]
        balances[fund] += (await ledger.account_balance(session, account.code, as_of=as_of)).posted
    return balances


async def _check(session: AsyncSession, report: CountryReport) -> None:
    closing = await _ledger_fund_balances(session, report.country, report.end)
    opening = await _ledger_fund_balances(session, report.country, report.start - timedelta(days=1))
    for line in report.funds:
        assert line.closing == closing[line.fund], (report.country, line.fund)
        assert line.opening == opening[line.fund], (report.country, line.fund)
        assert line.opening + sum(line.money_in.values()) - sum(line.money_out.values()) == (
            line.closing
        )
    last = report.months[-1]
    assert {fund: last.closing[fund] for fund in allocation.FUNDS} == closing
    assert report.trial_balance_debits == report.trial_balance_credits


class TestDemoData:
    @pytest.mark.parametrize("country", sorted(ledger.COUNTRY_CURRENCY))
    async def test_every_country_reconciles(self, session: AsyncSession, country: str) -> None:
        for start, end in (
            (date(2026, 1, 1), date(2026, 12, 31)),
            (date(2025, 7, 1), date(2026, 3, 31)),
        ):
            report = await allocation.country_report(session, country, start, end, made_at=NOW)
            await _check(session, report)

    async def test_the_demo_year_has_money_in_of_every_source(self, session: AsyncSession) -> None:
        report = await allocation.country_report(
            session, "SE", date(2026, 1, 1), date(2026, 12, 31), made_at=NOW
        )
        for source in allocation.SOURCES:
            assert report.money_in[source] > 0, source
        assert report.money_out["grant"] > 0


class TestRandomLedgers:
    @pytest.mark.parametrize("seed", range(3))
    async def test_random_movements_reconcile(
        self, sessions: async_sessionmaker[AsyncSession], seed: int
    ) -> None:
        rng = random.Random(seed)
        country = rng.choice(sorted(ledger.COUNTRY_CURRENCY))
        currency = ledger.COUNTRY_CURRENCY[country]
        unit = Decimal(1).scaleb(-ledger.MINOR_UNITS[currency])
        case = f"R-{seed}"
        async with sessions() as session, session.begin():
            account = ledger.earmarked(country, case)
            await ledger.ensure_account(
                session,
                account.code,
                name=account.name,
                type=account.type,
                currency=currency,
                country=country,
                must_not_go_negative=True,
                owner=f"case:{case}",
            )
        funds = [f"{country}/fund/victims", f"{country}/fund/support-services"]
        funds.append(f"{country}/earmarked/{case}")
        for n in range(60):
            day = date(2025, 1, 1) + timedelta(days=rng.randrange(700))
            amount = unit * rng.randrange(1, 10_000_000)
            kind = rng.choice([EntryKind.APPROPRIATION, EntryKind.CONFISCATION, EntryKind.RECOVERY])
            into = rng.choice(funds)
            postings = (
                PostingSpec(f"{country}/bank", amount, currency),
                PostingSpec(into, -amount, currency),
            )
            if n % 4 == 3:  # a grant or award out of what came in, smaller
                kind = rng.choice([EntryKind.GRANT, EntryKind.AWARD, EntryKind.EARMARK_RELEASE])
                amount = (amount / 4).quantize(unit)
                postings = (
                    PostingSpec(into, amount, currency),
                    PostingSpec(f"{country}/bank", -amount, currency),
                )
                day = date(2026, 12, 31)
            async with sessions() as session, session.begin():
                await ledger.record_transaction(
                    session,
                    TransactionSpec(country, kind, day, postings, memo="random"),
                    idempotency_key=f"random-{seed}-{n}",
                    idempotency_scope="test",
                    created_by="test",
                    now=NOW,
                    owner=f"case:{case}",
                )
        async with sessions() as session:
            for start, end in (
                (date(2025, 1, 1), date(2025, 12, 31)),
                (date(2025, 3, 1), date(2026, 11, 30)),
                (date(2026, 1, 1), date(2026, 12, 31)),
            ):
                report = await allocation.country_report(session, country, start, end, made_at=NOW)
                await _check(session, report)
