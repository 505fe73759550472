"""The reads an allocation report needs, each one statement over the ledger or the claims."""

from __future__ import annotations

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
# recovery) and month, per fund and over all funds, the number of distinct claims,
# applications or cases behind it (a transaction naming none counts as one of its own).
_PEOPLE = sa.text(
    f"""
    SELECT t.country AS country, {_FUND} AS fund, t.kind AS kind,
           date_trunc('month', t.effective_date::timestamp)::date AS month,
           count(DISTINCT coalesce(t."references"->>'claim', t."references"->>'application',
                                   t."references"->>'case', t.id::text)) AS people
    FROM ledger_transaction t
    JOIN ledger_posting p ON p.transaction_id = t.id
    JOIN ledger_account a ON a.id = p.account_id
    WHERE t.country = ANY(:countries) AND a.type = 'fund_equity' AND t.status = 'posted'
      AND t.kind = ANY(:kinds) AND t.effective_date BETWEEN :start AND :end
    GROUP BY GROUPING SETS ((1, 2, 3, 4), (1, 3, 4))
    """  # noqa: S608 - _FUND is a constant
)

# Claims and applications holding reserved (pending) money now, per country.
_PENDING_PEOPLE = sa.text(
    """
    SELECT country, count(*) AS people FROM ledger_account
    WHERE country = ANY(:countries) AND owner IS NOT NULL AND pending_credits > 0
    GROUP BY country
    """
)


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
        _PEOPLE, {"countries": countries, "kinds": kinds, "start": start, "end": end}
    )
    for r in rows:
        entry = result[r.country]
        if r.fund is not None:
            entry.by_cell[r.fund, r.month, r.kind] = r.people
        else:
            entry.by_month[r.month, r.kind] = r.people
    for r in await session.execute(_PENDING_PEOPLE, {"countries": countries}):
        result[r.country] = People(result[r.country].by_cell, result[r.country].by_month, r.people)
    return result


# Claim statistics are counted by PostgreSQL: per row and calendar quarter (and year: the
# grouping set without the quarter) of the day it happened, in UTC; with the median and 90th
# percentile of the days from submission, for decisions and first payments.
_CLAIM_TALLIES = sa.text(
    """
    WITH c AS (
        SELECT (c.submitted_at AT TIME ZONE 'UTC')::date AS submitted,
               (c.decided_at AT TIME ZONE 'UTC')::date AS decided, c.outcome,
               (SELECT min(p.paid_on) FROM claim_payment p WHERE p.claim_id = c.id) AS paid,
               (SELECT (max(t.occurred_at) AT TIME ZONE 'UTC')::date FROM claim_transition t
                 WHERE t.claim_id = c.id AND t.to_status = 'withdrawn') AS withdrawn
        FROM claim c
        WHERE c.country = :country AND c.submitted_at IS NOT NULL AND c.submitted_at < :until
    ), events AS (
        SELECT 'received' AS row, submitted AS day, NULL::int AS days FROM c
        UNION ALL
        SELECT 'decided', decided, decided - submitted FROM c
         WHERE decided IS NOT NULL AND coalesce(outcome, '') <> ''
        UNION ALL
        SELECT 'decided_' || outcome, decided, NULL FROM c
         WHERE decided IS NOT NULL AND coalesce(outcome, '') <> ''
        UNION ALL
        SELECT 'paid', paid, paid - submitted FROM c WHERE paid IS NOT NULL
        UNION ALL
        SELECT 'withdrawn', withdrawn, NULL FROM c WHERE withdrawn IS NOT NULL
    )
    SELECT row, extract(year FROM day)::int AS year, extract(quarter FROM day)::int AS quarter,
           count(*) AS n,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY days) AS median,
           percentile_disc(0.9) WITHIN GROUP (ORDER BY days) AS p90
    FROM events
    WHERE day >= :since AND day < :until
    GROUP BY GROUPING SETS ((1, 2, 3), (1, 2))
    """
)

# Awards by head of damage: per head category of a claim (its awarded heads summed), counted
# into the quarter and year of the claim's letter; `category` NULL is the total of all heads.
_HEAD_TALLIES = sa.text(
    """
    SELECT category, extract(year FROM day)::int AS year,
           extract(quarter FROM day)::int AS quarter, count(*) AS n, sum(awarded) AS amount
    FROM (
        SELECT h.claim_id, h.category, (c.letter_issued_at AT TIME ZONE 'UTC')::date AS day,
               sum(h.awarded) AS awarded
        FROM claim_head h JOIN claim c ON c.id = h.claim_id
        WHERE c.country = :country AND c.letter_issued_at IS NOT NULL AND h.awarded > 0
          AND c.letter_issued_at < :until
        GROUP BY 1, 2, 3
    ) per_claim
    WHERE day >= :since
    GROUP BY GROUPING SETS ((1, 2, 3), (1, 2), (2, 3), (2))
    """
)


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


def _days(value: float | int | None) -> Decimal | None:
    if value is None:
        return None
    return Decimal(int(value)) if float(value).is_integer() else Decimal(str(value))


async def claim_tallies(
    session: AsyncSession, country: str, since: date, until: date
) -> list[Tally]:
    """The claim statistics of `country` for the days [since, until): counts, never a claim."""
    bounds = {"country": country, "since": since, "until": until}
    tallies = [
        Tally(
            "claims",
            _period(r.year, r.quarter),
            r.row,
            r.n,
            median=_days(r.median),
            p90=_days(r.p90),
        )
        for r in await session.execute(_CLAIM_TALLIES, bounds)
    ]
    tallies += [
        Tally("awards_by_head", _period(r.year, r.quarter), r.category or "total", r.n, r.amount)
        for r in await session.execute(_HEAD_TALLIES, bounds)
    ]
    return tallies


async def audit_head(session: AsyncSession) -> tuple[int, str]:
    """The newest line of the audit chain (its number and hash)."""
    row = (
        await session.execute(
            sa.text("SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1")
        )
    ).first()
    return (0, "") if row is None else (int(row.seq), str(row.hash))


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
