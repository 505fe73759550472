"""Helpers for ledger tests: fresh accounts per test, so demo data never changes an expectation."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import ledger
from ledger import AccountType, EntryKind, PostingSpec, TransactionSpec
from tests.clock import NOW, TODAY


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def transfer(
    country: str,
    debit: str,
    credit: str,
    amount: str,
    currency: str = "SEK",
    *,
    kind: EntryKind = EntryKind.PAYMENT,
    pending: bool = False,
    effective_date: date = TODAY,
    **references: str,
) -> TransactionSpec:
    value = Decimal(amount)
    return TransactionSpec(
        country=country,
        kind=kind,
        effective_date=effective_date,
        postings=(PostingSpec(debit, value, currency), PostingSpec(credit, -value, currency)),
        references=references,
        pending=pending,
    )


NewFund = Callable[..., Awaitable[tuple[str, str]]]


@pytest.fixture
def new_fund(sessions: async_sessionmaker[AsyncSession]) -> NewFund:
    """`await new_fund("1000")`: a fresh guarded fund holding that much (committed), and a fresh
    unguarded liability to pay into (owned by no claim); returns (fund code, payable code)."""
    return fund_factory(sessions)


def fund_factory(sessions: async_sessionmaker[AsyncSession]) -> NewFund:

    async def make(amount: str, country: str = "SE", currency: str = "SEK") -> tuple[str, str]:
        fund, payable, source = (
            f"{country}/fund/{unique('test')}",
            f"{country}/payable/test/{unique('claim')}",
            f"{country}/income/{unique('test')}",
        )
        async with sessions() as session, session.begin():
            await ledger.ensure_account(
                session,
                fund,
                name="Test fund",
                type=AccountType.FUND_EQUITY,
                currency=currency,
                country=country,
                must_not_go_negative=True,
            )
            await ledger.ensure_account(
                session,
                payable,
                name="Test payable",
                type=AccountType.LIABILITY,
                currency=currency,
                country=country,
            )
            await ledger.ensure_account(
                session,
                source,
                name="Test income",
                type=AccountType.INCOME,
                currency=currency,
                country=country,
            )
            if Decimal(amount):
                await ledger.record_transaction(
                    session,
                    transfer(country, source, fund, amount, currency, kind=EntryKind.ALLOCATION),
                    idempotency_key=unique("fund"),
                    idempotency_scope="tests",
                    created_by="tests",
                    now=NOW,
                )
        return fund, payable

    return make
