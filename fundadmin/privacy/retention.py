"""The retention job: erase what is due, skip what the law still requires, report counts only.

A claimant is due when every claim of hers has ended (closed or withdrawn) and, for each, the
retention period of its country (policies/retention.toml, as in force on the day of the run) has
passed since it ended. A woman registered but never claimed for (no claim, no return-assistance
application) is due once the period of every country her registering adviser files in has passed
since her registration. Confirmed erasure requests that were scheduled `when_free` are carried
out in the same run once nothing requires keeping her data. Each claimant is taken with a
row lock that a concurrent run skips, so two runs never erase the same woman twice.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from claims import PersonalDataVault
from claims.models import Claim, Claimant
from claims.returns.models import ReturnApplication
from fundadmin.privacy.erasure import erase_claimant
from fundadmin.privacy.grounds import ENDED, Ground, registration_due_on, retention_due_on
from fundadmin.privacy.models import OPEN_ERASURE_STATUSES, ErasureRequest, RetentionRun
from fundadmin.privacy.state import claim_countries, claim_states, reasons_to_keep
from fundadmin.security.audit import write_audit
from fundadmin.security.models import PersonalDataKey, RoleGrant
from fundadmin.security.principal import Role
from policies import MissingParameter
from policies.retention import retention_countries, retention_period


@dataclass
class RetentionResult:
    run: RetentionRun
    erased_subjects: list[uuid.UUID]
    """For the erasure log, written after the commit; never stored with the report."""


def _erase_after(today: date) -> Callable[[str, date], date]:
    def erase_after(country: str, ended_on: date) -> date:
        return retention_period(country, today).erase_after(ended_on)

    return erase_after


async def _candidates(session: AsyncSession) -> list[uuid.UUID]:
    """Claimants not yet erased with at least one claim, none of them still open; or with no
    claim and no return-assistance application; or with a scheduled erasure request."""
    open_claim = sa.exists().where(
        Claim.claimant_id == Claimant.id, Claim.status.not_in([s.value for s in ENDED])
    )
    any_claim = sa.exists().where(Claim.claimant_id == Claimant.id)
    any_application = sa.exists().where(ReturnApplication.claimant_id == Claimant.id)
    scheduled = sa.exists().where(
        ErasureRequest.claimant_id == Claimant.id, ErasureRequest.status == "scheduled"
    )
    rows = await session.scalars(
        sa.select(Claimant.id)
        .join(PersonalDataKey, PersonalDataKey.subject_id == Claimant.subject_id)
        .where(
            PersonalDataKey.erased_at.is_(None),
            sa.or_(
                sa.and_(any_claim, ~open_claim),
                sa.and_(~any_claim, ~any_application),
                scheduled,
            ),
        )
        .order_by(Claimant.id)
    )
    return list(rows.all())


async def _registration_countries(session: AsyncSession, claimant: Claimant) -> list[str]:
    """Where the adviser who registered her files claims (every country with a period when
    she may file anywhere, or no longer holds the role)."""
    grants = set(
        (
            await session.scalars(
                sa.select(RoleGrant.country).where(
                    RoleGrant.user_id == claimant.created_by,
                    RoleGrant.role == Role.LEGAL_ADVISER.value,
                )
            )
        ).all()
    )
    known = retention_countries()
    if not grants or "*" in grants:
        return list(known)
    return sorted(grants & set(known)) or list(known)


async def _due_on(
    session: AsyncSession, claimant: Claimant, erase_after: Callable[[str, date], date]
) -> tuple[date | None, list[str]]:
    """When she is due, and the countries her report line counts under."""
    states = await claim_states(session, claimant.id)
    if states:
        countries = sorted({s.country for s in states})
        return retention_due_on(states, erase_after), countries
    countries = await _registration_countries(session, claimant)
    return registration_due_on(claimant.created_at.date(), countries, erase_after), countries


async def run_retention(
    session: AsyncSession, vault: PersonalDataVault, *, now: datetime
) -> RetentionResult:
    """One run as of `now` (flushes; the caller commits, then records the erased subjects)."""
    today = now.date()
    erase_after = _erase_after(today)
    counts: dict[str, Counter[str]] = {}
    totals: Counter[str] = Counter()
    erased_subjects: list[uuid.UUID] = []
    for claimant_id in await _candidates(session):
        claimant = await session.scalar(
            sa.select(Claimant).where(Claimant.id == claimant_id).with_for_update(skip_locked=True)
        )
        if claimant is None:
            continue  # another run (or a request) is handling her right now
        scheduled = await session.scalar(
            sa.select(ErasureRequest).where(
                ErasureRequest.claimant_id == claimant.id,
                ErasureRequest.status == "scheduled",
            )
        )
        countries = await claim_countries(session, claimant.id) or ["--"]
        if scheduled is None:
            try:
                due, countries = await _due_on(session, claimant, erase_after)
            except MissingParameter:
                for country in countries:
                    counts.setdefault(country, Counter())["no_period"] += 1
                continue
            if due is None or due > today:
                continue
        reasons = await reasons_to_keep(session, claimant.id)
        if reasons:
            outcome = "held" if any(r.ground is Ground.LEGAL_HOLD for r in reasons) else "kept"
            if scheduled is not None:
                kept_for = sorted({r.ground.value for r in reasons})
                if kept_for != scheduled.kept_for:
                    scheduled.kept_for = kept_for
                    scheduled.version += 1
        else:
            outcome = "erased"
            erased = await erase_claimant(session, vault, claimant, now=now)
            erased_subjects.append(erased.subject_id)
            await _record_erasure(session, claimant.id, countries, scheduled, now=now)
            await write_audit(
                session,
                principal=None,
                action="claimant.erase",
                subject_type="claimant",
                subject_id=str(claimant.id),
                details={
                    "basis": "request" if scheduled is not None else "retention",
                    **erased.audit_details(),
                },
            )
        totals[outcome] += 1
        for country in countries:
            counts.setdefault(country, Counter())[outcome] += 1
    run = _report(counts, totals, now)
    session.add(run)
    await session.flush()
    await write_audit(
        session,
        principal=None,
        action="retention.run",
        subject_type="retention_run",
        subject_id=str(run.id),
        details={"erased": run.erased, "held": run.held, "kept": run.kept},
    )
    return RetentionResult(run, erased_subjects)


async def _record_erasure(
    session: AsyncSession,
    claimant_id: uuid.UUID,
    countries: list[str],
    scheduled: ErasureRequest | None,
    *,
    now: datetime,
) -> None:
    if scheduled is not None:
        scheduled.status = "erased"
        scheduled.erased_at = now
        scheduled.version += 1
        return
    # A request still waiting for its confirmation is overtaken: the job erased her anyway.
    await session.execute(
        sa.update(ErasureRequest)
        .where(
            ErasureRequest.claimant_id == claimant_id,
            ErasureRequest.status.in_(OPEN_ERASURE_STATUSES),
        )
        .values(status="cancelled", cancelled_at=now, version=ErasureRequest.version + 1)
    )
    session.add(
        ErasureRequest(
            id=uuid.uuid4(),
            claimant_id=claimant_id,
            basis="retention",
            status="erased",
            countries=[c for c in countries if c != "--"],
            requested_at=now,
            erased_at=now,
        )
    )


def _report(counts: dict[str, Counter[str]], totals: Counter[str], now: datetime) -> RetentionRun:
    """Counts per country (a woman with claims in two countries counts in both) and in all."""
    by_country: dict[str, dict[str, int | bool]] = {}
    for country, counter in sorted(counts.items()):
        entry: dict[str, int | bool] = {
            "erased": counter["erased"],
            "held": counter["held"],
            "kept": counter["kept"],
        }
        if counter["no_period"]:
            entry["no_period"] = counter["no_period"]
        try:
            period = retention_period(country, now.date())
            entry |= {"months": period.months, "verified": period.verified}
        except MissingParameter:
            pass
        by_country[country] = entry
    return RetentionRun(
        id=uuid.uuid4(),
        ran_at=now,
        erased=totals["erased"],
        held=totals["held"],
        kept=totals["kept"],
        by_country=by_country,
    )
