"""Demo data: a year of money in and grants out for each of the eight funds, recorded through
the same use cases the API calls, so `make run` shows a ministry a report worth reading."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

import ledger
from claims.personal_data import PersonalDataVault
from fundadmin.funding import services
from fundadmin.funding.services import Writer

DEMO_WRITER = Writer(uuid.uuid5(uuid.NAMESPACE_URL, "fundadmin:demo-seeder"), frozenset({"*"}))
"""Who the demo records as its author (not a person: no account signs in with this id)."""

YEARLY_APPROPRIATION: dict[str, Decimal] = {
    "DK": Decimal(3_000_000),
    "EE": Decimal(240_000),
    "FI": Decimal(480_000),
    "IS": Decimal(45_000_000),
    "LT": Decimal(280_000),
    "LV": Decimal(320_000),
    "NO": Decimal(4_400_000),
    "SE": Decimal(4_000_000),
}
"""Each fund's yearly state appropriation in its currency; other demo amounts are shares of it."""

COURTS = {
    "DK": "Københavns Byret",
    "EE": "Harju Maakohus",
    "FI": "Helsingin käräjäoikeus",
    "IS": "Héraðsdómur Reykjavíkur",
    "LT": "Vilniaus miesto apylinkės teismas",
    "LV": "Rīgas rajona tiesa",
    "NO": "Oslo tingrett",
    "SE": "Stockholms tingsrätt",
}
NGOS = {
    "DK": "Reden International",
    "EE": "MTÜ Eluliin",
    "FI": "Pro-tukipiste ry",
    "IS": "Stígamót",
    "LT": "Caritas Lietuva",
    "LV": "Patvērums Drošā māja",
    "NO": "ROSA-prosjektet",
    "SE": "Marta Centre",
}


def _months_back(today: date, months: int, day: int) -> date:
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    return min(date(year, month + 1, day), today)


def _round(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-ledger.MINOR_UNITS[currency]))


async def _country(
    session: AsyncSession, vault: PersonalDataVault, country: str, now: datetime
) -> int:
    today = now.date()
    currency = ledger.COUNTRY_CURRENCY[country]
    year = YEARLY_APPROPRIATION[country]
    count = 0
    for quarter in range(4):
        await services.record_appropriation(
            session,
            DEMO_WRITER,
            country=country,
            effective_date=_months_back(today, 11 - 3 * quarter, 2),
            amount=_round(year / 4, currency),
            currency=currency,
            reference=f"State budget, victims' fund, quarter {quarter + 1}",
            purpose="",
            fund="victims",
            now=now,
        )
        count += 1
    await services.record_appropriation(
        session,
        DEMO_WRITER,
        country=country,
        effective_date=_months_back(today, 10, 15),
        amount=_round(year / 10, currency),
        currency=currency,
        reference="State budget, victim-support services",
        purpose="",
        fund="support_services",
        now=now,
    )
    count += 1
    for n, (months, shares) in enumerate(((10, ("0.9", "0.7")), (6, ("1.3", "0.4", "0.25")))):
        ordered_on = _months_back(today, months, 5)
        order = await services.record_confiscation(
            session,
            DEMO_WRITER,
            country=country,
            court=COURTS[country],
            case_reference=f"{country}-CONF-{today.year}-{n + 1}",
            ordered_on=ordered_on,
            description="Real estate, vehicles and bank balances of a trafficking network",
            estimated_value=_round(year * sum(Decimal(s) for s in shares), currency),
            currency=currency,
            now=now,
        )
        for k, share in enumerate(shares):
            await services.record_realisation(
                session,
                DEMO_WRITER,
                order.id,
                received_on=min(ordered_on + timedelta(days=40 + 60 * k), today),
                amount=_round(year * Decimal(share) * Decimal("0.9"), currency),
                currency=currency,
                expected_version=None,
                now=now,
            )
            count += 1
    for n in range(3):
        await services.record_recovery(
            session,
            DEMO_WRITER,
            vault,
            country=country,
            effective_date=_months_back(today, 9 - 3 * n, 20),
            amount=_round(year * Decimal("0.02") * (n + 1), currency),
            currency=currency,
            reference=f"Enforcement payment {n + 1}",
            court_reference=f"{COURTS[country]}, case {country}-CONF-{today.year}-1",
            offender_name=f"Demo offender {n + 1}",
            claim_id=None,
            case_reference=f"{country}-CONF-{today.year}-1",
            now=now,
        )
        count += 1
    for n in range(4):
        await services.record_grant(
            session,
            DEMO_WRITER,
            country=country,
            effective_date=_months_back(today, 8 - 2 * n, 25),
            amount=_round(year * Decimal("0.03"), currency),
            currency=currency,
            reference=f"Grant decision {today.year}/{n + 1}",
            organisation=NGOS[country],
            purpose="Shelter places, counselling and interpreters",
            now=now,
        )
        count += 1
    return count


def funding_seeder(
    vault_of: Callable[[Any], PersonalDataVault],
) -> Callable[[AsyncSession, Any, datetime], Awaitable[list[str]]]:
    """The demo seeder, given how the shell builds the vault from its settings."""

    async def seed(session: AsyncSession, settings: Any, now: datetime) -> list[str]:
        vault = vault_of(settings)
        count = 0
        for country in sorted(ledger.COUNTRY_CURRENCY):
            count += await _country(session, vault, country, now)
        return [
            (
                f"money in: {count} appropriations, confiscation realisations, recoveries and "
                "grants over the last year (GET /api/v1/reports/allocation?country=SE&from=...&"
                "to=... as ministry-se; country=ALL as ministry-region)"
            )
        ]

    return seed
