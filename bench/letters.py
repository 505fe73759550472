"""Letters benchmark: award letters per second and peak memory, against bare WeasyPrint.

    .venv/bin/python bench/letters.py [--letters 48]

Measures, in one run:
- `bare WeasyPrint` (the floor): WeasyPrint alone turning the letter's finished HTML and the same
  stylesheet and fonts into a PDF, with no tagging;
- `service renderer`: what the service does per letter (`fundadmin.letters.pdf.letter_pdf`:
  Jinja2 template in both languages, Babel formatting, PDF/UA tagging);
  both on the same two-language Swedish decision letter (Latvian and Swedish, two heads);
- `queue, 1 worker` and `queue, 2 workers`: the real path. An embedded PostgreSQL in a temporary
  folder, migrated and seeded; 1 or 2 `fundadmin worker` processes, started, registered and each
  warmed by one letter of its own beforehand (as the rows above render once untimed); then
  `--letters` Swedish claims decided through the services (not timed), their letters queued one
  job each and issued by the workers: vault reads, rendering, encrypted storage, the award booked
  and the claim moved on. Timed from the start of the queueing to the last job succeeded.
  Too few letters per row favour one worker: two end together only up to one letter's time.
Each row: letters per second, p50/p95/p99 latency of one letter (not for the queue rows: the
workers time nothing), and the peak resident memory of the process(es) that rendered. Prints
figures; asserts nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import asyncio
import os
import resource
import signal
import statistics
import subprocess
import tempfile
import time
import uuid
from datetime import UTC, datetime
from importlib import resources

import procrastinate
import sqlalchemy as sa
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncSession
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from claims.demo import ADVISER, _actors, _decision, _Demo, _heads
from fundadmin import schema
from fundadmin.clock import FixedClock
from fundadmin.database import create_engine, create_session_factory
from fundadmin.demo import seed_demo_data
from fundadmin.embedded_postgres import embedded_postgres, ensure_database
from fundadmin.letters.fonts import font_face_css
from fundadmin.letters.pdf import letter_html, letter_pdf
from fundadmin.letters.queue import job_statuses, queue_app, queue_pending_letters
from fundadmin.security.vault import vault_from_settings
from fundadmin.settings import Settings
from tests.letters.factories import facts

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
FUNDADMIN = str(Path(sys.executable).parent / "fundadmin")

VERIFY_URL = "https://funds.example/api/v1/letters/verify"


def _percentiles(latencies: list[float]) -> str:
    q = statistics.quantiles(sorted(latencies), n=100, method="inclusive")
    return f"{q[49] * 1000:7.0f} {q[94] * 1000:7.0f} {q[98] * 1000:7.0f}"


def _peak_mib(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def _row(name: str, count: int, seconds: float, latencies: list[float], mib: float) -> None:
    print(f"{name:<18} {count / seconds:9.2f} {_percentiles(latencies)} {mib:10.0f}")


def _bare(html: str, count: int) -> tuple[float, list[float]]:
    fonts = FontConfiguration()
    text = resources.files("fundadmin.letters").joinpath("templates/letter.css").read_text()
    css = CSS(string=f"{font_face_css()}\n{text}", font_config=fonts)
    HTML(string=html).write_pdf(stylesheets=[css], font_config=fonts)  # warm up
    latencies = []
    start = time.perf_counter()
    for _ in range(count):
        t = time.perf_counter()
        HTML(string=html).write_pdf(stylesheets=[css], font_config=fonts)
        latencies.append(time.perf_counter() - t)
    return time.perf_counter() - start, latencies


def _service(count: int) -> tuple[float, list[float]]:
    letter = facts("SE", ("lv", "sv"))
    letter_pdf(letter, verify_url=VERIFY_URL)  # warm up
    latencies = []
    start = time.perf_counter()
    for _ in range(count):
        t = time.perf_counter()
        letter_pdf(letter, verify_url=VERIFY_URL)
        latencies.append(time.perf_counter() - t)
    return time.perf_counter() - start, latencies


async def _decided(url: URL, settings: Settings, count: int, *, first: int) -> None:
    """`count` Swedish claims decided below the four-eyes threshold, waiting for their letter."""
    engine = create_engine(url, pool_size=1)
    try:
        async with create_session_factory(engine)() as session:
            demo = _Demo(session, vault_from_settings(settings), await _actors(session), NOW)
            for n in range(first, first + count):
                claimant = await demo.claimant(n, "lv")
                claim = await demo.claim(claimant, "SE", _heads("SEK", "40000", "5000", "10000"))
                await demo.run(
                    claim,
                    ("submit", ADVISER, {}),
                    ("start_review", "admin-se", {}),
                    ("assess", "admin-se", {}),
                    ("make_decision", "admin-se", {"data": _decision("40000", "5000", "0")}),
                )
            await session.commit()
    finally:
        await engine.dispose()


def _peak_of(pid: int) -> float:
    """Peak resident memory (VmHWM) of a running process, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def _issue_all(app: procrastinate.App, session: AsyncSession, count: int) -> list[int]:
    """Queue the letter of every decided claim (`count` of them) and wait until all are issued;
    the jobs' ids."""
    admin = await session.scalar(sa.text("SELECT id FROM user_account WHERE username = 'admin-se'"))
    assert isinstance(admin, uuid.UUID)
    job_ids = list(await queue_pending_letters(app, session, "SE", admin))
    await session.rollback()
    assert len(job_ids) == count, job_ids
    while True:
        statuses = await job_statuses(app, job_ids)
        if all(s in ("succeeded", "failed") for s in statuses.values()):
            break
        await asyncio.sleep(0.05)
    assert set(statuses.values()) == {"succeeded"}, statuses
    return job_ids


async def _warm_up(
    app: procrastinate.App, session: AsyncSession, url: URL, settings: Settings, *, first: int
) -> None:
    """Let every worker issue letters until each has issued one: a worker's first letter loads
    templates, catalogues and fonts, as the other rows' untimed first rendering does."""
    workers = len(await _worker_ids(app))
    warmed: set[int] = set()
    for round_ in range(10):
        await _decided(url, settings, workers, first=first + round_ * workers)
        job_ids = await _issue_all(app, session, workers)
        rows = await app.connector.execute_query_all_async(
            "SELECT DISTINCT worker_id FROM procrastinate_jobs WHERE id = ANY(%(ids)s)", ids=job_ids
        )
        warmed |= {row["worker_id"] for row in rows}
        if len(warmed) >= workers:
            return
    print(f"note: only {len(warmed)} of {workers} workers took a warm-up letter")


async def _worker_ids(app: procrastinate.App) -> list[int]:
    rows = await app.connector.execute_query_all_async("SELECT id FROM procrastinate_workers")
    return [row["id"] for row in rows]


async def _queue_row(
    url: URL,
    settings: Settings,
    processes: list[subprocess.Popen[bytes]],
    count: int,
    *,
    first: int,
) -> tuple[float, float]:
    """Seconds for the worker `processes` to issue `count` letters, from the start of their
    queueing to the last one issued, and the processes' summed peak memory; the processes are
    ended after."""
    workers = len(processes)
    app = queue_app(url)
    engine = create_engine(url, pool_size=1)
    try:
        async with app.open_async(), create_session_factory(engine)() as session:
            while len(await _worker_ids(app)) < workers:  # fonts checked, registered: not timed
                assert all(p.poll() is None for p in processes), "a worker did not start"
                await asyncio.sleep(0.1)
            await _warm_up(app, session, url, settings, first=first)
            await _decided(url, settings, count, first=first + 100)
            start = time.perf_counter()
            await _issue_all(app, session, count)
            seconds = time.perf_counter() - start
            peak = sum(_peak_of(p.pid) for p in processes)
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=60)
        await engine.dispose()
    return seconds, peak


def _queue_rows(count: int) -> list[tuple[int, float, float]]:
    with (
        tempfile.TemporaryDirectory(prefix="fundadmin-bench-") as folder,
        embedded_postgres(Path(folder)) as admin,
    ):
        url = asyncio.run(ensure_database(admin, "bench")).set(drivername="postgresql+asyncpg")
        schema.upgrade(url)
        settings = Settings(data_dir=Path(folder) / "app", database_url=None, fixed_now=NOW)

        async def seed() -> None:
            engine = create_engine(url, pool_size=1)
            try:
                await seed_demo_data(create_session_factory(engine), settings, FixedClock(NOW))
            finally:
                await engine.dispose()

        asyncio.run(seed())
        env = {k: v for k, v in os.environ.items() if not k.startswith("FUNDADMIN_")}
        env.update(
            DATABASE_URL=url.render_as_string(hide_password=False),
            FUNDADMIN_DATA_DIR=str(settings.data_dir),
            FUNDADMIN_FIXED_NOW=NOW.isoformat(),
            FUNDADMIN_LOG_LEVEL="WARNING",
        )
        rows = []
        for workers in (1, 2):
            processes = [
                subprocess.Popen(  # noqa: S603 - our own command
                    [FUNDADMIN, "worker"],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.STDOUT,
                )
                for _ in range(workers)
            ]
            seconds, peak = asyncio.run(
                _queue_row(url, settings, processes, count, first=10_000 * workers)
            )
            rows.append((workers, seconds, peak))
        return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=48, help="letters per row")
    count = parser.parse_args().letters
    html = letter_html(facts("SE", ("lv", "sv")), verify_url=VERIFY_URL)
    print(f"machine: {os.cpu_count()} CPUs; {count} letters per row (lv + sv, 2 heads)")
    print(f"{'':<18} {'letters/s':>9} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'peak MiB':>10}")
    seconds, latencies = _bare(html, count)
    _row("bare WeasyPrint", count, seconds, latencies, _peak_mib())
    floor = count / seconds
    seconds, latencies = _service(count)
    _row("service renderer", count, seconds, latencies, _peak_mib())
    service = count / seconds
    one = 0.0
    for workers, seconds, mib in _queue_rows(count):
        name = f"queue, {workers} worker{'s' if workers > 1 else ''}"
        print(f"{name:<18} {count / seconds:9.2f} {'':>7} {'':>7} {'':>7} {mib:10.0f}")
        one = one or count / seconds
        if workers == 2:
            print(f"\nservice renderer / bare WeasyPrint: {service / floor:.0%}")
            print(f"2 workers / 1 worker:               {count / seconds / one:.2f}x")
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
