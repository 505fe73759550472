"""Money tied to fewer than 5 claims is withheld from the allocation report, and an attacker who
knows every published figure and every balance relation recovers none of it."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import ledger
from fundadmin.reports import allocation, render
from fundadmin.reports.suppression import THRESHOLD, Balance, Relation
from ledger import EntryKind, PostingSpec, TransactionSpec
from tests.clock import NOW
from tests.reports.attack import determined, recovered

START, END = date(2026, 1, 1), date(2026, 12, 31)


@pytest.fixture
async def payable(sessions: async_sessionmaker[AsyncSession]) -> str:
    """A fresh payable of no claim's, for awards to be booked into."""
    code = f"SE/payable/test/{uuid.uuid4().hex[:8]}"
    async with sessions() as session, session.begin():
        await ledger.ensure_account(
            session,
            code,
            name="Test payable",
            type=ledger.AccountType.LIABILITY,
            currency="SEK",
            country="SE",
        )
    return code


async def _award(
    sessions: async_sessionmaker[AsyncSession], payable: str, day: date, amount: str
) -> None:
    value = Decimal(amount)
    async with sessions() as session, session.begin():
        await ledger.record_transaction(
            session,
            TransactionSpec(
                "SE",
                EntryKind.AWARD,
                day,
                (PostingSpec("SE/fund/victims", value, "SEK"), PostingSpec(payable, -value, "SEK")),
                references={"claim": str(uuid.uuid4())},
            ),
            idempotency_key=str(uuid.uuid4()),
            idempotency_scope="test",
            created_by="test",
            now=NOW,
        )


def _published(body: dict) -> tuple[set, list]:
    """The attacker's view of a report's JSON: the withheld money figures (unknowns), and the
    relations any reader knows between them and the published ones."""
    unknown: set = set()
    relations: list = []

    def take(key: tuple, value: str | None) -> None:
        if value is None:
            unknown.add(key)

    for line in body["funds"]:
        terms = []
        for direction, sign in (("in", 1), ("out", -1)):
            for item, value in line[f"money_{direction}"].items():
                take(("fund", line["fund"], direction, item), value)
                terms.append((("fund", line["fund"], direction, item), sign))
        relations.append(Balance(tuple(terms)))  # = closing - opening, both published
    for month in body["months"]:
        terms = []
        for direction, sign in (("in", 1), ("out", -1)):
            for item, value in month[f"money_{direction}"].items():
                take(("month", month["month"], direction, item), value)
                terms.append((("month", month["month"], direction, item), sign))
        relations.append(Balance(tuple(terms)))  # = change of the month-end balances
    for direction in ("in", "out"):
        for item, value in body[f"money_{direction}"].items():
            take(("total", direction, item), value)
            parts = tuple(("fund", line["fund"], direction, item) for line in body["funds"])
            relations.append(Relation(("total", direction, item), parts))
            months = tuple(("month", m["month"], direction, item) for m in body["months"])
            relations.append(Relation(("total", direction, item), months))
    return unknown, relations


async def test_awards_of_few_claims_are_withheld_and_cannot_be_recovered(
    sessions: async_sessionmaker[AsyncSession], session: AsyncSession, payable: str
) -> None:
    await _award(sessions, payable, date(2026, 2, 10), "1234.56")
    await _award(sessions, payable, date(2026, 2, 11), "777.00")
    claims_in_february = await session.scalar(
        sa.text(
            """SELECT count(DISTINCT coalesce("references"->>'claim', id::text))
               FROM ledger_transaction WHERE country = 'SE' AND kind = 'award'
               AND status = 'posted' AND effective_date BETWEEN '2026-02-01' AND '2026-02-28'"""
        )
    )
    assert 0 < claims_in_february < THRESHOLD

    report = await allocation.country_report(session, "SE", START, END, made_at=NOW)
    body = render.country_json(report)
    february = next(m for m in body["months"] if m["month"] == "2026-02")
    assert february["money_out"]["award"] is None

    unknown, relations = _published(body)
    assert ("month", "2026-02", "out", "award") in unknown
    assert recovered(unknown, relations) == set()
    # Balances stay published and the books still reconcile behind the withheld figures.
    assert all(line["closing"] is not None for line in body["funds"])
    for line in report.funds:
        assert line.opening + sum(line.money_in.values()) - sum(line.money_out.values()) == (
            line.closing
        )

    rows = render.figures(report)
    withheld = [f for f in rows if f.table == "monthly" and f.period == "2026-02"]
    assert any(f.item == "out:award" and f.suppressed and f.value is None for f in withheld)
    csv_text = render.as_csv(report).decode()
    assert "1234.56" not in csv_text
    assert "2011.56" not in csv_text  # nor the two awards' sum


async def test_the_regional_euro_totals_do_not_give_a_withheld_part_away(
    sessions: async_sessionmaker[AsyncSession], session: AsyncSession, payable: str
) -> None:
    await _award(sessions, payable, date(2026, 2, 10), "1234.56")
    regional = await allocation.regional_report(session, START, END, made_at=NOW)
    for country in regional.countries:
        for key in country.withheld:
            if key[0] == "total":
                assert key[1:] in regional.withheld, (country.country, key)
    body = render.regional_json(regional)
    funds = body["eur"]["funds"]
    for fund, values in funds.items():
        # in and out of a fund: both or neither, as their difference is published
        assert (values["in"] is None) == (values["out"] is None), fund


def _figures(body: dict) -> list[tuple[tuple, dict, bool]]:
    """Every money figure of a report's JSON as (name, the grid cells it sums, withheld): the
    grid cell ("cell", fund, month, direction, item) is one fund's money of one month."""
    funds = [line["fund"] for line in body["funds"]]
    months = [m["month"] for m in body["months"]]

    def cells(fund_set: list[str], month_set: list[str], direction: str, item: str) -> dict:
        return {("cell", f, m, direction, item): 1 for f in fund_set for m in month_set}

    figures = []
    for direction in ("in", "out"):
        for line in body["funds"]:
            for item, value in line[f"money_{direction}"].items():
                name = ("fund", line["fund"], direction, item)
                figures.append(
                    (name, cells([line["fund"]], months, direction, item), value is None)
                )
        for month in body["months"]:
            for item, value in month[f"money_{direction}"].items():
                name = ("month", month["month"], direction, item)
                figures.append(
                    (name, cells(funds, [month["month"]], direction, item), value is None)
                )
        for item, value in body[f"money_{direction}"].items():
            figures.append(
                (("total", direction, item), cells(funds, months, direction, item), value is None)
            )
    return figures


def _balances(body: dict) -> list[dict]:
    """What the published month-end balances tell: each fund's money in minus out per month."""
    equations = []
    for line in body["funds"]:
        for month in body["months"]:
            equations.append(
                {
                    ("cell", line["fund"], month["month"], direction, item): sign
                    for direction, sign in (("in", 1), ("out", -1))
                    for item in month[f"money_{direction}"]
                }
            )
    return equations


class TestOverlappingPeriods:
    """Two reports for overlapping periods (January to June, January to July) together give no
    withheld figure away: each month is suppressed the same way in both, and a figure over
    several months is published only when every monthly cell it adds up is."""

    async def test_two_overlapping_reports_cannot_be_differenced(
        self, sessions: async_sessionmaker[AsyncSession], session: AsyncSession, payable: str
    ) -> None:
        for day in (10, 11):
            await _award(sessions, payable, date(2026, 7, day), "900.00")
        half = render.country_json(
            await allocation.country_report(
                session, "SE", date(2026, 1, 1), date(2026, 6, 30), made_at=NOW
            )
        )
        seven = render.country_json(
            await allocation.country_report(
                session, "SE", date(2026, 1, 1), date(2026, 7, 31), made_at=NOW
            )
        )
        july = next(m for m in seven["months"] if m["month"] == "2026-07")
        assert july["money_out"]["award"] is None
        victims = next(line for line in seven["funds"] if line["fund"] == "victims")
        assert victims["money_out"]["award"] is None  # it would be January-June's plus July's
        for month in half["months"]:  # each month withheld the same way in both reports
            other = next(m for m in seven["months"] if m["month"] == month["month"])
            assert month["money_out"] == other["money_out"], month["month"]
            assert month["money_in"] == other["money_in"], month["month"]

        figures = _figures(half) + _figures(seven)
        unknowns = sorted({cell for _, cells, _ in figures for cell in cells}, key=repr)
        known = [cells for _, cells, withheld in figures if not withheld] + _balances(seven)
        withheld = [(name, cells) for name, cells, hidden in figures if hidden]
        assert withheld
        found = determined(unknowns, known, [cells for _, cells in withheld])
        assert [name for (name, _), hit in zip(withheld, found, strict=True) if hit] == []

        # The attacker is real: were both reports to publish the victims' fund's awards (as
        # they would if each period were suppressed on its own), July's would follow.
        both = [cells for name, cells, _ in figures if name == ("fund", "victims", "out", "award")]
        july_cell = {("cell", "victims", "2026-07", "out", "award"): 1}
        assert determined(unknowns, known + both, [july_cell]) == [True]

    async def test_a_period_cutting_a_month_is_refused(self, session: AsyncSession) -> None:
        with pytest.raises(ValueError, match="whole calendar months"):
            await allocation.country_report(
                session, "SE", date(2026, 1, 1), date(2026, 7, 15), made_at=NOW
            )
