"""The reads an allocation report needs, each one statement over the ledger or the claims."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

_FUND = (
    "CASE WHEN a.code LIKE a.country || '/earmarked/%' THEN 'earmarked' "
    "ELSE split_part(a.code, '/', 3) END"
)
"""The fund of an account: `victims`, `support-services`, or `earmarked` for every case's
account. Fund accounts are fund equity: a credit is money in, a debit money out."""

# The funds' movements per fund, kind and month, from the monthly totals PostgreSQL keeps with
# the postings (a few rows per account and month, whatever the number of postings); months
# before the start month are one row per fund and kind with month NULL (the opening balance).
_FLOWS_OF_MONTHS = sa.text(
    f"""
    SELECT a.country AS country, {_FUND} AS fund, m.kind AS kind,
           CASE WHEN m.month < :start THEN NULL ELSE m.month END AS month,
           sum(m.credits) AS money_in, sum(m.debits) AS money_out
    FROM ledger_monthly_total m
    JOIN ledger_account a ON a.id = m.account_id
    WHERE a.country = ANY(:countries) AND a.type = 'fund_equity' AND m.month < :end
    GROUP BY 1, 2, 3, 4
    """  # noqa: S608 - _FUND is a constant
)

_PENDING = sa.text(
    f"""
    SELECT {_FUND} AS fund,
           coalesce(sum(a.pending_debits), 0) AS pending
    FROM ledger_account a
    WHERE a.country = :country AND a.type = 'fund_equity'
    GROUP BY 1
    """  # noqa: S608 - _FUND is a constant
)


@dataclass(frozen=True, slots=True)
class Flow:
    fund: str
    kind: str
    month: date | None
    """None: before the period (part of the opening balance)."""
    money_in: Decimal
    money_out: Decimal


def _month_of(day: date) -> date:
    return day.replace(day=1)


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


async def flows(
    session: AsyncSession, countries: list[str], start: date, end: date
) -> dict[str, list[Flow]]:
    """The funds' movements of each of `countries` up to `end`, per fund, kind and month of
    the period (month None: before `start`). The period is whole months (a report's rule), so
    the monthly totals hold all of it. A regional report reads once for all countries."""
    rows = await session.execute(
        _FLOWS_OF_MONTHS,
        {"countries": countries, "start": _month_of(start), "end": _next_month(_month_of(end))},
    )
    result: dict[str, list[Flow]] = {country: [] for country in countries}
    for r in rows:
        result[r.country].append(Flow(r.fund, r.kind, r.month, r.money_in, r.money_out))
    return result


async def pending(session: AsyncSession, country: str) -> dict[str, Decimal]:
    """Money reserved from each fund now by pending awards (not yet booked by a letter)."""
    rows = await session.execute(_PENDING, {"country": country})
    return {r.fund: r.pending for r in rows}


# Whom claim-tied money of the period stands for: per country, kind (award, return assistance,
# recovery) and month, per fund and over all funds (`*`), the number of distinct claims,
# applications or cases behind it (a transaction naming none counts as one of its own): rows
# of `fund_monthly_party`, which PostgreSQL keeps with the postings (migration 0027), counted
# in index order.
_PEOPLE = sa.text(
    """
    SELECT country, fund, kind, month, count(*) AS people
    FROM fund_monthly_party
    WHERE country = ANY(:countries) AND kind = ANY(:kinds) AND month BETWEEN :start AND :end
    GROUP BY country, kind, month, fund
    """
)

# Claims and applications holding reserved (pending) money now, per country.
_PENDING_PEOPLE = sa.text(
    """
    SELECT country, count(*) AS people FROM ledger_account
    WHERE country = ANY(:countries) AND owner IS NOT NULL AND pending_credits > 0
    GROUP BY country
    """
)


ALL_FUNDS = "*"
"""`fund_monthly_party`'s fund of the rows that count a party once over all funds."""


@dataclass(frozen=True, slots=True)
class People:
    """How many claims stand behind claim-tied money: `by_cell[(fund, month, kind)]` in one
    fund and month, `by_month[(month, kind)]` over all funds, `pending`: claims or applications
    with money reserved now."""

    by_cell: dict[tuple[str, date, str], int]
    by_month: dict[tuple[date, str], int]
    pending: int


async def people(
    session: AsyncSession, countries: list[str], kinds: list[str], start: date, end: date
) -> dict[str, People]:
    result = {country: People({}, {}, 0) for country in countries}
    rows = await session.execute(
        _PEOPLE,
        {"countries": countries, "kinds": kinds, "start": _month_of(start), "end": end},
    )
    for r in rows:
        entry = result[r.country]
        if r.fund == ALL_FUNDS:
            entry.by_month[r.month, r.kind] = r.people
        else:
            entry.by_cell[r.fund, r.month, r.kind] = r.people
    for r in await session.execute(_PENDING_PEOPLE, {"countries": countries}):
        result[r.country] = People(result[r.country].by_cell, result[r.country].by_month, r.people)
    return result


# Claim statistics, from the histogram PostgreSQL keeps with the claims (migration 0027): per
# country, line, month of the day it happened (UTC) and, for decisions and first payments,
# days from submission, the number of claims (and the amount of awards per head category). A
# few thousand rows whatever the number of claims; quarters and years (quarter NULL) are summed
# from months, and the exact median and 90th percentile follow from the counts per day
# (`_percentiles`).
_CLAIM_TOTALS = sa.text(
    """
    SELECT country, line, extract(year FROM month)::int AS year,
           extract(quarter FROM month)::int AS quarter, days,
           sum(claims)::int AS claims, sum(amount) AS amount
    FROM claim_statistic_total
    WHERE country = ANY(:countries) AND month >= :since AND month < :until
    GROUP BY GROUPING SETS ((1, 2, 3, 4, 5), (1, 2, 3, 5))
    HAVING sum(claims) <> 0
    """
)

AWARD_LINE = "award:"
"""The histogram's lines of awards by head category: `award:<category>`."""


@dataclass(frozen=True, slots=True)
class Tally:
    """One claim-statistics figure before suppression: `period` a quarter (`2026-Q1`) or a
    year (`2026`); `median`/`p90` days for the `decided` and `paid` rows."""

    table: str
    period: str
    row: str
    count: int
    amount: Decimal | None = None
    median: Decimal | None = None
    p90: Decimal | None = None


def _period(year: int, quarter: int | None) -> str:
    return str(year) if quarter is None else f"{year}-Q{quarter}"


def _percentiles(histogram: Counter[int]) -> tuple[Decimal, Decimal]:
    """The median and 90th percentile of the values `histogram` counts, exactly as PostgreSQL's
    `percentile_cont(0.5)` (interpolated between the two middle values) and
    `percentile_disc(0.9)` (the first value whose position reaches 90%) compute them."""
    values = sorted(histogram.items())
    total = histogram.total()

    def at(position: int) -> int:  # the value at a 0-based position in the sorted values
        seen = 0
        for value, n in values:
            seen += n
            if position < seen:
                return value
        raise IndexError(position)

    middle = 0.5 * (total - 1)
    low, high = at(math.floor(middle)), at(math.ceil(middle))
    median = low + (high - low) * (middle - math.floor(middle))
    p90 = at(max(1, math.ceil(0.9 * total)) - 1)
    return _days(median), _days(p90)


def _days(value: float | int) -> Decimal:
    return Decimal(int(value)) if float(value).is_integer() else Decimal(str(value))


async def claim_tallies(
    session: AsyncSession, countries: list[str], since: date, until: date
) -> dict[str, list[Tally]]:
    """The claim statistics of each of `countries` for the months in [since, until): counts,
    never a claim, per quarter and year. A regional report reads once for all countries."""
    counts: Counter[tuple[str, str, str, str]] = Counter()
    amounts: dict[tuple[str, str, str, str], Decimal] = defaultdict(Decimal)
    durations: dict[tuple[str, str, str, str], Counter[int]] = defaultdict(Counter)
    bounds = {"countries": countries, "since": since, "until": until}
    rows = await session.execute(_CLAIM_TOTALS, bounds)
    for country, line, year, quarter, days, claims, amount in rows.tuples():
        period = _period(year, quarter)
        if line.startswith(AWARD_LINE):  # a head category, and the total of all heads
            for row in (line.removeprefix(AWARD_LINE), "total"):
                counts[country, "awards_by_head", period, row] += claims
                amounts[country, "awards_by_head", period, row] += amount
            continue
        cell = (country, "claims", period, line)
        counts[cell] += claims
        if days is not None:  # the lines measured in days from submission
            durations[cell][days] += claims
    result: dict[str, list[Tally]] = {country: [] for country in countries}
    for (country, table, period, row), count in sorted(counts.items()):
        days = durations.get((country, table, period, row))
        median, p90 = _percentiles(days) if days else (None, None)
        amount = amounts[country, table, period, row] if table == "awards_by_head" else None
        result[country].append(Tally(table, period, row, count, amount, median, p90))
    return result


@dataclass(frozen=True, slots=True)
class AuditHead:
    """The newest line of one audit chain when the report was made: a country's chain (every
    line that concerns the country), so the report can be checked against that chain later."""

    chain: str
    seq: int
    hash: str


async def audit_heads(session: AsyncSession, chains: list[str]) -> dict[str, AuditHead]:
    """The newest line of each of `chains` (number 0 and no hash for a chain without lines)."""
    rows = await session.execute(
        sa.text(
            "SELECT c.chain, e.seq, e.hash FROM unnest(CAST(:chains AS text[])) AS c(chain) "
            "LEFT JOIN LATERAL (SELECT seq, hash FROM audit_event WHERE chain = c.chain "
            "ORDER BY seq DESC LIMIT 1) e ON true"
        ),
        {"chains": chains},
    )
    return {r.chain: AuditHead(r.chain, int(r.seq or 0), str(r.hash or "")) for r in rows}


async def trial_balance(session: AsyncSession, country: str) -> tuple[Decimal, Decimal]:
    """The ledger's trial balance of `country` now: posted debits and credits over every
    account, from the counters PostgreSQL keeps with each posting (they sum to zero per
    currency, so the totals agree whenever the books balance)."""
    row = (
        await session.execute(
            sa.text(
                "SELECT coalesce(sum(posted_debits), 0) AS debits, "
                "coalesce(sum(posted_credits), 0) AS credits "
                "FROM ledger_account WHERE country = :country"
            ),
            {"country": country},
        )
    ).one()
    return row.debits, row.credits
