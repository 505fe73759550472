"""Allocation report benchmark: the country report, the regional report and the XLSX export,
against the raw SQL trial balance over the same postings (the floor), in the same run.

    .venv/bin/python bench/reports.py [--postings 1000000] [--claims 50000] [--repeat 7]

Starts an embedded PostgreSQL in a temporary folder, migrates it, writes the demo data, then
bulk-loads a ledger of `--postings` postings (two per transaction) over the eight countries and
`--claims` claims cloned from the demo claims, with PostgreSQL's triggers off for the load (the
load is not what is measured; the account counters are then recomputed from the postings, the
bench postings added to the monthly totals, the funds' parties added by their own trigger, and
the claims' statistics computed by their own function, so the books and the reports' summaries
are what the rules would have produced). Then times, each `--repeat` times on a warm cache:
- the floor: one SQL statement, the trial balance of every account of one country as of the end
  date, over the same postings;
- the country report of SE for a year (`allocation.country_report`);
- the regional report for a year (`allocation.regional_report`, all eight countries);
- the XLSX export of the regional report (rendering only).
Prints median and p90 milliseconds and the ratio to the floor; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

sys.path[0] = str(Path(__file__).resolve().parent.parent)

import asyncpg  # noqa: E402
from sqlalchemy.engine import URL  # noqa: E402

from fundadmin import schema  # noqa: E402
from fundadmin.clock import FixedClock  # noqa: E402
from fundadmin.database import create_engine, create_session_factory  # noqa: E402
from fundadmin.demo import seed_demo_data  # noqa: E402
from fundadmin.embedded_postgres import embedded_postgres, ensure_database  # noqa: E402
from fundadmin.reports import allocation, render  # noqa: E402
from fundadmin.settings import Settings  # noqa: E402

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
START, END = date(2026, 1, 1), date(2026, 12, 31)

_LOAD_TRANSACTIONS = """
INSERT INTO ledger_transaction (id, country, kind, status, effective_date, memo, "references",
    exchange_rates, idempotency_scope, idempotency_key, fingerprint, created_by)
SELECT gen_random_uuid(), c.country,
       (ARRAY['appropriation','confiscation','recovery','confiscation','grant','award'])[1 + n % 6],
       'posted', DATE '2025-01-01' + (n::bigint * 7919 % 730)::int, 'bench', '{}', '{}', 'bench',
       'bench-' || n, 'x', 'bench'
FROM generate_series(1, $1) AS n
JOIN (SELECT country, row_number() OVER (ORDER BY country) - 1 AS i
      FROM (SELECT DISTINCT country FROM ledger_account) s) c ON c.i = n % 8
"""
# Money in: Dr bank, Cr a fund; money out (grant, award): Dr the fund, Cr bank. Amounts out are
# smaller, so every guarded account ends non-negative as its CHECK requires.
_LOAD_POSTINGS = """
WITH t AS (
  SELECT t.id, t.country, t.kind, a.currency,
         (abs(hashtext(t.idempotency_key)) % 100000 + 1)::numeric / 100 AS amount,
         CASE WHEN t.kind IN ('grant') THEN t.country || '/fund/support-services'
              WHEN t.kind = 'confiscation' AND abs(hashtext(t.idempotency_key)) % 3 = 0
                THEN t.country || '/earmarked/BENCH-' || abs(hashtext(t.idempotency_key)) % 10
              WHEN abs(hashtext(t.idempotency_key)) % 4 = 0
                THEN t.country || '/fund/support-services'
              ELSE t.country || '/fund/victims' END AS fund_code
  FROM ledger_transaction t JOIN ledger_account a ON a.code = t.country || '/bank'
  WHERE t.idempotency_scope = 'bench'
)
INSERT INTO ledger_posting (id, transaction_id, position, account_id, currency, amount)
SELECT gen_random_uuid(), t.id, p.position, a.id, t.currency,
       CASE WHEN (t.kind IN ('grant', 'award')) = (p.position = 0)
            THEN t.amount / 3 ELSE -t.amount / 3 END
       * CASE WHEN t.kind IN ('grant', 'award') THEN 1 ELSE 3 END
FROM t
CROSS JOIN (VALUES (0), (1)) AS p(position)
JOIN ledger_account a ON a.code = CASE WHEN p.position = 0 THEN t.fund_code
                                       ELSE t.country || '/bank' END
"""
_RECOUNT = """
UPDATE ledger_account a SET
  posted_debits = coalesce(s.debits, 0), posted_credits = coalesce(s.credits, 0)
FROM (SELECT p.account_id,
             sum(p.amount) FILTER (WHERE p.amount > 0) AS debits,
             sum(-p.amount) FILTER (WHERE p.amount < 0) AS credits
      FROM ledger_posting p JOIN ledger_transaction t ON t.id = p.transaction_id
      WHERE t.status = 'posted' GROUP BY p.account_id) s
WHERE s.account_id = a.id
"""
_RESUM = """
INSERT INTO ledger_monthly_total (account_id, currency, month, kind, debits, credits)
SELECT p.account_id, p.currency, date_trunc('month', t.effective_date::timestamp)::date, t.kind,
       sum(greatest(p.amount, 0)), sum(greatest(-p.amount, 0))
FROM ledger_posting p JOIN ledger_transaction t ON t.id = p.transaction_id
WHERE t.status = 'posted' AND t.idempotency_scope = 'bench'
GROUP BY 1, 2, 3, 4
ON CONFLICT (account_id, currency, month, kind) DO UPDATE
   SET debits = ledger_monthly_total.debits + EXCLUDED.debits,
       credits = ledger_monthly_total.credits + EXCLUDED.credits
"""
_FLOOR = """
SELECT a.code, sum(p.amount) FILTER (WHERE p.amount > 0) AS debits,
       sum(-p.amount) FILTER (WHERE p.amount < 0) AS credits
FROM ledger_posting p
JOIN ledger_transaction t ON t.id = p.transaction_id
JOIN ledger_account a ON a.id = p.account_id
WHERE a.country = $1 AND t.status = 'posted' AND t.effective_date <= $2
GROUP BY a.code
"""


async def _load(dsn: str, postings: int, claims: int) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute("SET session_replication_role = replica")
        for country in ("DK", "EE", "FI", "IS", "LT", "LV", "NO", "SE"):
            for n in range(10):
                await connection.execute(
                    "INSERT INTO ledger_account (id, code, name, type, currency, country, "
                    "must_not_go_negative) SELECT gen_random_uuid(), $1 || '/earmarked/BENCH-' "
                    "|| $2, 'bench', 'fund_equity', currency, $1, true FROM ledger_account "
                    "WHERE code = $1 || '/bank' ON CONFLICT DO NOTHING",
                    country,
                    str(n),
                )
        await connection.execute(_LOAD_TRANSACTIONS, postings // 2)
        # The funds' parties are added by the statement trigger that adds them in production.
        await connection.execute(
            "ALTER TABLE ledger_posting ENABLE ALWAYS TRIGGER ledger_posting_fund_parties"
        )
        await connection.execute(_LOAD_POSTINGS)
        await connection.execute(_RECOUNT)
        await connection.execute(_RESUM)
        columns = [
            r["column_name"]
            for r in await connection.fetch(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'claim' "
                "ORDER BY ordinal_position"
            )
        ]
        varied = {
            "id": "gen_random_uuid()",
            "reference": "'B' || lpad(n::text, 9, '0')",
            "country": "(ARRAY['DK','EE','FI','IS','LT','LV','NO','SE'])[1 + n % 8]",
            "currency": "(ARRAY['DKK','EUR','EUR','ISK','EUR','EUR','NOK','SEK'])[1 + n % 8]",
            "submitted_at": "TIMESTAMPTZ '2025-01-01' + (n % 690) * INTERVAL '1 day'",
            "decided_at": "CASE WHEN n % 5 > 0 THEN TIMESTAMPTZ '2025-01-01' "
            "+ (n % 690 + 20 + n % 97) * INTERVAL '1 day' END",
            "outcome": "CASE WHEN n % 5 = 0 THEN NULL WHEN n % 7 = 0 THEN 'rejected' "
            "WHEN n % 3 = 0 THEN 'partly_approved' ELSE 'approved' END",
            "letter_issued_at": "CASE WHEN n % 5 > 0 AND n % 7 > 0 THEN TIMESTAMPTZ '2025-01-01' "
            "+ (n % 690 + 30 + n % 97) * INTERVAL '1 day' END",
            "award_transaction_id": "NULL",
        }
        select = ", ".join(varied.get(c, f'c."{c}"') for c in columns)
        names = ", ".join(f'"{c}"' for c in columns)
        await connection.execute(
            f"INSERT INTO claim ({names}) "  # noqa: S608 - column names read from the catalog
            f"SELECT {select} FROM generate_series(1, $1) AS n, "
            "(SELECT * FROM claim LIMIT 1) AS c",
            claims,
        )
        await connection.execute(
            "INSERT INTO claim_head (id, claim_id, position, category, sub_kind, amount_claimed, "
            "currency, awarded) SELECT gen_random_uuid(), id, 0, category, "
            "CASE category WHEN 'material_loss' THEN 'medical' END, 1000, currency, 800 "
            "FROM (SELECT id, currency, (ARRAY['non_material','material_loss',"
            "'withheld_earnings'])[1 + abs(hashtext(reference)) % 3] AS category "
            "FROM claim WHERE reference LIKE 'B%') c"
        )
        await connection.execute(
            "SELECT claim_statistic_refresh(array(SELECT id FROM claim WHERE reference LIKE 'B%'))"
        )
        await connection.execute("ANALYZE")
    finally:
        await connection.close()


async def _time(repeat: int, work: Callable[[], Awaitable[Any]]) -> list[float]:
    await work()  # warm the cache and the statement caches
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        await work()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


async def run(url: URL, dsn: str, repeat: int, profile: bool = False) -> None:
    engine = create_engine(url, pool_size=2)
    sessions = create_session_factory(engine)
    floor_connection = await asyncpg.connect(dsn)
    try:
        count = await floor_connection.fetchval("SELECT count(*) FROM ledger_posting")
        claims = await floor_connection.fetchval("SELECT count(*) FROM claim")
        print(f"ledger: {count} postings; {claims} claims")

        async def floor() -> None:
            await floor_connection.fetch(_FLOOR, "SE", END)

        async def country() -> allocation.CountryReport:
            async with sessions() as session:
                return await allocation.country_report(session, "SE", START, END, made_at=NOW)

        async def regional() -> allocation.RegionalReport:
            async with sessions() as session:
                return await allocation.regional_report(session, START, END, made_at=NOW)

        report = await regional()
        if profile:  # where one regional report spends its time
            from pyinstrument import Profiler  # noqa: PLC0415 - only when asked, not a dependency

            with Profiler(async_mode="enabled") as profiler:
                await regional()
            print(profiler.output_text(color=False, show_all=False))

        async def xlsx() -> None:
            render.as_xlsx(report)

        rows = [
            ("raw SQL trial balance of SE (floor)", await _time(repeat, floor)),
            ("country report SE, one year", await _time(repeat, country)),
            ("regional report, eight countries", await _time(repeat, regional)),
            ("XLSX export of the regional report", await _time(repeat, xlsx)),
        ]
        base = statistics.median(rows[0][1])
        print(f"{'what':<40} {'median ms':>10} {'p90 ms':>8} {'x floor':>8}")
        for name, samples in rows:
            ordered = sorted(samples)
            p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
            median = statistics.median(samples)
            print(f"{name:<40} {median:>10.1f} {p90:>8.1f} {median / base:>8.2f}")
    finally:
        await floor_connection.close()
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postings", type=int, default=1_000_000)
    parser.add_argument("--claims", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--profile", action="store_true", help="profile one regional report")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} CPUs; python {sys.version.split()[0]}")
    with (
        tempfile.TemporaryDirectory(prefix="fundadmin-bench-") as folder,
        embedded_postgres(Path(folder)) as admin,
    ):
        url = asyncio.run(ensure_database(admin, "bench")).set(drivername="postgresql+asyncpg")
        schema.upgrade(url)
        settings = Settings(data_dir=Path(folder) / "app", database_url=None)

        async def seed() -> None:
            engine = create_engine(url, pool_size=1)
            try:
                await seed_demo_data(create_session_factory(engine), settings, FixedClock(NOW))
            finally:
                await engine.dispose()

        asyncio.run(seed())
        dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        started = time.perf_counter()
        asyncio.run(_load(dsn, args.postings, args.claims))
        print(f"bulk load: {time.perf_counter() - started:.0f} s (not measured below)")
        asyncio.run(run(url, dsn, args.repeat, args.profile))


if __name__ == "__main__":
    main()
