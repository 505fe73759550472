"""The summaries PostgreSQL keeps for the reports (migration 0027) equal a recomputation from the
base tables after any sequence of claim events, and the claim statistics a report reads from
them (counts, amounts, exact median and 90th percentile) equal those counted from the claims
themselves; no one but the triggers writes the summaries."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import asyncpg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import URL

from fundadmin.database import create_engine, create_session_factory
from fundadmin.reports import queries
from fundadmin.reports.queries import Tally

# Independent of the migration's SQL: each claim's facts, straight from its tables.
FACTS = """
SELECT c.id, c.country, (c.submitted_at AT TIME ZONE 'UTC')::date AS submitted,
       (c.decided_at AT TIME ZONE 'UTC')::date AS decided, c.outcome,
       (SELECT min(p.paid_on) FROM claim_payment p WHERE p.claim_id = c.id) AS paid,
       (SELECT (max(t.occurred_at) AT TIME ZONE 'UTC')::date FROM claim_transition t
         WHERE t.claim_id = c.id AND t.to_status = 'withdrawn') AS withdrawn,
       (c.letter_issued_at AT TIME ZONE 'UTC')::date AS letter
FROM claim c WHERE c.submitted_at IS NOT NULL OR c.letter_issued_at IS NOT NULL
"""
AWARDS = """
SELECT h.claim_id, h.category, sum(h.awarded) AS awarded FROM claim_head h
WHERE h.awarded > 0 GROUP BY 1, 2
"""
STORED = """
SELECT claim_id, country, submitted, decided, outcome, paid, withdrawn, letter, awarded::text
FROM claim_statistic
"""
TOTALS = (
    "SELECT country, line, month, days, claims, amount FROM claim_statistic_total "
    "WHERE claims <> 0"  # a cell that fell to zero is kept, to be counted up again
)

# The claim statistics as the reports counted them before the summaries: over the claims.
CLAIM_TALLIES = """
WITH c AS (
    SELECT c.country, (c.submitted_at AT TIME ZONE 'UTC')::date AS submitted,
           (c.decided_at AT TIME ZONE 'UTC')::date AS decided, c.outcome,
           (SELECT min(p.paid_on) FROM claim_payment p WHERE p.claim_id = c.id) AS paid,
           (SELECT (max(t.occurred_at) AT TIME ZONE 'UTC')::date FROM claim_transition t
             WHERE t.claim_id = c.id AND t.to_status = 'withdrawn') AS withdrawn
    FROM claim c WHERE c.submitted_at IS NOT NULL
), events AS (
    SELECT country, 'received' AS row, submitted AS day, NULL::int AS days FROM c
    UNION ALL
    SELECT country, 'decided', decided, decided - submitted FROM c
     WHERE decided IS NOT NULL AND coalesce(outcome, '') <> ''
    UNION ALL
    SELECT country, 'decided_' || outcome, decided, NULL FROM c
     WHERE decided IS NOT NULL AND coalesce(outcome, '') <> ''
    UNION ALL
    SELECT country, 'paid', paid, paid - submitted FROM c WHERE paid IS NOT NULL
    UNION ALL
    SELECT country, 'withdrawn', withdrawn, NULL FROM c WHERE withdrawn IS NOT NULL
)
SELECT country, row, extract(year FROM day)::int AS year, extract(quarter FROM day)::int AS quarter,
       count(*) AS n, percentile_cont(0.5) WITHIN GROUP (ORDER BY days) AS median,
       percentile_disc(0.9) WITHIN GROUP (ORDER BY days) AS p90
FROM events WHERE day >= $1 AND day < $2
GROUP BY GROUPING SETS ((1, 2, 3, 4), (1, 2, 3))
"""
HEAD_TALLIES = """
SELECT country, category, extract(year FROM day)::int AS year,
       extract(quarter FROM day)::int AS quarter, count(*) AS n, sum(awarded) AS amount
FROM (
    SELECT c.country, h.claim_id, h.category, (c.letter_issued_at AT TIME ZONE 'UTC')::date AS day,
           sum(h.awarded) AS awarded
    FROM claim_head h JOIN claim c ON c.id = h.claim_id
    WHERE c.letter_issued_at IS NOT NULL AND h.awarded > 0
    GROUP BY 1, 2, 3, 4
) per_claim
WHERE day >= $1 AND day < $2
GROUP BY GROUPING SETS ((1, 2, 3, 4), (1, 2, 3), (1, 3, 4), (1, 3))
"""

CATEGORIES = {"non_material": None, "material_loss": "medical", "withheld_earnings": None}
OUTCOMES = ("approved", "partly_approved", "rejected")
ACTIONS = (
    "submit",
    "unsubmit",
    "decide",
    "undecide",
    "letter",
    "award",
    "add_head",
    "drop_head",
    "recategorise",
    "pay",
    "withdraw",
)
CLAIMS = 4
START = datetime(2026, 1, 1, 9, 30, tzinfo=UTC)

event = st.tuples(
    st.sampled_from(ACTIONS),
    st.integers(0, CLAIMS - 1),
    st.integers(0, 500),  # days after START
    st.sampled_from(OUTCOMES),
    st.sampled_from(sorted(CATEGORIES)),
    st.integers(0, 3),  # which head; 0 also: award nothing
)


def _dsn(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _period(year: int, quarter: int | None) -> str:
    return str(year) if quarter is None else f"{year}-Q{quarter}"


def _days(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


async def _apply(conn: asyncpg.Connection, claims: list[uuid.UUID], step: tuple) -> None:
    action, which, day, outcome, category, head = step
    claim, when = claims[which], START + timedelta(days=day)
    heads = [
        r["id"]
        for r in await conn.fetch(
            "SELECT id FROM claim_head WHERE claim_id = $1 ORDER BY position", claim
        )
    ]
    if action == "submit":
        await conn.execute("UPDATE claim SET submitted_at = $2 WHERE id = $1", claim, when)
    elif action == "unsubmit":
        await conn.execute("UPDATE claim SET submitted_at = NULL WHERE id = $1", claim)
    elif action == "decide":
        await conn.execute(
            "UPDATE claim SET decided_at = $2, outcome = $3 WHERE id = $1", claim, when, outcome
        )
    elif action == "undecide":
        await conn.execute(
            "UPDATE claim SET decided_at = NULL, outcome = NULL WHERE id = $1", claim
        )
    elif action == "letter":
        await conn.execute("UPDATE claim SET letter_issued_at = $2 WHERE id = $1", claim, when)
    elif action == "award" and heads:
        await conn.execute(
            "UPDATE claim_head SET awarded = $2 WHERE id = $1",
            heads[head % len(heads)],
            Decimal(head * 1000 + day) / 4,
        )
    elif action == "add_head":
        await conn.execute(
            "INSERT INTO claim_head (id, claim_id, position, category, sub_kind, amount_claimed, "
            "currency, awarded) SELECT $2, $1, coalesce(max(h.position), -1) + 1, $3, $4, 1000, "
            "c.currency, $5 FROM claim c LEFT JOIN claim_head h ON h.claim_id = c.id "
            "WHERE c.id = $1 GROUP BY c.currency",
            claim,
            uuid.uuid4(),
            category,
            CATEGORIES[category],
            Decimal(day) if head else None,
        )
    elif action == "drop_head" and heads:
        await conn.execute("DELETE FROM claim_head WHERE id = $1", heads[head % len(heads)])
    elif action == "recategorise" and heads:
        await conn.execute(
            "UPDATE claim_head SET category = $2, sub_kind = $3 WHERE id = $1",
            heads[head % len(heads)],
            category,
            CATEGORIES[category],
        )
    elif action == "pay":
        await conn.execute(
            "INSERT INTO claim_payment (id, claim_id, amount, currency, paid_on, transaction_id, "
            "recorded_by) SELECT $2, $1, 10, c.currency, $3, t.id, u.id FROM claim c, "
            "(SELECT id FROM ledger_transaction ORDER BY id LIMIT 1) t, "
            "(SELECT id FROM user_account ORDER BY id LIMIT 1) u WHERE c.id = $1",
            claim,
            uuid.uuid4(),
            when.date(),
        )
    elif action == "withdraw":
        await conn.execute(
            "INSERT INTO claim_transition (id, claim_id, event, from_status, to_status, actor_id, "
            "occurred_at, version) SELECT $2, $1, 'withdraw', c.status, 'withdrawn', u.id, $3, "
            "c.version FROM claim c, (SELECT id FROM user_account ORDER BY id LIMIT 1) u "
            "WHERE c.id = $1",
            claim,
            uuid.uuid4(),
            when,
        )


async def _recomputed(conn: asyncpg.Connection) -> tuple[list[tuple], set[tuple]]:
    """Each claim's facts and the statistics' histogram, from the base tables alone."""
    awarded: dict[uuid.UUID, dict[str, Decimal]] = {}
    for r in await conn.fetch(AWARDS):
        awarded.setdefault(r["claim_id"], {})[r["category"]] = r["awarded"]
    facts, cells = [], {}
    for r in await conn.fetch(FACTS):
        awards = awarded.get(r["id"], {})
        facts.append((*tuple(r), awards))
        submitted = r["submitted"]
        events: list[tuple[str, date | None, int | None, Decimal]] = []
        if submitted is not None:
            events.append(("received", submitted, None, Decimal(0)))
            if r["decided"] is not None and r["outcome"]:
                events.append(
                    ("decided", r["decided"], (r["decided"] - submitted).days, Decimal(0))
                )
                events.append((f"decided_{r['outcome']}", r["decided"], None, Decimal(0)))
            if r["paid"] is not None:
                events.append(("paid", r["paid"], (r["paid"] - submitted).days, Decimal(0)))
            if r["withdrawn"] is not None:
                events.append(("withdrawn", r["withdrawn"], None, Decimal(0)))
        if r["letter"] is not None:
            events += [(f"award:{c}", r["letter"], None, a) for c, a in awards.items()]
        for line, day, days, amount in events:
            assert day is not None
            key = (r["country"], line, day.replace(day=1), days)
            claims, total = cells.get(key, (0, Decimal(0)))
            cells[key] = (claims + 1, total + amount)
    return facts, {(*key, n, amount) for key, (n, amount) in cells.items()}


async def _stored(conn: asyncpg.Connection) -> tuple[list[tuple], set[tuple]]:
    facts = []
    for r in await conn.fetch(STORED):
        awards = json.loads(r["awarded"], parse_float=Decimal, parse_int=Decimal)
        facts.append((*tuple(r)[:-1], awards))
    return facts, {tuple(r) for r in await conn.fetch(TOTALS)}


async def _tallies_from_claims(conn: asyncpg.Connection, since: date, until: date) -> set[Tally]:
    tallies = {
        Tally(
            "claims",
            _period(r["year"], r["quarter"]),
            r["row"],
            r["n"],
            median=_days(r["median"]),
            p90=_days(r["p90"]),
        )
        for r in await conn.fetch(CLAIM_TALLIES, since, until)
        if r["country"] == "SE"
    }
    return tallies | {
        Tally(
            "awards_by_head",
            _period(r["year"], r["quarter"]),
            r["category"] or "total",
            r["n"],
            r["amount"],
        )
        for r in await conn.fetch(HEAD_TALLIES, since, until)
        if r["country"] == "SE"
    }


def _frozen(facts: list[tuple]) -> set[tuple]:
    return {(*fact[:-1], tuple(sorted(fact[-1].items()))) for fact in facts}


async def _assert_agree(conn: asyncpg.Connection, after: object) -> None:
    facts, cells = await _recomputed(conn)
    stored_facts, stored_cells = await _stored(conn)
    assert _frozen(stored_facts) == _frozen(facts), after
    assert stored_cells == cells, (after, stored_cells ^ cells)


async def _check(url: URL, events: list[tuple]) -> None:
    conn = await asyncpg.connect(_dsn(url))
    engine = create_engine(url, pool_size=1)
    try:
        claims = [
            r["id"]
            for r in await conn.fetch(
                "SELECT id FROM claim WHERE country = 'SE' ORDER BY reference LIMIT $1", CLAIMS
            )
        ]
        await _assert_agree(conn, "before")
        # Steps alone or two together in one transaction, as services write them; the tables
        # agree after every transaction.
        done = 0
        while done < len(events):
            batch = events[done : done + 1 + done % 2]
            done += len(batch)
            async with conn.transaction():
                for step in batch:
                    await _apply(conn, claims, step)
            await _assert_agree(conn, batch)
        since, until = date(2025, 1, 1), date(2028, 1, 1)
        async with create_session_factory(engine)() as session:
            read = await queries.claim_tallies(session, ["SE"], since, until)
        assert set(read["SE"]) == await _tallies_from_claims(conn, since, until)
    finally:
        await conn.close()
        await engine.dispose()


def test_the_summaries_equal_a_recomputation_after_random_claim_events(database_url: URL) -> None:
    @settings(
        max_examples=25,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(events=st.lists(event, min_size=1, max_size=15))
    def run(events: list[tuple]) -> None:
        asyncio.run(_check(database_url, events))

    run()


# The parties behind each fund's movements, from the postings alone.
PARTIES = """
SELECT DISTINCT t.country, t.kind, date_trunc('month', t.effective_date::timestamp)::date,
       f.fund, coalesce(t."references"->>'claim', t."references"->>'application',
                        t."references"->>'case', t.id::text)
FROM ledger_posting p JOIN ledger_transaction t ON t.id = p.transaction_id
JOIN ledger_account a ON a.id = p.account_id
CROSS JOIN LATERAL (VALUES (CASE WHEN a.code LIKE a.country || '/earmarked/%' THEN 'earmarked'
                                 ELSE split_part(a.code, '/', 3) END), ('*')) AS f(fund)
WHERE t.status = 'posted' AND a.type = 'fund_equity'
"""


async def test_the_funds_parties_equal_the_postings_on_the_demo_data(database_url: URL) -> None:
    """The demo data are written through the services, with every kind of money movement; the
    ledger's own random mix is checked in tests/ledger/test_monthly_total.py."""
    conn = await asyncpg.connect(_dsn(database_url))
    try:
        stored = {
            tuple(r)
            for r in await conn.fetch(
                "SELECT country, kind, month, fund, party FROM fund_monthly_party"
            )
        }
        assert stored == {tuple(r) for r in await conn.fetch(PARTIES)}
        assert stored
    finally:
        await conn.close()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE claim_statistic SET letter = NULL",
        "DELETE FROM claim_statistic_total",
        "TRUNCATE claim_statistic_total",
        "INSERT INTO fund_monthly_party VALUES ('SE', 'award', '2020-01-01', '*', 'x')",
        "DELETE FROM fund_monthly_party",
    ],
)
async def test_no_one_but_the_triggers_writes_the_summaries(
    database_url: URL, statement: str
) -> None:
    conn = await asyncpg.connect(_dsn(database_url))
    try:
        with pytest.raises(asyncpg.RestrictViolationError, match="kept by triggers only"):
            await conn.execute(statement)
    finally:
        await conn.close()
