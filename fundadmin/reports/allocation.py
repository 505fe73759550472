"""The allocation report: money in, money out, balances and claim statistics of a country's
funds over a period, or of every country with euro totals (the regional report).

The money section is read from the ledger and reconciles by construction and by test: for
every fund, opening + in - out = closing, and closing is the ledger's balance at the end date.
The claim section counts claims into calendar quarters and years and withholds small numbers
(fundadmin/reports/suppression.py). No report holds a name, a claim reference or the date of
a single claim.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

import ledger
from fundadmin.reports import queries
from fundadmin.reports.rates import Rate, rate_on
from fundadmin.reports.suppression import THRESHOLD, Balance, Key, Linear, Relation, suppress
from policies import HeadCategory

FUNDS = ("victims", "support-services", "earmarked")
"""The three funds of a country: the victims' fund, victim-support services, and the money
earmarked for the victims of single confiscation cases (all cases together)."""
SOURCES = ("confiscation", "appropriation", "recovery")
PURPOSES = ("award", "return_assistance", "grant")
EXCHANGE_DIFFERENCE = "exchange_difference"
"""A line of its own on both sides: what paying return assistance in another currency gained
(money in) or lost (money out) against the rate the money was reserved at."""
OTHER = "other"
"""Transfers between the funds (an earmark released), reversals, adjustments, openings."""
MONEY_IN = (*SOURCES, EXCHANGE_DIFFERENCE, OTHER)
MONEY_OUT = (*PURPOSES, EXCHANGE_DIFFERENCE, OTHER)

CLAIM_TIED = {
    "in": ("recovery", "exchange_difference"),
    "out": ("award", "return_assistance", "exchange_difference"),
}
"""Money that moves for single claims, applications or cases: withheld where fewer than
THRESHOLD of them stand behind a figure (`_withhold_money`)."""

MONEY_SUPPRESSION_METHOD = (
    "money tied to claims (awards, return assistance and its exchange differences, "
    "recoveries; pending commitments) is "
    "withheld where 1 to 4 claims, applications or cases stand behind it in one fund and "
    "calendar month, or in one month over all funds; secondary suppression by the same "
    "linear-algebra audit over each month's relations (a month's figure is the sum of its "
    "funds'; a fund's money in minus out is the change of its month-end balance). Reports "
    "cover whole calendar months only, each month is suppressed the same way in every report, "
    "and a figure over several months or funds is published only when every monthly cell it "
    "adds up is, so two reports for overlapping periods cannot be differenced. Balances "
    "themselves are always published (the report reconciles with the ledger)"
)

PERIOD_RULE = (
    "a report covers whole calendar months: from is the first day of a month and to the last "
    "day of a month (every figure is a sum of monthly cells suppressed once for every report)"
)


def whole_months(start: date, end: date) -> bool:
    """Whether [start, end] begins on a month's first day and ends on a month's last day."""
    return start.day == 1 and _next_day(end).day == 1


SUPPRESSION_METHOD = (
    "threshold rule (a figure derived from 1 to 4 claims is withheld) with secondary "
    "suppression by linear-algebra audit: further cells are withheld until no withheld cell "
    "can be computed from the published cells and the table's totals; cells are fixed calendar "
    "quarters and years, each year's pattern decided on its whole quarter-and-year hierarchy, "
    "so reports for adjacent or overlapping periods publish the same cells the same way"
)

CLAIM_ROWS = (
    "received",
    "decided",
    "decided_approved",
    "decided_partly_approved",
    "decided_rejected",
    "paid",
    "withdrawn",
)


@dataclass
class FundLine:
    fund: str
    opening: Decimal = Decimal(0)
    money_in: dict[str, Decimal] = field(default_factory=dict)
    money_out: dict[str, Decimal] = field(default_factory=dict)
    closing: Decimal = Decimal(0)
    pending_commitments: Decimal = Decimal(0)


@dataclass
class Month:
    month: date
    money_in: dict[str, Decimal]
    money_out: dict[str, Decimal]
    closing: dict[str, Decimal]


@dataclass(frozen=True, slots=True)
class Cell:
    """One published figure of the claim section; `None` values are withheld."""

    table: str
    period: str
    """A calendar quarter (`2026-Q1`) or year (`2026`)."""
    row: str
    count: int | None
    amount: Decimal | None = None
    """Money, in the country's currency (awards by head)."""


@dataclass(frozen=True, slots=True)
class Duration:
    period: str
    measure: str
    """`days_to_decision` or `days_to_payment`."""
    claims: int | None
    median: Decimal | None
    p90: Decimal | None


MoneyKey = tuple[str, ...]
"""A money figure: ("fund", fund, "in"|"out", item), ("month", "YYYY-MM", "in"|"out", item),
("total", "in"|"out", item) or ("pending", fund)."""


@dataclass
class CountryReport:
    country: str
    currency: str
    start: date
    end: date
    made_at: datetime
    funds: list[FundLine]
    months: list[Month]
    claims: list[Cell]
    durations: list[Duration]
    trial_balance_debits: Decimal
    trial_balance_credits: Decimal
    audit_head: queries.AuditHead
    """The newest line of the country's audit chain when the report was made."""
    withheld: frozenset[MoneyKey] = frozenset()
    """Money figures not to publish (see `_withhold_money`); the figures themselves stay exact
    here so the report reconciles, and every renderer withholds these."""

    @property
    def money_in(self) -> dict[str, Decimal]:
        return _total(line.money_in for line in self.funds)

    @property
    def money_out(self) -> dict[str, Decimal]:
        return _total(line.money_out for line in self.funds)

    def shown(self, key: MoneyKey, value: Decimal) -> Decimal | None:
        """`value`, or None when the figure `key` is withheld."""
        return None if key in self.withheld else value

    @property
    def opening(self) -> Decimal:
        return sum((line.opening for line in self.funds), Decimal(0))

    @property
    def closing(self) -> Decimal:
        return sum((line.closing for line in self.funds), Decimal(0))


def _total(parts: Iterable[dict[str, Decimal]]) -> dict[str, Decimal]:
    total: dict[str, Decimal] = defaultdict(Decimal)
    for part in parts:
        for key, value in part.items():
            total[key] += value
    return dict(total)


def _source(kind: str, labels: tuple[str, ...]) -> str:
    return kind if kind in labels else OTHER


CellKey = tuple[str, date, str, str]
"""The money grid's atom: (fund, month, "in"|"out", item)."""


def _money(
    flows: list[queries.Flow], start: date, end: date
) -> tuple[list[FundLine], list[Month], dict[CellKey, Decimal]]:
    """Fund lines over the period, months over all funds, and the grid: each fund's money in
    and out per item and month (what every published figure is a sum of)."""
    lines = {
        fund: FundLine(
            fund,
            money_in=dict.fromkeys(MONEY_IN, Decimal(0)),
            money_out=dict.fromkeys(MONEY_OUT, Decimal(0)),
        )
        for fund in FUNDS
    }
    months: dict[date, Month] = {}
    month = date(start.year, start.month, 1)
    while month <= end:
        months[month] = Month(
            month,
            dict.fromkeys(MONEY_IN, Decimal(0)),
            dict.fromkeys(MONEY_OUT, Decimal(0)),
            {},
        )
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    monthly_net: dict[tuple[str, date], Decimal] = defaultdict(Decimal)
    grid: dict[CellKey, Decimal] = defaultdict(Decimal)
    for flow in flows:
        line = lines.setdefault(flow.fund, FundLine(flow.fund))
        if flow.month is None:
            line.opening += flow.money_in - flow.money_out
            continue
        source, purpose = _source(flow.kind, MONEY_IN), _source(flow.kind, MONEY_OUT)
        line.money_in[source] = line.money_in.get(source, Decimal(0)) + flow.money_in
        line.money_out[purpose] = line.money_out.get(purpose, Decimal(0)) + flow.money_out
        months[flow.month].money_in[source] += flow.money_in
        months[flow.month].money_out[purpose] += flow.money_out
        monthly_net[flow.fund, flow.month] += flow.money_in - flow.money_out
        grid[flow.fund, flow.month, "in", source] += flow.money_in
        grid[flow.fund, flow.month, "out", purpose] += flow.money_out
    for line in lines.values():
        line.closing = line.opening + sum(line.money_in.values()) - sum(line.money_out.values())
        running = line.opening
        for month_start, entry in months.items():
            running += monthly_net[line.fund, month_start]
            entry.closing[line.fund] = running
    return list(lines.values()), list(months.values()), dict(grid)


# Claim statistics --------------------------------------------------------------------------


def _quarter(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _years(start: date, end: date) -> range:
    return range(start.year, end.year + 1)


def _periods_of_year(year: int) -> list[str]:
    return [f"{year}-Q{q}" for q in range(1, 5)] + [str(year)]


def _published_periods(start: date, end: date) -> set[str]:
    """The quarters and years wholly inside [start, end]: the only cells a report shows."""
    shown = set()
    for year in _years(start, end):
        for q in range(1, 5):
            first = date(year, 3 * q - 2, 1)
            last = date(year + (q == 4), (3 * q) % 12 + 1, 1)
            if start <= first and (last - first).days and last <= _next_day(end):
                shown.add(f"{year}-Q{q}")
        if start <= date(year, 1, 1) and date(year, 12, 31) <= end:
            shown.add(str(year))
    return shown


def _next_day(day: date) -> date:
    return date.fromordinal(day.toordinal() + 1)


def _claim_cells(tallies: list[queries.Tally], years: range) -> tuple[list[Cell], list[Duration]]:
    """Counts per quarter and year for every year in `years`, suppressed per year."""
    counts: dict[tuple[str, str, str], int] = defaultdict(int)
    amounts: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    spans: dict[tuple[str, str], queries.Tally] = {}
    for tally in tallies:
        counts[tally.table, tally.period, tally.row] = tally.count
        if tally.amount is not None:
            amounts[tally.table, tally.period, tally.row] = tally.amount
        if tally.table == "claims" and tally.row in DURATION_ROWS:
            spans[DURATION_ROWS[tally.row], tally.period] = tally
    cells = [cell for year in years for cell in _year_cells(year, counts, amounts)]
    durations = [
        _duration(period, measure, spans.get((measure, period)))
        for year in years
        for period in _periods_of_year(year)
        for measure in DURATION_ROWS.values()
    ]
    return cells, durations


DURATION_ROWS = {"decided": "days_to_decision", "paid": "days_to_payment"}
"""The claim rows whose days from submission are summarised, and the measure's name."""


def _year_cells(
    year: int,
    counts: dict[tuple[str, str, str], int],
    amounts: dict[tuple[str, str, str], Decimal],
) -> list[Cell]:
    """One year's quarter-and-year cells of both tables, suppressed on that whole hierarchy."""
    periods = _periods_of_year(year)
    tables = {
        "claims": CLAIM_ROWS,
        "awards_by_head": (*(c.value for c in HeadCategory), "total"),
    }
    outcomes = ("approved", "partly_approved", "rejected")
    cells = []
    for table, rows in tables.items():
        keys: dict[Key, int] = {
            (row, period): counts[table, period, row] for row in rows for period in periods
        }
        relations = [
            Relation((row, str(year)), tuple((row, p) for p in periods[:4])) for row in rows
        ]
        if table == "claims":
            relations += [
                Relation(("decided", p), tuple((f"decided_{o}", p) for o in outcomes))
                for p in periods
            ]
        else:
            relations += [
                Relation(("total", p), tuple((c.value, p) for c in HeadCategory)) for p in periods
            ]
        hidden = suppress(keys, relations)
        for row, period in ((row, period) for row in rows for period in periods):
            n = counts[table, period, row]
            withheld = (row, period) in hidden
            amount = amounts[table, period, row] if table == "awards_by_head" else None
            cells.append(
                Cell(table, period, row, None if withheld else n, None if withheld else amount)
            )
    return cells


def _duration(period: str, measure: str, span: queries.Tally | None) -> Duration:
    if span is None or span.count < THRESHOLD:
        return Duration(period, measure, None if span else 0, None, None)
    return Duration(period, measure, span.count, span.median, span.p90)


_TIED_KINDS = sorted({item for items in CLAIM_TIED.values() for item in items})


# Money tied to claims ------------------------------------------------------------------------


def _withhold_money(
    funds: list[FundLine], months: list[Month], grid: dict[CellKey, Decimal], people: queries.People
) -> frozenset[MoneyKey]:
    """The money figures to withhold. Suppression is decided once per calendar month, on that
    month's grid alone (`_withheld_in_month`), so every report that covers the month withholds
    the same cells; a figure over several months or funds is published only when every grid
    cell it sums is (else it would publish a sum of withheld cells that two reports for
    overlapping periods could difference)."""
    hidden: set[MoneyKey] = set()
    month_hidden: set[tuple[str, str]] = set()
    fund_hidden: set[tuple[str, str, str]] = set()
    for month in months:
        # The month's own cells only (the standard items and funds, and any other that moved
        # in it), so its pattern does not depend on which other months a report covers.
        moved = [key for key, value in grid.items() if key[1] == month.month and value]
        month_funds = sorted({*FUNDS, *(fund for fund, _, _, _ in moved)})
        items = {
            direction: sorted({*standard, *(i for _, _, d, i in moved if d == direction)})
            for direction, standard in (("in", MONEY_IN), ("out", MONEY_OUT))
        }
        weights = []
        for direction, names in items.items():
            for item in names:
                tied = item in CLAIM_TIED[direction]
                whole = month.money_in if direction == "in" else month.money_out
                weights.append(
                    (
                        (ALL_FUNDS, direction, item),
                        _weight(
                            whole.get(item, Decimal(0)), tied, people.by_month, (month.month, item)
                        ),
                    )
                )
                for fund in month_funds:
                    value = grid.get((fund, month.month, direction, item), Decimal(0))
                    weights.append(
                        (
                            (fund, direction, item),
                            _weight(value, tied, people.by_cell, (fund, month.month, item)),
                        )
                    )
        label = month.month.strftime("%Y-%m")
        for fund, direction, item in _withheld_in_month(tuple(weights)):
            if fund == ALL_FUNDS:
                hidden.add(("month", label, direction, item))
                month_hidden.add((direction, item))
            else:
                fund_hidden.add((fund, direction, item))
    hidden |= {("fund", *key) for key in fund_hidden}
    for direction in ("in", "out"):
        for item in {item for line in funds for item in getattr(line, f"money_{direction}")}:
            # The period's total is the sum of its months, and of its funds: published when
            # either sum is of published cells only.
            by_fund = any((line.fund, direction, item) in fund_hidden for line in funds)
            if (direction, item) in month_hidden and by_fund:
                hidden.add(("total", direction, item))
    if 0 < people.pending < THRESHOLD:
        hidden |= {("pending", line.fund) for line in funds}
    return frozenset(hidden)


ALL_FUNDS = queries.ALL_FUNDS
"""The grid's column of a month's figure over all funds."""


def _weight(value: Decimal, tied: bool, behind: Mapping[Any, int], key: object) -> int:
    """A grid cell's claim count for the threshold rule. Money not tied to claims is never
    withheld for itself: as a partner it counts as THRESHOLD claims, and zero last (a withheld
    zero protects little)."""
    if tied:
        return behind.get(key, 0)
    return THRESHOLD if value else 0


@lru_cache(maxsize=8192)
def _withheld_in_month(
    weights: tuple[tuple[tuple[str, str, str], int], ...],
) -> frozenset[tuple[str, str, str]]:
    """One month's suppression pattern, from its cells' claim counts alone: (fund or ALL_FUNDS,
    direction, item) cells to withhold, primary and secondary, over the relations a reader
    knows: each item's month figure is the sum of its funds' figures, and each fund's money in
    minus out is the change of its published month-end balance. A month's pattern is a
    function of its counts only, so it is decided (and cached) once for every report."""
    counts: dict[Key, int] = dict(weights)
    funds = sorted({fund for (fund, _, _), _ in weights if fund != ALL_FUNDS})
    entries = sorted({(direction, item) for (_, direction, item), _ in weights})
    relations: list[Linear] = [
        Relation((ALL_FUNDS, direction, item), tuple((f, direction, item) for f in funds))
        for direction, item in entries
    ]
    relations += [
        Balance(
            tuple(
                ((fund, direction, item), 1 if direction == "in" else -1)
                for direction, item in entries
            )
        )
        for fund in funds
    ]
    hidden = suppress(counts, relations, each=True)
    return frozenset(key for key, _ in weights if key in hidden)


# Assembly ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Read:
    """What one country's report reads from the database, read for several countries at once
    by a regional report."""

    flows: list[queries.Flow]
    people: queries.People
    tallies: list[queries.Tally]
    audit_head: queries.AuditHead


def _claim_years(start: date, end: date) -> tuple[date, date]:
    """The whole years the claim statistics are counted over (suppression is per year)."""
    years = _years(start, end)
    return date(years[0], 1, 1), date(years[-1] + 1, 1, 1)


async def _read(
    session: AsyncSession, countries: list[str], start: date, end: date
) -> dict[str, _Read]:
    if not whole_months(start, end):
        raise ValueError(PERIOD_RULE)
    flows = await queries.flows(session, countries, start, end)
    people = await queries.people(session, countries, _TIED_KINDS, start, end)
    tallies = await queries.claim_tallies(session, countries, *_claim_years(start, end))
    heads = await queries.audit_heads(session, countries)
    return {
        country: _Read(flows[country], people[country], tallies[country], heads[country])
        for country in countries
    }


async def country_report(
    session: AsyncSession, country: str, start: date, end: date, *, made_at: datetime
) -> CountryReport:
    """The report of one country; the caller has checked she may read it."""
    read = (await _read(session, [country], start, end))[country]
    return await _country_report(session, country, start, end, made_at=made_at, read=read)


async def _country_report(
    session: AsyncSession, country: str, start: date, end: date, *, made_at: datetime, read: _Read
) -> CountryReport:
    funds, months, grid = _money(read.flows, start, end)
    for fund, amount in (await queries.pending(session, country)).items():
        for line in funds:
            if line.fund == fund:
                line.pending_commitments = amount
    cells, durations = _claim_cells(read.tallies, _years(start, end))
    shown = _published_periods(start, end)
    trial_debits, trial_credits = await queries.trial_balance(session, country)
    return CountryReport(
        country=country,
        currency=ledger.COUNTRY_CURRENCY[country],
        start=start,
        end=end,
        made_at=made_at,
        funds=funds,
        months=months,
        claims=[cell for cell in cells if cell.period in shown],
        durations=[d for d in durations if d.period in shown],
        trial_balance_debits=trial_debits,
        trial_balance_credits=trial_credits,
        audit_head=read.audit_head,
        withheld=_withhold_money(funds, months, grid, read.people),
    )


@dataclass
class RegionalReport:
    start: date
    end: date
    made_at: datetime
    countries: list[CountryReport]
    rates: list[Rate]
    opening_eur: Decimal
    closing_eur: Decimal
    money_in_eur: dict[str, Decimal]
    money_out_eur: dict[str, Decimal]
    funds_eur: dict[str, dict[str, Decimal]]
    """Per fund: opening, in, out, closing, pending_commitments in EUR."""
    withheld: frozenset[MoneyKey] = frozenset()
    """EUR figures not to publish: ("in"|"out", item) or (fund, "in"|"out"|
    "pending_commitments"); see `_withhold_regional`."""

    def shown(self, key: MoneyKey, value: Decimal) -> Decimal | None:
        return None if key in self.withheld else value


def _withhold_regional(
    reports: list[CountryReport], funds: dict[str, dict[str, Decimal]]
) -> frozenset[MoneyKey]:
    """A euro total is withheld when any country's part of it is (else it and the other
    countries' published parts would give the part away), and further ones until none of them
    follows from the rest (a fund's in minus out is its closing minus opening; the funds' in
    or out add up to the sources' or purposes')."""
    primary: set[MoneyKey] = set()
    for report in reports:
        for key in report.withheld:
            if key[0] == "total":
                primary.add(key[1:])
            elif key[0] == "fund":
                primary.add((key[1], key[2]))
            elif key[0] == "pending":
                primary.add((key[1], "pending_commitments"))
    items = {
        direction: sorted({item for r in reports for item in getattr(r, f"money_{direction}")})
        for direction in ("in", "out")
    }
    counts: dict[Key, int] = {}
    for direction, names in items.items():
        for name in names:
            counts[direction, name] = THRESHOLD
    for fund, values in funds.items():
        for measure in ("in", "out"):
            counts[fund, measure] = THRESHOLD if values.get(measure) else 0
    for key in primary:
        counts[key] = 1
    relations: list[Linear] = [Balance((((f, "in"), 1), ((f, "out"), -1))) for f in funds]
    for direction, names in items.items():
        relations.append(
            Balance(
                tuple(((f, direction), 1) for f in funds)
                + tuple(((direction, name), -1) for name in names)
            )
        )
    hidden = {key for key in suppress(counts, relations, each=True) if isinstance(key, tuple)}
    return frozenset(hidden | {k for k in primary if k[1] == "pending_commitments"})


def _eur(amount: Decimal, rate: Rate) -> Decimal:
    return (amount / rate.per_euro).quantize(Decimal("0.01"))


async def regional_report(
    session: AsyncSession, start: date, end: date, *, made_at: datetime
) -> RegionalReport:
    """Every country's report, and money totals converted to EUR at recorded rates (claim
    statistics are not added up across countries: a regional total could undo a country's
    suppression)."""
    countries = sorted(ledger.COUNTRY_CURRENCY)
    reads = await _read(session, countries, start, end)
    reports = [
        await _country_report(session, country, start, end, made_at=made_at, read=reads[country])
        for country in countries
    ]
    rates = {r.currency: rate_on(r.currency, end) for r in reports}
    money_in: dict[str, Decimal] = defaultdict(Decimal)
    money_out: dict[str, Decimal] = defaultdict(Decimal)
    funds: dict[str, dict[str, Decimal]] = {fund: defaultdict(Decimal) for fund in FUNDS}
    for report in reports:
        rate = rates[report.currency]
        for key, value in report.money_in.items():
            money_in[key] += _eur(value, rate)
        for key, value in report.money_out.items():
            money_out[key] += _eur(value, rate)
        for line in report.funds:
            target = funds.setdefault(line.fund, defaultdict(Decimal))
            target["opening"] += _eur(line.opening, rate)
            target["in"] += _eur(sum(line.money_in.values(), Decimal(0)), rate)
            target["out"] += _eur(sum(line.money_out.values(), Decimal(0)), rate)
            target["closing"] += _eur(line.closing, rate)
            target["pending_commitments"] += _eur(line.pending_commitments, rate)
    return RegionalReport(
        start=start,
        end=end,
        made_at=made_at,
        countries=reports,
        rates=sorted(rates.values(), key=lambda r: r.currency),
        opening_eur=sum((f["opening"] for f in funds.values()), Decimal(0)),
        closing_eur=sum((f["closing"] for f in funds.values()), Decimal(0)),
        money_in_eur=dict(money_in),
        money_out_eur=dict(money_out),
        funds_eur={fund: dict(values) for fund, values in funds.items()},
        withheld=_withhold_regional(reports, funds),
    )
