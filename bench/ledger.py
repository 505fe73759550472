"""Ledger benchmark: balanced transactions per second and latency, against bare asyncpg.

    .venv/bin/python bench/ledger.py [--seconds 3] [--pgledger PATH-TO-A-PGLEDGER-CHECKOUT]

Starts an embedded PostgreSQL in a temporary folder (default server settings: durable commits),
migrates it, and measures, at 1, 8 and 32 concurrent clients:
- the Python API (`ledger.record_transaction` + commit, one session per client), and
  `ledger.record_alone` (one transaction committed on its own: one round trip when all is well),
- HTTP (`POST /api/v1/ledger/transactions` with an Idempotency-Key, against the real app served
  by uvicorn in a separate process, the load coming from aiohttp clients in this process),
- with `--pgledger` (or PGLEDGER_DIR), pgledger's `pgledger_create_transfer` on the same server
  in a database of its own, its SQL loaded at run time from that checkout; every other row then
  also shows its rate as a share of pgledger's (`/pgledger`);
- a baseline of bare asyncpg inserting two rows per transaction (BEGIN, one INSERT, COMMIT),
- and, between the two, the database function the Python API calls (`ledger_record`) driven
  from bare asyncpg: the part of a ledger transaction's cost that is PostgreSQL's rules, rows
  and triggers, with no SQLAlchemy around it;
- the same function on a copy of the database whose ledger triggers are dropped (no balance
  check at commit, no balance counters, no append-only guard): what the rows alone cost, so the
  price of the rules PostgreSQL enforces can be read off the two rows;
then the same runs with 80% of transactions drawing on one hot account (checking afterwards
that no update was lost), and batch throughput in postings per second (1 000 transactions of two
postings per batch). Each row also shows the CPU milliseconds per transaction spent by
PostgreSQL (`db`), this process (`here`: the Python API, or the HTTP load generator) and the
HTTP server (`server`): on a small machine they share the same CPUs, so they explain the
throughput. Prints figures; asserts nothing.
"""

# ruff: noqa: E402 - the imports follow the sys.path fix below

from __future__ import annotations

import sys
from pathlib import Path

# This file is named ledger.py: put the project's root in place of its folder on the path, so
# `import ledger` finds the package, not this script.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse
import asyncio
import contextlib
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import aiohttp
import asyncpg
import httpx
import psutil
from sqlalchemy.engine import URL

import ledger
from fundadmin import schema
from fundadmin.database import create_engine, create_session_factory
from fundadmin.embedded_postgres import embedded_postgres, ensure_database
from fundadmin.security.principal import Role
from fundadmin.security.users import Grant, create_user
from ledger import AccountType, BatchItem, EntryKind, PostingSpec, TransactionSpec, repository
from ledger.models import new_id
from ledger.posting import fingerprint

CLIENTS = (1, 8, 32)
ACCOUNTS = 64
HOT_SHARE = 0.8
PASSWORD = "bench-password-not-secret"
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
DAY = NOW.date()


@dataclass
class Result:
    transactions: int
    seconds: float
    latencies: list[float]
    failures: int
    cpu: dict[str, float]
    """CPU seconds spent during the run by PostgreSQL, this process and the HTTP server."""

    @property
    def rate(self) -> float:
        return self.transactions / self.seconds

    def cpu_ms(self, part: str) -> float:
        """CPU milliseconds `part` spent per transaction: where the time goes on this machine."""
        return self.cpu[part] * 1000 / max(self.transactions, 1)

    def percentile(self, q: float) -> float:
        if len(self.latencies) < 2:
            return self.latencies[0] * 1000 if self.latencies else 0.0
        return statistics.quantiles(self.latencies, n=100)[int(q) - 1] * 1000


def _dsn(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _pair(hot: bool) -> int:
    """Which fund a transaction draws on: index 0 is the hot account."""
    if hot and random.random() < HOT_SHARE:
        return 0
    return random.randrange(1, ACCOUNTS) if hot else random.randrange(ACCOUNTS)


def _fund(n: int) -> str:
    return f"SE/fund/bench-{n}"


def _payable(n: int) -> str:
    return f"SE/payable/bench/{n}"


def _spec(n: int) -> TransactionSpec:
    amount = Decimal("1.00")
    return TransactionSpec(
        "SE",
        EntryKind.AWARD,
        DAY,
        (PostingSpec(_fund(n), amount, "SEK"), PostingSpec(_payable(n), -amount, "SEK")),
    )


SERVER_PIDS: list[int] = []
"""The HTTP server's process, once started."""


def _cpu_seconds() -> dict[str, float]:
    """Cumulative CPU time of PostgreSQL's processes, this one, and the HTTP server."""

    def total(processes: list[psutil.Process]) -> float:
        seconds = 0.0
        for process in processes:
            with contextlib.suppress(psutil.Error):
                times = process.cpu_times()
                seconds += times.user + times.system
        return seconds

    return {
        "db": total([p for p in psutil.process_iter(["name"]) if p.info["name"] == "postgres"]),
        "here": total([psutil.Process()]),
        "server": total([psutil.Process(pid) for pid in SERVER_PIDS]),
    }


async def _drive(clients: int, seconds: float, one: Callable[[int], Awaitable[bool]]) -> Result:
    latencies: list[float] = []
    failures = 0
    deadline = time.perf_counter() + seconds

    async def client(index: int) -> None:
        nonlocal failures
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            if await one(index):
                latencies.append(time.perf_counter() - start)
            else:
                failures += 1

    cpu_before = _cpu_seconds()
    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    elapsed = time.perf_counter() - started
    cpu = {part: spent - cpu_before[part] for part, spent in _cpu_seconds().items()}
    return Result(len(latencies), elapsed, latencies, failures, cpu)


async def prepare(url: URL) -> None:
    engine = create_engine(url, pool_size=2)
    sessions = create_session_factory(engine)
    async with sessions() as session, session.begin():
        await create_user(
            session,
            username="bench-admin",
            password=PASSWORD,
            grants=[Grant(Role.ADMINISTRATOR, "SE")],
        )
        for n in range(ACCOUNTS):
            await ledger.ensure_account(
                session,
                _fund(n),
                name="bench fund",
                type=AccountType.FUND_EQUITY,
                currency="SEK",
                country="SE",
                must_not_go_negative=True,
            )
            await ledger.ensure_account(
                session,
                _payable(n),
                name="bench payable",
                type=AccountType.LIABILITY,
                currency="SEK",
                country="SE",
            )
        big = Decimal(10) ** 12
        await ledger.record_transaction(
            session,
            TransactionSpec(
                "SE",
                EntryKind.OPENING,
                DAY,
                (
                    PostingSpec("SE/income/appropriation", big * ACCOUNTS, "SEK"),
                    *(PostingSpec(_fund(n), -big, "SEK") for n in range(ACCOUNTS)),
                ),
            ),
            idempotency_key="bench-opening",
            idempotency_scope="bench",
            created_by="bench",
            now=NOW,
        )
    await engine.dispose()
    conn = await asyncpg.connect(_dsn(url))
    await conn.execute(
        "CREATE TABLE IF NOT EXISTS bench_baseline (id uuid PRIMARY KEY, tx uuid NOT NULL, "
        "account text NOT NULL, amount numeric NOT NULL)"
    )
    await conn.close()


async def python_api(url: URL, clients: int, seconds: float, hot: bool) -> Result:
    engine = create_engine(url, pool_size=clients)
    sessions = create_session_factory(engine)

    async def one(_: int) -> bool:
        async with sessions() as session:
            await ledger.record_transaction(
                session,
                _spec(_pair(hot)),
                idempotency_key=uuid.uuid4().hex,
                idempotency_scope="bench",
                created_by="bench",
                now=NOW,
            )
            await session.commit()
        return True

    try:
        return await _drive(clients, seconds, one)
    finally:
        await engine.dispose()


async def python_alone(url: URL, clients: int, seconds: float, hot: bool) -> Result:
    engine = create_engine(url, pool_size=clients)

    async def one(_: int) -> bool:
        await ledger.record_alone(
            engine,
            _spec(_pair(hot)),
            idempotency_key=uuid.uuid4().hex,
            idempotency_scope="bench",
            created_by="bench",
            now=NOW,
        )
        return True

    try:
        return await _drive(clients, seconds, one)
    finally:
        await engine.dispose()


async def baseline(url: URL, clients: int, seconds: float, hot: bool) -> Result:
    pool = await asyncpg.create_pool(_dsn(url), min_size=clients, max_size=clients)

    async def one(_: int) -> bool:
        n = _pair(hot)
        tx = uuid.uuid4()
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "INSERT INTO bench_baseline VALUES ($1, $2, $3, 1.00), ($4, $2, $5, -1.00)",
                uuid.uuid4(),
                tx,
                _fund(n),
                uuid.uuid4(),
                _payable(n),
            )
        return True

    try:
        return await _drive(clients, seconds, one)
    finally:
        await pool.close()


async def function_floor(url: URL, clients: int, seconds: float, hot: bool) -> Result:
    """`ledger_record` called from bare asyncpg, with the document the Python API sends: what a
    ledger transaction costs PostgreSQL when no Python but the driver's runs around it."""
    pool = await asyncpg.create_pool(_dsn(url), min_size=clients, max_size=clients)

    async def one(_: int) -> bool:
        spec = _spec(_pair(hot))
        new = repository.NewTransaction(new_id(), spec, uuid.uuid4().hex, fingerprint(spec), None)
        async with pool.acquire() as conn, conn.transaction():
            created = await conn.fetchval(
                repository.RECORD_CALL, True, "bench", "bench", repository.record_document([new])
            )
        return created is not None

    try:
        return await _drive(clients, seconds, one)
    finally:
        await pool.close()


PGLEDGER_FILES = (
    "vendor/scoville-pgsql-ulid/ulid-to-uuid.sql",
    "vendor/scoville-pgsql-ulid/uuid-to-ulid.sql",
    "pgledger.sql",
)
"""pgledger's SQL, read at run time from a checkout of github.com/pgr0ss/pgledger (its README's
install order); nothing of it is copied into this project."""


async def load_pgledger(url: URL, checkout: Path) -> list[tuple[str, str]]:
    """pgledger installed in its own database `url`, with one account pair per fund pair here
    (currency SEK, its defaults); returns the (from, to) account ids by pair index."""
    conn = await asyncpg.connect(_dsn(url))
    try:
        for name in PGLEDGER_FILES:
            await conn.execute((checkout / name).read_text())
        pairs = []
        for n in range(ACCOUNTS):
            source = await conn.fetchval(
                "SELECT id FROM pgledger_create_account($1, 'SEK')", _fund(n)
            )
            target = await conn.fetchval(
                "SELECT id FROM pgledger_create_account($1, 'SEK')", _payable(n)
            )
            pairs.append((source, target))
        return pairs
    finally:
        await conn.close()


async def pgledger(
    url: URL, pairs: list[tuple[str, str]], clients: int, seconds: float, hot: bool
) -> Result:
    """pgledger's own `pgledger_create_transfer`, one call (its own transaction) per transfer,
    from bare asyncpg: the peer the issue measures us against."""
    pool = await asyncpg.create_pool(_dsn(url), min_size=clients, max_size=clients)

    async def one(_: int) -> bool:
        source, target = pairs[_pair(hot)]
        async with pool.acquire() as conn:
            created = await conn.fetchval(
                "SELECT id FROM pgledger_create_transfer($1, $2, 1.00)", source, target
            )
        return created is not None

    try:
        return await _drive(clients, seconds, one)
    finally:
        await pool.close()


def without_rules(admin: URL, url: URL) -> URL:
    """A copy of the prepared database with every ledger trigger dropped; its URL."""

    async def copy() -> None:
        conn = await asyncpg.connect(_dsn(admin))
        try:
            await conn.execute(
                f'CREATE DATABASE "{url.database}_no_rules" TEMPLATE "{url.database}"'
            )
        finally:
            await conn.close()
        conn = await asyncpg.connect(_dsn(url.set(database=f"{url.database}_no_rules")))
        try:
            for statement in await conn.fetch(
                "SELECT format('DROP TRIGGER %I ON %s', tgname, tgrelid::regclass) FROM pg_trigger"
                " WHERE NOT tgisinternal AND tgrelid::regclass::text LIKE 'ledger\\_%'"
            ):
                await conn.execute(statement[0])
        finally:
            await conn.close()

    asyncio.run(copy())
    return url.set(database=f"{url.database}_no_rules")


async def http(base: str, clients: int, seconds: float, hot: bool) -> Result:
    # aiohttp, not httpx: the load generator shares the machine's CPUs with the service and
    # PostgreSQL, and httpx spends about four times aiohttp's CPU per request.
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(base, connector=connector) as client:
        async with client.post(
            "/api/v1/auth/token", json={"username": "bench-admin", "password": PASSWORD}
        ) as response:
            token = (await response.json())["access_token"]
        headers = {"Authorization": f"Bearer {token}"}

        async def one(_: int) -> bool:
            n = _pair(hot)
            body = {
                "country": "SE",
                "kind": "award",
                "effective_date": DAY.isoformat(),
                "postings": [
                    {"account": _fund(n), "side": "debit", "amount": "1.00", "currency": "SEK"},
                    {"account": _payable(n), "side": "credit", "amount": "1.00", "currency": "SEK"},
                ],
            }
            async with client.post(
                "/api/v1/ledger/transactions",
                json=body,
                headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
            ) as response:
                await response.read()
                return response.status == 201

        return await _drive(clients, seconds, one)


async def batches(url: URL, count: int) -> tuple[float, int]:
    engine = create_engine(url, pool_size=1)
    sessions = create_session_factory(engine)
    postings = 0
    started = time.perf_counter()
    for _ in range(count):
        items = [
            BatchItem(_spec(random.randrange(ACCOUNTS)), uuid.uuid4().hex) for _ in range(1000)
        ]
        async with sessions() as session:
            await ledger.record_batch(
                session, items, idempotency_scope="bench", created_by="b", now=NOW
            )
            await session.commit()
        postings += 2000
    elapsed = time.perf_counter() - started
    await engine.dispose()
    return postings / elapsed, postings


async def lost_updates(url: URL) -> int:
    """Accounts whose trigger-kept counters disagree with the sum of their postings."""
    conn = await asyncpg.connect(_dsn(url))
    try:
        return await conn.fetchval(
            "SELECT count(*) FROM ledger_account a LEFT JOIN ("
            " SELECT p.account_id, sum(greatest(p.amount, 0)) AS dr,"
            " sum(greatest(-p.amount, 0)) AS cr"
            " FROM ledger_posting p JOIN ledger_transaction t ON t.id = p.transaction_id"
            " WHERE t.status = 'posted' GROUP BY p.account_id) s ON s.account_id = a.id"
            " WHERE a.posted_debits <> coalesce(s.dr, 0) OR a.posted_credits <> coalesce(s.cr, 0)"
        )
    finally:
        await conn.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(url: URL, data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": url.render_as_string(hide_password=False),
        "FUNDADMIN_DATA_DIR": str(data_dir),
        "FUNDADMIN_LOG_LEVEL": "WARNING",
        "FUNDADMIN_DB_POOL_SIZE": "40",
        "FUNDADMIN_ENVIRONMENT": "development",
        # The transactions are dated DAY: the service's business day must be it (not back-dated).
        "FUNDADMIN_FIXED_NOW": NOW.isoformat(),
    }
    code = (
        "import uvicorn; from sqlalchemy.engine import make_url; "
        "from fundadmin.app import create_app; from fundadmin.settings import Settings; "
        "from fundadmin.database import normalise_database_url; s = Settings(); "
        "app = create_app(s, normalise_database_url(s.database_url)); "
        f"uvicorn.run(app, host='127.0.0.1', port={port}, log_level='warning', access_log=False)"
    )
    server = subprocess.Popen([sys.executable, "-c", code], env=env)  # noqa: S603 - our own code
    SERVER_PIDS.append(server.pid)
    for _ in range(100):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code < 500:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the HTTP server did not start")


def _row(label: str, clients: int, result: Result, reference: Result | None) -> str:
    ratio = f"{result.rate / reference.rate:6.0%}" if reference else "      "
    return (
        f"{label:<12} {clients:>3} {result.rate:>9.0f} {result.percentile(50):>8.1f} "
        f"{result.percentile(99):>8.1f} {ratio} {result.failures:>6} "
        f"{result.cpu_ms('db'):>6.2f} {result.cpu_ms('here'):>6.2f} {result.cpu_ms('server'):>6.2f}"
    )


async def run(
    seconds: float,
    url: URL,
    no_rules: URL,
    base: str,
    peer: tuple[URL, list[tuple[str, str]]] | None,
) -> None:
    header = (
        f"{'path':<12} {'cl':>3} {'tx/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'/base':>6} "
        f"{'failed':>6} {'db':>6} {'here':>6} {'server':>6}  (CPU ms per transaction)"
    )
    uniform: dict[tuple[str, int], Result] = {}
    for hot in (False, True):
        print(f"\n{'80% on one hot account' if hot else 'uniform over 64 accounts'}")
        print(header)
        for clients in CLIENTS:
            base_result = await baseline(url, clients, seconds, hot)
            print(_row("asyncpg", clients, base_result, None))
            peer_result = None
            if peer is not None:
                peer_result = await pgledger(peer[0], peer[1], clients, seconds, hot)
                print(_row("pgledger", clients, peer_result, base_result))
            for label, runner in (
                ("no db rules", lambda c, h: function_floor(no_rules, c, seconds, h)),
                ("db function", lambda c, h: function_floor(url, c, seconds, h)),
                ("python api", lambda c, h: python_api(url, c, seconds, h)),
                ("python alone", lambda c, h: python_alone(url, c, seconds, h)),
                ("http", lambda c, h: http(base, c, seconds, h)),
            ):
                result = await runner(clients, hot)
                line = _row(label, clients, result, base_result)
                if peer_result is not None:
                    line += f"  /pgledger {result.rate / peer_result.rate:.0%}"
                if hot:
                    line += f"  hot/uniform {result.rate / uniform[(label, clients)].rate:.0%}"
                else:
                    uniform[(label, clients)] = result
                print(line)
    print(
        f"\nlost updates (accounts whose balance disagrees with their postings): "
        f"{await lost_updates(url)}"
    )
    rate, postings = await batches(url, 5)
    print(f"batches of 1000 transactions: {rate:.0f} postings/s ({postings} postings)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0, help="duration of each run")
    parser.add_argument(
        "--pgledger",
        type=Path,
        default=os.environ.get("PGLEDGER_DIR"),
        help="a checkout of github.com/pgr0ss/pgledger: adds its create_transfer as a row "
        "(default: $PGLEDGER_DIR; unset: no such row)",
    )
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} CPUs; python {sys.version.split()[0]}")
    with (
        tempfile.TemporaryDirectory(prefix="fundadmin-bench-") as folder,
        embedded_postgres(Path(folder)) as admin,
    ):
        url = asyncio.run(ensure_database(admin, "bench")).set(drivername="postgresql+asyncpg")
        schema.upgrade(url)
        asyncio.run(prepare(url))
        no_rules = without_rules(admin, url)
        peer = None
        if args.pgledger is not None:
            peer_url = asyncio.run(ensure_database(admin, "pgledger"))
            peer = (peer_url, asyncio.run(load_pgledger(peer_url, args.pgledger)))
        port = _free_port()
        server = start_server(url, Path(folder) / "app", port)
        try:
            asyncio.run(run(args.seconds, url, no_rules, f"http://127.0.0.1:{port}", peer))
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
