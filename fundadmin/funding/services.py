"""Use cases of money in and grants out: take a session, flush, never commit.

Every movement is one ledger transaction of its own kind, recorded with the record that explains
it, in the caller's unit of work:

- a realisation of a confiscation: `Dr bank  Cr earmarked/<case>, fund/victims,
  fund/support-services`, split by the country's policy (`split_confiscation`);
- an appropriation: `Dr bank  Cr fund/victims` (or the support-services fund);
- a recovery from an offender: `Dr bank  Cr fund/victims`;
- a grant to a support service: `Dr fund/support-services  Cr bank`;
- an earmark release: `Dr earmarked/<case>  Cr fund/victims`, once the policy's period is over.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

import ledger
from claims.models import Claim
from claims.personal_data import PersonalDataVault
from fundadmin.funding.errors import (
    FundingNotFound,
    InvalidFundingData,
    NotYourCountry,
    StaleOrder,
)
from fundadmin.funding.models import ConfiscationOrder, EarmarkRelease, FundMovement, Realisation
from fundadmin.ids import new_id
from ledger import EntryKind, PostingSpec, TransactionSpec
from policies import get_policy

LEDGER_SCOPE = "funding"
"""Idempotency scope of the ledger transactions recorded here (HTTP retries are answered by the
`Idempotency-Key` layer before they reach this module)."""

EARLIEST_DATE = date(2000, 1, 1)
"""No fund's books go back further: an earlier date is a typing error (1900), not history."""

ALL = "*"


@dataclass(frozen=True, slots=True)
class Writer:
    """Who records: her user id and the countries whose funds she administers (`*`: all)."""

    user_id: uuid.UUID
    countries: frozenset[str]

    def check(self, country: str) -> None:
        if not (ALL in self.countries or country in self.countries):
            raise NotYourCountry(f"you do not administer the fund of country {country}")

    def reaches(self, country: str) -> bool:
        return ALL in self.countries or country in self.countries


def _check_money(field: str, amount: Decimal, currency: str, country: str) -> None:
    home = ledger.COUNTRY_CURRENCY.get(country)
    if home is None:
        raise InvalidFundingData("country", "is not one of the funds' countries")
    if currency != home:
        raise InvalidFundingData("currency", f"the fund of {country} keeps its books in {home}")
    if amount <= 0:
        raise InvalidFundingData(field, "must be more than zero")
    if amount != amount.quantize(Decimal(1).scaleb(-ledger.MINOR_UNITS[currency])):
        raise InvalidFundingData(field, f"has more decimals than {currency} allows")


def _check_date(field: str, value: date, now: datetime) -> None:
    if value < EARLIEST_DATE:
        raise InvalidFundingData(field, f"must be on or after {EARLIEST_DATE.isoformat()}")
    if value > now.date():
        raise InvalidFundingData(field, "must not be in the future")


# Confiscations -----------------------------------------------------------------------------


async def record_confiscation(
    session: AsyncSession,
    writer: Writer,
    *,
    country: str,
    court: str,
    case_reference: str,
    ordered_on: date,
    description: str,
    estimated_value: Decimal,
    currency: str,
    now: datetime,
) -> ConfiscationOrder:
    """A court's confiscation order; no money moves until something is realised."""
    writer.check(country)
    if currency not in ledger.MINOR_UNITS:
        raise InvalidFundingData("currency", "is not a currency the ledger accepts")
    if estimated_value < 0:
        raise InvalidFundingData("estimated_value", "must not be negative")
    _check_date("ordered_on", ordered_on, now)
    order = ConfiscationOrder(
        id=new_id(),
        country=country,
        court=court,
        case_reference=case_reference,
        ordered_on=ordered_on,
        description=description,
        estimated_value=estimated_value,
        currency=currency,
        version=1,
        created_by=writer.user_id,
        created_at=now,
    )
    session.add(order)
    await session.flush()
    return order


async def confiscation(
    session: AsyncSession, countries: frozenset[str], confiscation_id: uuid.UUID
) -> ConfiscationOrder:
    """The order, if it belongs to one of `countries` (`*`: all); FundingNotFound otherwise."""
    order = await session.get(ConfiscationOrder, confiscation_id)
    if order is None or not (ALL in countries or order.country in countries):
        raise FundingNotFound("there is no such confiscation")
    return order


async def realisations(session: AsyncSession, confiscation_id: uuid.UUID) -> Sequence[Realisation]:
    return (
        await session.scalars(
            sa.select(Realisation)
            .where(Realisation.confiscation_id == confiscation_id)
            .order_by(Realisation.received_on, Realisation.id)
        )
    ).all()


async def confiscations(
    session: AsyncSession,
    countries: frozenset[str],
    *,
    country: str | None,
    case_reference: str | None,
    after: uuid.UUID | None,
    limit: int,
) -> Sequence[ConfiscationOrder]:
    """Orders of `countries`, oldest first, `limit + 1` of them (the extra says there is more)."""
    query = sa.select(ConfiscationOrder).order_by(ConfiscationOrder.id).limit(limit + 1)
    if ALL not in countries:
        query = query.where(ConfiscationOrder.country.in_(countries))
    if country is not None:
        query = query.where(ConfiscationOrder.country == country)
    if case_reference is not None:
        query = query.where(ConfiscationOrder.case_reference == case_reference)
    if after is not None:
        query = query.where(ConfiscationOrder.id > after)
    return (await session.scalars(query)).all()


def earmark_account(country: str, case_reference: str) -> ledger.AccountDefinition:
    return ledger.earmarked(country, case_reference)


def case_owner(case_reference: str) -> str:
    """Whom these use cases act for in the ledger when they move a case's earmarked money."""
    return f"case:{case_reference}"


async def _ensure_earmark(session: AsyncSession, country: str, case_reference: str) -> str:
    account = earmark_account(country, case_reference)
    await ledger.ensure_account(
        session,
        account.code,
        name=account.name,
        type=account.type,
        currency=account.currency,
        country=country,
        must_not_go_negative=True,
        owner=case_owner(case_reference),
    )
    return account.code


async def record_realisation(
    session: AsyncSession,
    writer: Writer,
    confiscation_id: uuid.UUID,
    *,
    received_on: date,
    amount: Decimal,
    currency: str,
    expected_version: int | None,
    now: datetime,
) -> Realisation:
    """Cash received from the confiscated assets, split by the country's policy on the day it
    was received, in one ledger transaction; the order's version grows by one."""
    order = await confiscation(session, writer.countries, confiscation_id)
    await session.refresh(order, with_for_update=True)
    if expected_version is not None and expected_version != order.version:
        raise StaleOrder(order.version)
    _check_money("amount", amount, currency, order.country)
    _check_date("received_on", received_on, now)
    if received_on < order.ordered_on:
        raise InvalidFundingData("received_on", "must not be before the order")
    policy = get_policy(order.country)
    split = policy.split_confiscation(amount, received_on)
    earmark = await _ensure_earmark(session, order.country, order.case_reference)
    realisation_id = new_id()
    parts = (
        (earmark, split.case_victims),
        (f"{order.country}/fund/victims", split.victims_fund),
        (f"{order.country}/fund/support-services", split.support_services),
    )
    view = await ledger.record_transaction(
        session,
        TransactionSpec(
            country=order.country,
            kind=EntryKind.CONFISCATION,
            effective_date=received_on,
            postings=(
                PostingSpec(f"{order.country}/bank", amount, currency),
                *(PostingSpec(code, -part, currency) for code, part in parts if part > 0),
            ),
            memo=f"confiscation realised in case {order.case_reference}, split: {split.reference}",
            references={
                "case": order.case_reference,
                "confiscation": str(order.id),
                "realisation": str(realisation_id),
            },
        ),
        idempotency_key=f"realisation:{realisation_id}",
        idempotency_scope=LEDGER_SCOPE,
        created_by=str(writer.user_id),
        now=now,
        owner=case_owner(order.case_reference),
    )
    realisation = Realisation(
        id=realisation_id,
        confiscation_id=order.id,
        received_on=received_on,
        amount=amount,
        currency=currency,
        case_victims=split.case_victims,
        victims_fund=split.victims_fund,
        support_services=split.support_services,
        policy_reference=split.reference,
        release_due_on=policy.earmark_release_on(received_on),
        transaction_id=view.id,
        created_by=writer.user_id,
        created_at=now,
    )
    session.add(realisation)
    order.version += 1
    await session.flush()
    return realisation


# Earmarks ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Earmark:
    """What is held for one case's victims, and what of it may be released on `as_of`."""

    country: str
    case_reference: str
    currency: str
    realised: Decimal
    """Sum of the earmarked parts of every realisation in the case."""
    available: Decimal
    """Earmarked money not yet paid, reserved or released."""
    waiting: Decimal
    """Earmarked parts of realisations whose period has not run out on `as_of`."""
    releasable: Decimal
    """available - waiting, never below zero: claims take the oldest money first."""
    next_release_on: date | None
    """When the next waiting part's period runs out."""


async def earmarks(
    session: AsyncSession, countries: frozenset[str], *, country: str | None, as_of: date
) -> list[Earmark]:
    """Every case with earmarked money in `countries`, with what is releasable on `as_of`."""
    query = (
        sa.select(
            ConfiscationOrder.country,
            ConfiscationOrder.case_reference,
            Realisation.currency,
            sa.func.sum(Realisation.case_victims).label("realised"),
            sa.func.coalesce(
                sa.func.sum(Realisation.case_victims).filter(Realisation.release_due_on > as_of),
                0,
            ).label("waiting"),
            sa.func.min(Realisation.release_due_on)
            .filter(Realisation.release_due_on > as_of)
            .label("next_release_on"),
        )
        .join(Realisation, Realisation.confiscation_id == ConfiscationOrder.id)
        .group_by(ConfiscationOrder.country, ConfiscationOrder.case_reference, Realisation.currency)
        .order_by(ConfiscationOrder.country, ConfiscationOrder.case_reference)
    )
    if ALL not in countries:
        query = query.where(ConfiscationOrder.country.in_(countries))
    if country is not None:
        query = query.where(ConfiscationOrder.country == country)
    result = []
    for row in (await session.execute(query)).all():
        balance = await ledger.account_balance(
            session, earmark_account(row.country, row.case_reference).code
        )
        result.append(
            Earmark(
                country=row.country,
                case_reference=row.case_reference,
                currency=row.currency,
                realised=row.realised,
                available=balance.available,
                waiting=row.waiting,
                releasable=max(balance.available - row.waiting, Decimal(0)),
                next_release_on=row.next_release_on,
            )
        )
    return result


async def release_earmarks(
    session: AsyncSession,
    countries: frozenset[str],
    *,
    country: str | None,
    released_by: str,
    now: datetime,
) -> list[EarmarkRelease]:
    """Release to the victims' fund what no claim of its case took within the policy's period.

    Safe to run again the same day: the ledger key of each release names its case and day, and
    a case with nothing releasable is left alone. Each release records why.
    """
    today = now.date()
    released = []
    for earmark in await earmarks(session, countries, country=country, as_of=today):
        code = earmark_account(earmark.country, earmark.case_reference).code
        # Lock the earmark and read it again: a claim may be reserving from it right now.
        balance = await ledger.locked_balance(session, code)
        amount = max(balance.available - earmark.waiting, Decimal(0))
        if amount == 0:
            continue
        reason = (
            f"earmark of case {earmark.case_reference}: {amount} {earmark.currency} of "
            f"{earmark.realised} realised for the case's victims was not claimed within "
            f"the policy's period after its realisation (fund parameter earmark_period_months, "
            f"{get_policy(earmark.country).code}); "
            f"{earmark.waiting} stays earmarked until its own period ends"
        )
        view = await ledger.record_transaction(
            session,
            TransactionSpec(
                country=earmark.country,
                kind=EntryKind.EARMARK_RELEASE,
                effective_date=today,
                postings=(
                    PostingSpec(code, amount, earmark.currency),
                    PostingSpec(f"{earmark.country}/fund/victims", -amount, earmark.currency),
                ),
                memo=f"unclaimed earmark of case {earmark.case_reference} released",
                references={"case": earmark.case_reference},
            ),
            idempotency_key=f"earmark:{earmark.country}:{earmark.case_reference}:{today}",
            idempotency_scope=LEDGER_SCOPE,
            created_by=released_by,
            now=now,
            owner=case_owner(earmark.case_reference),
        )
        release = EarmarkRelease(
            id=new_id(),
            country=earmark.country,
            case_reference=earmark.case_reference,
            amount=amount,
            currency=earmark.currency,
            released_on=today,
            reason=reason,
            transaction_id=view.id,
            released_by=released_by,
            created_at=now,
        )
        session.add(release)
        released.append(release)
    await session.flush()
    return released


# Appropriations, recoveries, grants --------------------------------------------------------


async def _movement(
    session: AsyncSession,
    writer: Writer,
    movement: FundMovement,
    *,
    postings: tuple[PostingSpec, ...],
    kind: EntryKind,
    memo: str,
    references: dict[str, str],
    now: datetime,
) -> FundMovement:
    view = await ledger.record_transaction(
        session,
        TransactionSpec(
            country=movement.country,
            kind=kind,
            effective_date=movement.effective_date,
            postings=postings,
            memo=memo,
            references={**references, kind.value: str(movement.id)},
        ),
        idempotency_key=f"{kind.value}:{movement.id}",
        idempotency_scope=LEDGER_SCOPE,
        created_by=str(writer.user_id),
        now=now,
    )
    movement.transaction_id = view.id
    session.add(movement)
    await session.flush()
    return movement


def _new_movement(
    writer: Writer,
    kind: str,
    *,
    country: str,
    effective_date: date,
    amount: Decimal,
    currency: str,
    reference: str,
    purpose: str,
    now: datetime,
) -> FundMovement:
    writer.check(country)
    _check_money("amount", amount, currency, country)
    _check_date("effective_date", effective_date, now)
    return FundMovement(
        id=new_id(),
        country=country,
        kind=kind,
        effective_date=effective_date,
        amount=amount,
        currency=currency,
        reference=reference,
        purpose=purpose,
        created_by=writer.user_id,
        created_at=now,
    )


FUNDS = {"victims": "fund/victims", "support_services": "fund/support-services"}


async def record_appropriation(
    session: AsyncSession,
    writer: Writer,
    *,
    country: str,
    effective_date: date,
    amount: Decimal,
    currency: str,
    reference: str,
    purpose: str,
    fund: str,
    now: datetime,
) -> FundMovement:
    """Money the state budget puts into the victims' fund (or the support-services fund)."""
    movement = _new_movement(
        writer,
        "appropriation",
        country=country,
        effective_date=effective_date,
        amount=amount,
        currency=currency,
        reference=reference,
        purpose=purpose,
        now=now,
    )
    movement.purpose = purpose or f"state appropriation to the {fund.replace('_', '-')} fund"
    return await _movement(
        session,
        writer,
        movement,
        postings=(
            PostingSpec(f"{country}/bank", amount, currency),
            PostingSpec(f"{country}/{FUNDS[fund]}", -amount, currency),
        ),
        kind=EntryKind.APPROPRIATION,
        memo=f"state appropriation {reference}",
        references={},
        now=now,
    )


async def record_recovery(
    session: AsyncSession,
    writer: Writer,
    vault: PersonalDataVault,
    *,
    country: str,
    effective_date: date,
    amount: Decimal,
    currency: str,
    reference: str,
    court_reference: str,
    offender_name: str,
    claim_id: uuid.UUID | None,
    case_reference: str | None,
    now: datetime,
) -> FundMovement:
    """What the state recovered from an offender for a claim or a case, into the victims' fund.

    The offender's name is stored only as ciphertext under a data key of its own (erasable
    without touching the books); it is never returned, logged or put in the ledger.
    """
    if claim_id is None and case_reference is None:
        raise InvalidFundingData("claim_id", "a recovery is for a claim or a case: name one")
    movement = _new_movement(
        writer,
        "recovery",
        country=country,
        effective_date=effective_date,
        amount=amount,
        currency=currency,
        reference=reference,
        purpose="recovery from an offender",
        now=now,
    )
    if claim_id is not None:
        claim = await session.get(Claim, claim_id)
        if claim is None or claim.country != country:
            raise InvalidFundingData("claim_id", "there is no such claim in this country")
    subject = await vault.new_subject(session)
    movement.court_reference = court_reference
    movement.case_reference = case_reference
    movement.claim_id = claim_id
    movement.offender_subject_id = subject
    movement.offender_name = await vault.encrypt(
        session, subject, "offender_name", offender_name.encode()
    )
    references = {"case": case_reference} if case_reference else {}
    if claim_id is not None:
        references["claim"] = str(claim_id)
    return await _movement(
        session,
        writer,
        movement,
        postings=(
            PostingSpec(f"{country}/bank", amount, currency),
            PostingSpec(f"{country}/fund/victims", -amount, currency),
        ),
        kind=EntryKind.RECOVERY,
        memo=f"recovery from an offender, judgment {court_reference}",
        references=references,
        now=now,
    )


async def record_grant(
    session: AsyncSession,
    writer: Writer,
    *,
    country: str,
    effective_date: date,
    amount: Decimal,
    currency: str,
    reference: str,
    organisation: str,
    purpose: str,
    now: datetime,
) -> FundMovement:
    """A grant from the support-services fund to a named organisation; the fund may not go
    below zero (PostgreSQL refuses it too)."""
    movement = _new_movement(
        writer,
        "grant",
        country=country,
        effective_date=effective_date,
        amount=amount,
        currency=currency,
        reference=reference,
        purpose=purpose,
        now=now,
    )
    movement.organisation = organisation
    return await _movement(
        session,
        writer,
        movement,
        postings=(
            PostingSpec(f"{country}/fund/support-services", amount, currency),
            PostingSpec(f"{country}/bank", -amount, currency),
        ),
        kind=EntryKind.GRANT,
        memo=f"grant {reference} to {organisation}",
        references={},
        now=now,
    )


async def movement(
    session: AsyncSession, countries: frozenset[str], kind: str, movement_id: uuid.UUID
) -> FundMovement:
    row = await session.get(FundMovement, movement_id)
    if row is None or row.kind != kind or not (ALL in countries or row.country in countries):
        raise FundingNotFound(f"there is no such {kind}")
    return row


async def movements(
    session: AsyncSession,
    countries: frozenset[str],
    kind: str,
    *,
    country: str | None,
    after: uuid.UUID | None,
    limit: int,
) -> Sequence[FundMovement]:
    """Movements of `kind` in `countries`, oldest first, `limit + 1` of them."""
    query = (
        sa.select(FundMovement)
        .where(FundMovement.kind == kind)
        .order_by(FundMovement.id)
        .limit(limit + 1)
    )
    if ALL not in countries:
        query = query.where(FundMovement.country.in_(countries))
    if country is not None:
        query = query.where(FundMovement.country == country)
    if after is not None:
        query = query.where(FundMovement.id > after)
    return (await session.scalars(query)).all()


def countries_of(codes: Iterable[str]) -> frozenset[str]:
    return frozenset(codes)
