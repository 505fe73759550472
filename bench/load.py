"""Load benchmark: a realistic mix of users against two service instances on one database.

    .venv/bin/python bench/load.py [--users 50] [--seconds 60] [--think-ms 0]

Starts an embedded PostgreSQL in a temporary folder (durable commits), migrates it, starts two
`fundadmin serve` processes on it (the first seeds the demo data), and runs virtual users for a
fixed time, each request going to the two instances in turn (a round-robin load balancer):
- legal advisers (40%) register a claimant, file a claim and submit it, and answer the
  questions administrators asked;
- administrators (45%) take submitted claims into review, ask a question on one in four,
  assess, decide (one in three above the four-eyes threshold), confirm a colleague's decision,
  issue the award letter (a PDF is rendered) and pay the award;
- ministries (15%) pull the allocation report (JSON; CSV one in four).
The users hand claims to each other through queues, as colleagues do through the review queue.
Prints throughput, p50/p95/p99 per operation and every unexpected answer; then checks, straight
in the database, that every country's books balance, no guarded fund is negative, nothing was
paid beyond its award, and the audit chain verifies. Asserts nothing; exit 1 if a check fails.
"""

# ruff: noqa: E402 - the imports follow the sys.path fix below

from __future__ import annotations

import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse
import asyncio
import os
import random
import signal
import statistics
import subprocess
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import httpx
import psutil
import sqlalchemy as sa
from sqlalchemy.engine import URL

import ledger
from fundadmin import schema
from fundadmin.database import create_engine, create_session_factory
from fundadmin.embedded_postgres import embedded_postgres, ensure_database
from fundadmin.security.audit import verify_chain

FUNDADMIN = str(Path(sys.executable).parent / "fundadmin")
PASSWORD = "load-bench-password"
COUNTRIES = ("SE", "NO", "DK", "FI", "IS", "EE", "LV", "LT")
INSTANCE_PIDS: list[int] = []
FIXED_NOW = "2026-11-24T12:00:00Z"
"""The business day of the demo data (its policy figures are current then)."""


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))


@dataclass
class Board:
    """What the users hand each other: claims waiting for the next person's step."""

    submitted: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    asked: asyncio.Queue[tuple[dict[str, Any], str]] = field(default_factory=asyncio.Queue)
    answered: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    to_confirm: dict[str, asyncio.Queue[dict[str, Any]]] = field(
        default_factory=lambda: {"admin-se": asyncio.Queue(), "admin2-se": asyncio.Queue()}
    )


class Api:
    """One virtual user's HTTP calls, alternating between the instances, timed by operation."""

    def __init__(
        self, session: aiohttp.ClientSession, bases: list[str], token: str, stats: Stats
    ) -> None:
        self.session, self.bases, self.stats = session, bases, stats
        self.headers = {"Authorization": f"Bearer {token}"}
        self.turn = 0

    async def call(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        json: Any = None,
        version: int | None = None,
        money: bool = False,
        expect: int = 200,
    ) -> Any:
        headers = dict(self.headers)
        if version is not None:
            headers["If-Match"] = f'"{version}"'
        if money:
            headers["Idempotency-Key"] = uuid.uuid4().hex
        self.turn += 1
        base = self.bases[self.turn % len(self.bases)]
        started = time.perf_counter()
        try:
            async with self.session.request(method, base + path, json=json, headers=headers) as r:
                body = await r.read()
                self.stats.latencies[operation].append(time.perf_counter() - started)
                if r.status != expect:
                    self.stats.errors[operation].append(f"{r.status} {body[:160]!r}")
                    return None
                content_type = r.headers.get("content-type", "")
                return await r.json() if content_type.startswith("application/json") else body
        except (aiohttp.ClientError, TimeoutError) as exc:
            self.stats.latencies[operation].append(time.perf_counter() - started)
            self.stats.errors[operation].append(f"{type(exc).__name__} {exc}")
            return None

    async def step(
        self, operation: str, claim: dict[str, Any], action: str, body: Any = None, **kw: Any
    ) -> dict[str, Any] | None:
        return await self.call(
            operation,
            "POST",
            f"/api/v1/claims/{claim['id']}/{action}",
            json={} if body is None else body,
            version=claim["version"],
            **kw,
        )


def claimant_body(rng: random.Random) -> dict[str, Any]:
    return {
        "personal": {
            "given_names": rng.choice(["Ilze", "Anna", "Maria", "Olena"]),
            "family_name": f"Person {rng.randrange(10**6)}",
            "birth_date": "1999-04-02",
            "address": "Protected address 1, 11122 Stockholm",
            "phone": "+46 70 000 00 00",
            "email": "client@example.org",
            "bank_account": "SE45 5000 0000 0583 9825 7466",
            "statement": "I was made to work without pay.",
        },
        "preferred_language": "lv",
        "identification_status": "presumed",
        "mandate": {"signed_on": "2026-10-01", "scope": ["compensation"]},
        "confidential_address": True,
    }


def claim_body(claimant_id: str) -> dict[str, Any]:
    return {
        "claimant_id": claimant_id,
        "country": "SE",
        "offence": "trafficking",
        "crime_date": "2025-03-01",
        "crime_place": "Uppsala",
        "reported_to_police": True,
        "police_case_reference": "5000-K123456-25",
        "heads": [
            {"category": "non_material", "amount_claimed": "15000", "currency": "SEK"},
            {"category": "withheld_earnings", "amount_claimed": "8000", "currency": "SEK"},
        ],
    }


async def adviser(api: Api, board: Board, rng: random.Random, until: float, think: float) -> None:
    while time.monotonic() < until:
        if not board.asked.empty():
            claim, request_id = board.asked.get_nowait()
            path = f"/api/v1/claims/{claim['id']}/information-requests"
            await api.call("list questions", "GET", path)
            answered = await api.step(
                "answer",
                claim,
                f"information-requests/{request_id}/answer",
                {"answer": "The receipts are attached."},
            )
            if answered is not None:
                board.answered.put_nowait(answered)
        else:
            claimant = await api.call(
                "register claimant",
                "POST",
                "/api/v1/claimants",
                json=claimant_body(rng),
                expect=201,
            )
            if claimant is None:
                continue
            claim = await api.call(
                "file claim", "POST", "/api/v1/claims", json=claim_body(claimant["id"]), expect=201
            )
            if claim is None:
                continue
            claim = await api.step("submit", claim, "submit", {"reason": "Ready."})
            if claim is not None:
                board.submitted.put_nowait(claim)
        await asyncio.sleep(rng.expovariate(1 / think) if think else 0)


async def administrator(
    name: str, api: Api, board: Board, rng: random.Random, *, until: float, think: float
) -> None:
    colleague = "admin2-se" if name == "admin-se" else "admin-se"
    while time.monotonic() < until:
        mine = board.to_confirm[name]
        if not mine.empty():
            await settle(api, await api.step("confirm", mine.get_nowait(), "approvals", money=True))
        elif not board.answered.empty():
            await decide(api, board, colleague, rng, board.answered.get_nowait())
        elif not board.submitted.empty():
            claim = await api.step("review", board.submitted.get_nowait(), "review")
            if claim is None:
                continue
            if rng.random() < 0.25:
                asked = await api.step(
                    "ask question",
                    claim,
                    "information-requests",
                    {"question": "Please send the receipts."},
                    expect=201,
                )
                if asked is not None:
                    board.asked.put_nowait(
                        ({**claim, "version": claim["version"] + 1}, asked["id"])
                    )
            else:
                await decide(api, board, colleague, rng, claim)
        else:
            await api.call("review queue", "GET", "/api/v1/claims?status=submitted")
        await asyncio.sleep(rng.expovariate(1 / think) if think else 0.05)


async def decide(
    api: Api, board: Board, colleague: str, rng: random.Random, claim: dict[str, Any]
) -> None:
    claim = await api.step("assess", claim, "assessment")
    if claim is None:
        return
    above = rng.random() < 1 / 3
    awards = ("15000", "8000") if above else ("1000", "0")
    body = {
        "heads": [
            {"position": i, "awarded": a, "reason": "Set on the evidence."}
            for i, a in enumerate(awards)
        ],
        "reason": "Decided on the evidence.",
    }
    decided = await api.step("decide", claim, "decision", body, money=True)
    if decided is None:
        return
    if decided["status"] == "awaiting_confirmation":
        board.to_confirm[colleague].put_nowait(decided)
    else:
        await settle(api, decided)


async def settle(api: Api, claim: dict[str, Any] | None) -> None:
    if claim is None:
        return
    asked = await api.step("ask for letter", claim, "letter", money=True, expect=202)
    if asked is None:
        return
    claim = await letter_issued(api, claim)
    if claim is None:
        return
    paid_on = claim["letter_issued_at"][:10]
    payment = {"amount": claim["outstanding"], "currency": "SEK", "paid_on": paid_on}
    await api.step("pay", claim, "payments", payment, money=True)


async def letter_issued(
    api: Api, claim: dict[str, Any], seconds: float = 120
) -> dict[str, Any] | None:
    """Poll the claim until the letters worker has issued its letter; the wait is recorded as
    its own operation (`letter issued`), from the 202 to the claim seen `letter_issued`."""
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        await asyncio.sleep(0.5)
        current = await api.call("read claim", "GET", f"/api/v1/claims/{claim['id']}")
        if current is not None and current["status"] == "letter_issued":
            api.stats.latencies["letter issued"].append(time.perf_counter() - started)
            return dict(current)
    api.stats.errors["letter issued"].append(f"not issued within {seconds:.0f} s")
    return None


async def ministry(api: Api, rng: random.Random, until: float, think: float) -> None:
    while time.monotonic() < until:
        csv = rng.random() < 0.25
        query = "country=SE&from=2026-01-01&to=2026-12-31" + ("&format=csv" if csv else "")
        await api.call(
            "report csv" if csv else "report json", "GET", f"/api/v1/reports/allocation?{query}"
        )
        await asyncio.sleep(rng.expovariate(1 / think) if think else 0.05)


async def sign_in(bases: list[str], username: str) -> str:
    async with httpx.AsyncClient(base_url=bases[0]) as client:
        response = await client.post(
            "/api/v1/auth/token", json={"username": username, "password": PASSWORD}
        )
        response.raise_for_status()
        return str(response.json()["access_token"])


async def drive(bases: list[str], users: int, seconds: float, think: float) -> Stats:
    stats, board = Stats(), Board()
    tokens = {
        name: await sign_in(bases, name)
        for name in ("adviser-marta", "admin-se", "admin2-se", "ministry-se")
    }
    # Below uvicorn's 5 s keep-alive: a connection the server is closing is never reused.
    connector = aiohttp.TCPConnector(limit=users * 2, keepalive_timeout=3)
    timeout = aiohttp.ClientTimeout(total=60)
    until = time.monotonic() + seconds
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        tasks = []
        for index in range(users):
            rng = random.Random(index)
            share = index % 20
            if share < 8:
                api = Api(session, bases, tokens["adviser-marta"], stats)
                tasks.append(adviser(api, board, rng, until, think))
            elif share < 17:
                name = "admin-se" if index % 2 else "admin2-se"
                api = Api(session, bases, tokens[name], stats)
                tasks.append(administrator(name, api, board, rng, until=until, think=think))
            else:
                api = Api(session, bases, tokens["ministry-se"], stats)
                tasks.append(ministry(api, rng, until, think))
        await asyncio.gather(*tasks)
    return stats


async def check_invariants(url: URL) -> list[str]:
    """The books balance per country and currency, no guarded fund is below zero, no claim was
    paid beyond its award, and the audit chain verifies."""
    problems = []
    engine = create_engine(url, pool_size=1)
    try:
        async with create_session_factory(engine)() as session:
            for country in COUNTRIES:
                trial = await ledger.trial_balance(session, country)
                problems += [
                    f"{country} {t.currency} does not balance"
                    for t in trial.totals
                    if not t.balanced
                ]
            negative = await session.scalar(
                sa.text(
                    "SELECT count(*) FROM ledger_account WHERE must_not_go_negative AND CASE "
                    "WHEN type IN ('asset', 'expense') THEN posted_debits - posted_credits "
                    "ELSE posted_credits - posted_debits END < 0"
                )
            )
            if negative:
                problems.append(f"{negative} guarded accounts are negative")
            drifted = await session.scalar(
                sa.text(
                    "SELECT count(*) FROM ledger_account a LEFT JOIN ("
                    " SELECT p.account_id,"
                    "  sum(CASE WHEN p.amount > 0 THEN p.amount ELSE 0 END) AS debits,"
                    "  sum(CASE WHEN p.amount < 0 THEN -p.amount ELSE 0 END) AS credits"
                    " FROM ledger_posting p JOIN ledger_transaction t ON t.id = p.transaction_id"
                    " WHERE t.status = 'posted' GROUP BY p.account_id) s ON s.account_id = a.id "
                    "WHERE a.posted_debits <> coalesce(s.debits, 0) "
                    "OR a.posted_credits <> coalesce(s.credits, 0)"
                )
            )
            if drifted:
                problems.append(f"{drifted} accounts' balances differ from their postings")
            overpaid = await session.scalar(
                sa.text(
                    "SELECT count(*) FROM (SELECT p.claim_id, sum(p.amount) AS paid "
                    "FROM claim_payment p GROUP BY p.claim_id) s JOIN claim c ON c.id = s.claim_id "
                    "WHERE s.paid > c.awarded_total"
                )
            )
            if overpaid:
                problems.append(f"{overpaid} claims were paid beyond their award")
            chain = await verify_chain(session)
            if not chain.ok:
                problems.append(f"audit chain broken at {chain.first_broken_seq}: {chain.problem}")
            else:
                print(f"audit chain intact: {chain.lines_checked} lines")
    finally:
        await engine.dispose()
    return problems


def report(stats: Stats, seconds: float) -> None:
    total = sum(len(v) for v in stats.latencies.values())
    errors = sum(len(v) for v in stats.errors.values())
    print(
        f"\n{total} requests in {seconds:.0f} s: {total / seconds:.1f} requests/s, {errors} errors"
    )
    print(
        f"{'operation':<18} {'count':>6} {'per s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'errors':>6}"
    )
    for operation in sorted(stats.latencies):
        values = sorted(stats.latencies[operation])
        cuts = (
            statistics.quantiles(values, n=100, method="inclusive")
            if len(values) > 1
            else values * 99
        )
        print(
            f"{operation:<18} {len(values):>6} {len(values) / seconds:>7.1f} "
            f"{cuts[49] * 1000:>8.1f} {cuts[94] * 1000:>8.1f} {cuts[98] * 1000:>8.1f} "
            f"{len(stats.errors[operation]):>6}"
        )
    for operation, messages in stats.errors.items():
        for message in sorted(set(messages))[:3]:
            print(f"  {operation}: {message}")


def cpu_seconds(pgdata: Path, instance_pids: list[int]) -> dict[str, float]:
    """Cumulative CPU time of PostgreSQL's processes, the instances and this driver."""

    def total(processes: list[psutil.Process]) -> float:
        seconds = 0.0
        for process in processes:
            try:
                times = process.cpu_times()
            except psutil.NoSuchProcess:
                continue
            seconds += times.user + times.system
        return seconds

    def children(process: psutil.Process) -> list[psutil.Process]:
        try:
            return process.children(recursive=True)
        except psutil.NoSuchProcess:  # a backend that ended while its children were listed
            return []

    postgres = [
        p
        for p in psutil.process_iter(attrs=("cmdline",))
        if str(pgdata) in " ".join(p.info["cmdline"] or [])
    ]
    postgres += [c for p in postgres for c in children(p)]
    return {
        "postgres": total(list(set(postgres))),
        "instances": total([psutil.Process(pid) for pid in instance_pids]),
        "driver": total([psutil.Process()]),
    }


@contextmanager
def instances(url: URL, data_dir: Path, count: int, users: int) -> Iterator[list[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FUNDADMIN_")}
    env |= {
        # A pool as large as the users an instance serves (a request holds one connection):
        # a smaller pool makes requests queue for a connection and shed with 503 after
        # FUNDADMIN_DB_WAIT_SECONDS once the CPUs are busy (operating.md, "Figures").
        "FUNDADMIN_DB_POOL_SIZE": str(-(-users // count)),
        "DATABASE_URL": url.render_as_string(hide_password=False),
        "FUNDADMIN_DATA_DIR": str(data_dir),
        "FUNDADMIN_DEMO_PASSWORD": PASSWORD,
        "FUNDADMIN_LOG_LEVEL": "WARNING",
        "FUNDADMIN_FIXED_NOW": FIXED_NOW,
    }
    with ExitStack() as stack:
        bases = []
        for number in range(count):
            port = 18000 + number + os.getpid() % 1000 * 2
            # The first seeds the demo data and starts a letters worker beside it, as `make run`.
            demo = ["--demo", "--force", "--worker"] if number == 0 else []
            log = stack.enter_context((data_dir.parent / f"instance-{number}.log").open("w"))
            process = subprocess.Popen(  # noqa: S603 - our own command
                [FUNDADMIN, "serve", "--port", str(port), *demo],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            stack.callback(_stop, process)
            base = f"http://127.0.0.1:{port}"
            _wait_ready(process, base)
            bases.append(base)
            INSTANCE_PIDS.append(process.pid)
        yield bases


def _wait_ready(process: subprocess.Popen[bytes], base: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"an instance exited with {process.returncode}")
        try:
            if httpx.get(f"{base}/health/ready", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise SystemExit("an instance did not become ready")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--think-ms", type=float, default=0, help="mean pause between steps")
    args = parser.parse_args()
    # A SIGTERM (a timeout, a CI cancel) unwinds like Ctrl-C: the instances, their letters worker
    # and the embedded PostgreSQL are stopped and the temporary folder removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with (
        tempfile.TemporaryDirectory(prefix="fundadmin-load-") as folder,
        embedded_postgres(Path(folder) / "pg") as admin,
    ):
        url = asyncio.run(ensure_database(admin, "load")).set(drivername="postgresql+asyncpg")
        schema.upgrade(url)
        with instances(url, Path(folder) / "data", 2, args.users) as bases:
            print(f"{args.users} users for {args.seconds:.0f} s against {' and '.join(bases)}")
            print(f"machine: {os.cpu_count()} CPUs, load average before {os.getloadavg()[0]:.1f}")
            pgdata = Path(folder) / "pg"
            before = cpu_seconds(pgdata, INSTANCE_PIDS)
            stats = asyncio.run(drive(bases, args.users, args.seconds, args.think_ms / 1000))
            after = cpu_seconds(pgdata, INSTANCE_PIDS)
        report(stats, args.seconds)
        used = {part: after[part] - before[part] for part in after}
        print(
            "CPU seconds used: "
            + ", ".join(f"{part} {seconds:.1f}" for part, seconds in used.items())
            + f" (of {os.cpu_count() or 1} CPUs x {args.seconds:.0f} s)"
        )
        problems = asyncio.run(check_invariants(url))
    for problem in problems:
        print(f"INVARIANT BROKEN: {problem}")
    print("invariants hold" if not problems else "")
    if problems:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
