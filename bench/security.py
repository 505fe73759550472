"""Security benchmark: the cost of the audit trail, the vault and password checks.

    .venv/bin/python bench/security.py [--seconds 3] [--verify-lines 20000]

Starts an embedded PostgreSQL in a temporary folder (default server settings: durable commits),
migrates it, and measures:
- audit appends per second and p50/p99 latency at 1, 8 and 32 concurrent writers (one
  transaction per line: advisory lock, read of the chain head, insert, commit), against a
  baseline of the same sessions inserting the same row into a plain table without lock or chain;
- `verify_chain` lines per second over a trail of `--verify-lines` lines;
- vault: new subjects per second (key made, wrapped, committed), field encrypt and decrypt in
  microseconds;
- argon2id verification of one password, in milliseconds (each sign-in pays it once).
Prints figures; asserts nothing.
"""

# ruff: noqa: E402 - the imports follow the sys.path fix below

from __future__ import annotations

import sys
from pathlib import Path

# bench/ holds ledger.py: put the project's root in place of this folder on the path, so
# `import ledger` (through fundadmin.models) finds the package, not the ledger benchmark.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable

import sqlalchemy as sa
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from fundadmin import schema
from fundadmin.database import create_engine, create_session_factory
from fundadmin.embedded_postgres import embedded_postgres, ensure_database
from fundadmin.security.audit import verify_chain, write_audit
from fundadmin.security.passwords import hash_password, verify_password
from fundadmin.security.vault import MasterKeyRing, Vault, new_master_key_line

CLIENTS = (1, 8, 32)


async def _run_clients(
    sessions: async_sessionmaker[AsyncSession],
    clients: int,
    seconds: float,
    work: Callable[[AsyncSession], Awaitable[None]],
) -> tuple[float, list[float]]:
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            async with sessions() as session, session.begin():
                await work(session)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return len(latencies) / (time.perf_counter() - started), latencies


def _pct(latencies: list[float], q: int) -> float:
    return statistics.quantiles(latencies, n=100)[q - 1] * 1000 if len(latencies) > 1 else 0.0


async def bench(url: URL, seconds: float, verify_lines: int) -> None:
    engine = create_engine(url, pool_size=40)
    sessions = create_session_factory(engine)
    async with engine.begin() as conn:
        await conn.execute(
            sa.text(
                "CREATE TABLE bench_plain (id bigserial PRIMARY KEY, action text, details jsonb)"
            )
        )

    async def audit(session: AsyncSession) -> None:
        await write_audit(
            session,
            principal=None,
            action="bench.line",
            subject_type="bench",
            subject_id="1",
            details={"n": 1},
        )

    async def plain(session: AsyncSession) -> None:
        await session.execute(
            sa.text("INSERT INTO bench_plain (action, details) VALUES ('bench.line', '{\"n\": 1}')")
        )

    print("audit appends (one transaction each)")
    print(
        f"{'clients':>8} {'audit/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'plain/s':>10} {'ratio':>6}"
    )
    for clients in CLIENTS:
        rate, lat = await _run_clients(sessions, clients, seconds, audit)
        base, _ = await _run_clients(sessions, clients, seconds, plain)
        print(
            f"{clients:>8} {rate:>10.0f} {_pct(lat, 50):>8.2f} {_pct(lat, 99):>8.2f} "
            f"{base:>10.0f} {rate / base:>6.2f}"
        )

    async with sessions() as session, session.begin():
        have = await session.scalar(sa.text("SELECT count(*) FROM audit_event")) or 0
        for _ in range(max(0, verify_lines - have)):
            await audit(session)
    async with sessions() as session:
        started = time.perf_counter()
        report = await verify_chain(session)
        took = time.perf_counter() - started
    print(
        f"verify_chain: {report.lines_checked} lines in {took:.2f} s "
        f"({report.lines_checked / took:.0f} lines/s), ok={report.ok}"
    )

    vault = Vault(MasterKeyRing.parse(new_master_key_line("bench")))

    async def new_subject(session: AsyncSession) -> None:
        await vault.new_subject(session)

    rate, _ = await _run_clients(sessions, 8, seconds, new_subject)
    print(f"vault new_subject (8 clients, committed): {rate:.0f}/s")
    async with sessions() as session:
        subject = await vault.new_subject(session)
        value = b"Example Name, Example Street 1, 1000 City"
        n = 20000
        started = time.perf_counter()
        for _ in range(n):
            ciphertext = await vault.encrypt(session, subject, "address", value)
        enc = (time.perf_counter() - started) / n * 1e6
        started = time.perf_counter()
        for _ in range(n):
            await vault.decrypt(session, subject, "address", ciphertext)
        dec = (time.perf_counter() - started) / n * 1e6
        session.info.clear()
        started = time.perf_counter()
        for _ in range(500):
            session.info.clear()
            await vault.decrypt(session, subject, "address", ciphertext)
        cold = (time.perf_counter() - started) / 500 * 1e6
    print(
        f"vault field encrypt {enc:.1f} us, decrypt {dec:.1f} us (key cached in the session), "
        f"decrypt with key fetched and unwrapped {cold:.0f} us"
    )

    hashed = hash_password("bench-password-not-secret")
    started = time.perf_counter()
    for _ in range(20):
        verify_password(hashed, "bench-password-not-secret")
    print(f"argon2id verify: {(time.perf_counter() - started) / 20 * 1000:.1f} ms")
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--verify-lines", type=int, default=20000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, embedded_postgres(Path(folder)) as admin:
        url = asyncio.run(ensure_database(admin, "bench")).set(drivername="postgresql+asyncpg")
        schema.upgrade(url)
        asyncio.run(bench(url, args.seconds, args.verify_lines))


if __name__ == "__main__":
    main()
