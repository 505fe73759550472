"""Return-assistance benchmark: approving applications and paying their instalments, against a
bare ledger transaction, in the same run.

    .venv/bin/python bench/returns.py [--applications 40]

Starts an embedded PostgreSQL in a temporary folder, migrates it, writes the demo data, then
prepares `--applications` applications from Sweden to Latvia through the services (consent,
risk and needs assessments; not timed). Then times, one at a time, each followed by its commit:
- the floor: `ledger.record_transaction` of one balanced two-posting transaction (an
  appropriation into the SE victims' fund, which also gives the fund what the approvals reserve);
- `approve`: the paying country's policy, the schedule, one reservation per instalment, the
  application's version and status (`claims.returns.services.approve`);
- `pay instalment 1`: the one-off instalment (travel and documents) paid in EUR from the SEK fund
  through the exchange accounts at a recorded rate (`services.pay_instalment`).
Prints operations per second and p50/p95/p99 latency in milliseconds, and each row's median as
a multiple of the floor's; asserts nothing. Audit lines and HTTP are not included (see
bench/security.py and bench/ledger.py for their cost).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse  # noqa: E402
import asyncio  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Awaitable, Callable  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from decimal import Decimal  # noqa: E402

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.engine import URL  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker  # noqa: E402

import ledger  # noqa: E402
from claims import Actor, PersonalDataVault  # noqa: E402
from claims.returns import services  # noqa: E402
from claims.returns.demo import record_prerequisites  # noqa: E402
from claims.returns.schemas import (  # noqa: E402
    ApplicationCreate,
    ApprovalIn,
    ExchangeRateIn,
    InstalmentPaymentIn,
    NeedsAssessmentIn,
    ReceivingOrganisationIn,
    RequestedItemIn,
)
from claims.schemas import ClaimantCreate, MandateIn, PersonalData  # noqa: E402
from claims.services import register_claimant  # noqa: E402
from fundadmin import schema  # noqa: E402
from fundadmin.api.claims_support import actor_of  # noqa: E402
from fundadmin.clock import FixedClock  # noqa: E402
from fundadmin.database import create_engine, create_session_factory  # noqa: E402
from fundadmin.demo import seed_demo_data  # noqa: E402
from fundadmin.embedded_postgres import embedded_postgres, ensure_database  # noqa: E402
from fundadmin.security.models import UserAccount  # noqa: E402
from fundadmin.security.users import principal_of  # noqa: E402
from fundadmin.security.vault import vault_from_settings  # noqa: E402
from fundadmin.settings import Settings  # noqa: E402
from ledger import EntryKind, PostingSpec, TransactionSpec  # noqa: E402
from policies import ReturnItem  # noqa: E402

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
RATE = ExchangeRateIn(Decimal("11.4700"), "bench rate", NOW.date())
CONSENT = b"%PDF-1.4\n% bench: signed consent\n"
TOP_UP = Decimal(100_000)
"""SEK each floor transaction adds to the victims' fund: more than one approval reserves."""


async def _actor(session: AsyncSession, username: str) -> Actor:
    user = await session.scalar(sa.select(UserAccount).where(UserAccount.username == username))
    assert user is not None, username
    return actor_of(principal_of(user))


async def _prepared(
    session: AsyncSession, vault: PersonalDataVault, adviser: Actor, n: int
) -> uuid.UUID:
    claimant = await register_claimant(
        session,
        vault,
        adviser,
        ClaimantCreate(
            personal=PersonalData(given_names="Bench", family_name=f"Claimant {n}"),
            preferred_language="lv",
            identification_status="identified",
            mandate=MandateIn(
                signed_on=NOW.date() - timedelta(days=30),
                scope=["compensation", "return_assistance"],
            ),
        ),
        now=NOW,
    )
    application = await services.create_application(
        session,
        vault,
        adviser,
        ApplicationCreate(
            claimant_id=claimant.id,
            country="SE",
            return_country="LV",
            return_town="Daugavpils",
            receiving_organisation=ReceivingOrganisationIn(
                name="Bench receiving shelter", country="LV", currency="EUR", bank_account="B-1"
            ),
            items=[
                RequestedItemIn(ReturnItem.TRAVEL, Decimal(2800), "SEK"),
                RequestedItemIn(ReturnItem.DOCUMENTS, Decimal(900), "SEK"),
                RequestedItemIn(ReturnItem.SUBSISTENCE, Decimal(18000), "SEK"),
                RequestedItemIn(ReturnItem.MEDICAL_CARE, Decimal(6000), "SEK"),
            ],
            planned_on=NOW.date(),
        ),
        now=NOW,
    )
    application = await record_prerequisites(
        session,
        vault,
        adviser,
        application,
        consent=CONSENT,
        needs=NeedsAssessmentIn(
            housing=False,
            health_care=True,
            counselling=True,
            financial_assistance=True,
            job_training=False,
        ),
        now=NOW,
    )
    return application.id


async def _timed(count: int, one: Callable[[int], Awaitable[None]]) -> tuple[float, list[float]]:
    latencies = []
    started = time.perf_counter()
    for n in range(count):
        begun = time.perf_counter()
        await one(n)
        latencies.append(time.perf_counter() - begun)
    return time.perf_counter() - started, latencies


def _row(name: str, count: int, seconds: float, latencies: list[float], floor: float) -> None:
    q = statistics.quantiles(sorted(latencies), n=100, method="inclusive")
    ms = [q[i] * 1000 for i in (49, 94, 98)]
    print(
        f"{name:<34} {count / seconds:9.1f} {ms[0]:8.1f} {ms[1]:8.1f} {ms[2]:8.1f}"
        f" {statistics.median(latencies) / floor:8.2f}"
    )


async def run(url: URL, settings: Settings, count: int) -> None:
    engine = create_engine(url, pool_size=2)
    sessions: async_sessionmaker[AsyncSession] = create_session_factory(engine)
    vault = vault_from_settings(settings)
    try:
        async with sessions() as session:
            adviser = await _actor(session, "adviser-marta")
            administrator = await _actor(session, "admin-se")
        ids = []
        for n in range(count):
            async with sessions() as session:
                ids.append(await _prepared(session, vault, adviser, n))
                await session.commit()

        async def floor(n: int) -> None:
            async with sessions() as session:
                await ledger.record_transaction(
                    session,
                    TransactionSpec(
                        "SE",
                        EntryKind.APPROPRIATION,
                        NOW.date(),
                        (
                            PostingSpec("SE/income/appropriation", TOP_UP, "SEK"),
                            PostingSpec("SE/fund/victims", -TOP_UP, "SEK"),
                        ),
                    ),
                    idempotency_key=f"bench-floor-{n}",
                    idempotency_scope="bench",
                    created_by="bench",
                    now=NOW,
                )
                await session.commit()

        async def approve(n: int) -> None:
            async with sessions() as session:
                await services.approve(
                    session,
                    administrator,
                    ids[n],
                    ApprovalIn(reason="Bench: prepared and voluntary.", exchange_rate=RATE),
                    expected_version=4,
                    now=NOW,
                )
                await session.commit()

        async def pay(n: int) -> None:
            async with sessions() as session:
                application = await services.get_application(session, administrator, ids[n])
                first = application.instalments[0]
                await services.pay_instalment(
                    session,
                    administrator,
                    ids[n],
                    1,
                    InstalmentPaymentIn(first.payee_amount, "EUR", NOW.date(), exchange_rate=RATE),
                    expected_version=application.version,
                    now=NOW,
                )
                await session.commit()

        floor_seconds, floor_latencies = await _timed(count, floor)
        base = statistics.median(floor_latencies)
        print(f"{'what':<34} {'per s':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'x floor':>8}")
        _row("ledger transaction (floor)", count, floor_seconds, floor_latencies, base)
        for name, work in (("approve", approve), ("pay instalment 1 (SEK -> EUR)", pay)):
            seconds, latencies = await _timed(count, work)
            _row(name, count, seconds, latencies, base)
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--applications", type=int, default=40)
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
        asyncio.run(run(url, settings, args.applications))


if __name__ == "__main__":
    main()
