"""Demo books: each fund's opening appropriation and a few months of movements.

Amounts are invented and round; case references are fictitious (`<CC>-DEMO-<n>`). The seeder
records through the public API, so the demo data obeys every rule real data obeys.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from ledger.chart import COUNTRY_CURRENCY, earmarked
from ledger.posting import EntryKind, PostingSpec, TransactionSpec
from ledger.services import ensure_account, record_transaction

OPENING: dict[str, Decimal] = {
    "DK": Decimal(4_000_000),
    "EE": Decimal(300_000),
    "FI": Decimal(600_000),
    "IS": Decimal(60_000_000),
    "LT": Decimal(350_000),
    "LV": Decimal(400_000),
    "NO": Decimal(5_500_000),
    "SE": Decimal(5_000_000),
}
"""Opening state appropriation into each victims' fund, in the country's currency."""

SCOPE = "demo"
ACTOR = "demo-seeder"


def _month_start(today: date, months_back: int) -> date:
    year, month = divmod(today.year * 12 + today.month - 1 - months_back, 12)
    return date(year, month + 1, 1)


def _movements(country: str, today: date) -> list[tuple[str, TransactionSpec]]:
    cur = COUNTRY_CURRENCY[country]
    opening = OPENING[country]
    unit = opening / 100  # every other amount is a round share of the opening appropriation

    def tx(
        key: str, kind: EntryKind, day: date, memo: str, *legs: tuple[str, Decimal], **refs: str
    ) -> tuple[str, TransactionSpec]:
        postings = tuple(PostingSpec(f"{country}/{code}", amount, cur) for code, amount in legs)
        return key, TransactionSpec(country, kind, day, postings, memo, refs)

    start = _month_start(today, 5)
    items = [
        tx(
            "appropriation",
            EntryKind.APPROPRIATION,
            start,
            "State appropriation for the year",
            ("bank", opening),
            ("income/appropriation", -opening),
        ),
        tx(
            "appropriation-allocation",
            EntryKind.ALLOCATION,
            start,
            "Appropriation allocated to the victims' fund",
            ("income/appropriation", opening),
            ("fund/victims", -opening),
        ),
    ]
    for n in range(1, 4):
        day = _month_start(today, 5 - n) + timedelta(days=9)
        case = f"{country}-DEMO-{n}"
        amount = unit * (6 + 2 * n)
        to_case, to_fund = amount * Decimal("0.5"), amount * Decimal("0.4")
        to_support = amount - to_case - to_fund
        items += [
            tx(
                f"confiscation-{n}",
                EntryKind.CONFISCATION,
                day,
                "Assets confiscated by court order",
                ("assets/confiscated", amount),
                ("income/confiscation", -amount),
                case=case,
                confiscation=f"{case}-C",
            ),
            tx(
                f"realisation-{n}",
                EntryKind.CONFISCATION,
                day + timedelta(days=7),
                "Confiscated assets realised",
                ("bank", amount),
                ("assets/confiscated", -amount),
                case=case,
                confiscation=f"{case}-C",
            ),
            tx(
                f"allocation-{n}",
                EntryKind.ALLOCATION,
                day + timedelta(days=8),
                "Confiscation allocated: case victims, victims' fund, support services",
                ("income/confiscation", amount),
                (f"earmarked/{case}", -to_case),
                ("fund/victims", -to_fund),
                ("fund/support-services", -to_support),
                case=case,
            ),
            tx(
                f"support-grant-{n}",
                EntryKind.PAYMENT,
                day + timedelta(days=15),
                "Grant to a victim-support service",
                ("expense/support-services", to_support),
                ("bank", -to_support),
            ),
        ]
    recovery = unit * 2
    items += [
        tx(
            "recovery-1",
            EntryKind.RECOVERY,
            _month_start(today, 1) + timedelta(days=3),
            "Recovered from an offender",
            ("bank", recovery),
            ("income/recovery", -recovery),
            case=f"{country}-DEMO-1",
        ),
        tx(
            "recovery-1-allocation",
            EntryKind.ALLOCATION,
            _month_start(today, 1) + timedelta(days=4),
            "Recovery allocated to the victims' fund",
            ("income/recovery", recovery),
            ("fund/victims", -recovery),
            case=f"{country}-DEMO-1",
        ),
    ]
    return items


async def seed_ledger(session: AsyncSession, _settings: object, now: datetime) -> list[str]:
    """A demo seeder (fundadmin.demo.SEEDERS): living books for each of the eight funds, the
    months before `now`."""
    today = now.date()
    count = 0
    for country in sorted(COUNTRY_CURRENCY):
        for n in range(1, 4):
            account = earmarked(country, f"{country}-DEMO-{n}")
            await ensure_account(
                session,
                account.code,
                name=account.name,
                type=account.type,
                currency=account.currency,
                country=country,
                must_not_go_negative=True,
                owner=f"case:{country}-DEMO-{n}",
            )
        for key, spec in _movements(country, today):
            await record_transaction(
                session,
                spec,
                idempotency_key=f"{country}-{key}",
                idempotency_scope=SCOPE,
                created_by=ACTOR,
                now=now,
                # The demo's allocations put money on its cases' earmarks, as a realisation does.
                owner=f"case:{spec.references['case']}" if "case" in spec.references else None,
            )
            count += 1
    line = (
        f"ledger: {count} demo transactions in the books of {len(COUNTRY_CURRENCY)} funds "
        f"(e.g. GET /api/v1/ledger/trial-balance?country=SE as admin-se or auditor)"
    )
    return [line]
