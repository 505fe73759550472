"""Return assistance use cases: apply, record consent and assessments, approve (schedule and
reservations), pay instalments, pause, stop, follow up. Each takes the caller's session and
flushes; the request's unit of work commits the step and its ledger movement together.

The application's money sits on its own payable (`<country>/payable/return/<application>`) and
moves only through these functions.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import ColumnElement

from claims import repository
from claims.access import ALL, Actor
from claims.documents import check_document
from claims.errors import (
    ApplicationNotFound,
    ClaimantNotFound,
    ConsentDocumentNotFound,
    CountryNotInScope,
    InstalmentNotPayable,
    InvalidClaimData,
    PersonalDataErased,
    RecordsMissing,
    SecondApproverMustDiffer,
)
from claims.models import Claimant, new_id
from claims.money import check_amount, country_currency
from claims.personal_data import PersonalDataVault
from claims.returns import plan
from claims.returns.models import ReturnApplication, ReturnFollowUp, ReturnInstalment, ReturnRecord
from claims.returns.plan import RecordKind, ReturnEvent, ReturnStatus
from claims.returns.schemas import (
    ApplicationCreate,
    ApprovalIn,
    ExchangeRateIn,
    FollowUpIn,
    InstalmentPaymentIn,
    NeedsAssessmentIn,
    RiskAssessmentIn,
)
from claims.services.steps import check_version
from ledger import (
    AccountType,
    EntryKind,
    PostingSpec,
    TransactionSpec,
    account_owner,
    ensure_account,
    exchange_account,
    post_pending,
    record_transaction,
    return_payable,
    void_pending,
)
from ledger.chart import EXCHANGE_CURRENCIES
from policies import ReturnAssistanceRequest, ReturnItem, get_policy

CONSENT_FIELD = "return.consent"
"""Vault field her signed consent document is sealed under."""

LEDGER_SCOPE = "claims"
"""Idempotency scope of the ledger transactions claims records (shared with awards)."""

MAX_RATE_AGE = timedelta(days=31)
MIN_RATE, MAX_RATE = Decimal("0.0000000001"), Decimal(1000000)
"""Bounds of a plausible rate between the region's currencies; 10 decimals are stored."""
"""A recorded exchange rate older than this is refused: it no longer prices the transfer."""

Role = Literal["adviser", "administrator", "participant", "reader"]
"""`participant`: her adviser's organisation or an administrator of the paying country."""


def _countries(
    column: InstrumentedAttribute[str], countries: frozenset[str]
) -> ColumnElement[bool]:
    if ALL in countries:
        return sa.true()
    if not countries:
        return sa.false()
    return column.in_(sorted(countries))


def scope(actor: Actor, role: Role) -> ColumnElement[bool]:
    adviser = (
        ReturnApplication.organisation_id == actor.organisation_id
        if actor.is_adviser
        else sa.false()
    )
    administrator = _countries(ReturnApplication.country, actor.administrator_countries)
    if role == "adviser":
        return adviser
    if role == "administrator":
        return administrator
    if role == "participant":
        return sa.or_(adviser, administrator)
    return sa.or_(
        adviser, administrator, _countries(ReturnApplication.country, actor.auditor_countries)
    )


def owner(application: ReturnApplication) -> str:
    """Whom the application's payable answers to: the ledger moves its money only for this
    owner, and PostgreSQL keeps the owned payable from going below zero (migration 0010)."""
    owned = account_owner(_payable(application))
    assert owned is not None, "the chart derives an owner for every return payable"
    return owned


async def get_application(
    session: AsyncSession, actor: Actor, application_id: uuid.UUID, role: Role = "reader"
) -> ReturnApplication:
    row = await session.scalar(
        sa.select(ReturnApplication).where(
            ReturnApplication.id == application_id, scope(actor, role)
        )
    )
    if row is None:
        raise ApplicationNotFound()
    return row


async def _locked(
    session: AsyncSession,
    actor: Actor,
    application_id: uuid.UUID,
    role: Role,
    expected_version: int | None,
) -> ReturnApplication:
    row = await session.scalar(
        sa.select(ReturnApplication)
        .where(ReturnApplication.id == application_id, scope(actor, role))
        .with_for_update(of=ReturnApplication)
    )
    if row is None:
        raise ApplicationNotFound()
    check_version(expected_version, row.version)
    return row


def _apply(application: ReturnApplication, event: ReturnEvent, now: datetime) -> None:
    application.status = plan.transition(ReturnStatus(application.status), event).value
    application.version += 1
    application.updated_at = now


def _requested(application: ReturnApplication) -> tuple[plan.RequestedItem, ...]:
    return tuple(
        plan.RequestedItem(ReturnItem(r["item"]), Decimal(r["amount"]))
        for r in application.requested
    )


def _entitle(application: ReturnApplication, as_of: date) -> tuple[plan.GrantedItem, ...]:
    requested = _requested(application)
    costs = {r.item: r.amount for r in requested}
    entitlement = get_policy(application.country).return_assistance_entitlement(
        ReturnAssistanceRequest(
            destination_country=application.return_country,
            adults=application.adults,
            children=application.children,
            travel_cost=costs.get(ReturnItem.TRAVEL, Decimal(0)),
            documents_cost=costs.get(ReturnItem.DOCUMENTS, Decimal(0)),
            items=tuple(r.item for r in requested),
        ),
        as_of,
    )
    granted = plan.grant(requested, entitlement)
    application.granted = [
        {
            "item": g.item.value,
            "requested": str(g.requested),
            "granted": str(g.granted),
            "months": g.months,
            "reference": g.reference,
            "note": g.note,
        }
        for g in granted
    ]
    application.granted_total = sum((g.granted for g in granted), Decimal(0))
    return granted


async def create_application(
    session: AsyncSession,
    vault: PersonalDataVault,
    actor: Actor,
    data: ApplicationCreate,
    *,
    now: datetime,
) -> ReturnApplication:
    """Her adviser applies; the paying country's policy computes the entitlement at once, so
    she and her adviser see what the fund would pay before anything is decided."""
    claimant = await repository.claimant(session, data.claimant_id, actor, "adviser")
    if claimant is None:
        raise ClaimantNotFound()
    if not actor.may_file_in(data.country):
        raise CountryNotInScope(data.country)
    if "return_assistance" not in claimant.mandate_scope:
        raise InvalidClaimData("claimant_id", "her mandate does not cover return assistance")
    currency = country_currency(data.country)
    if data.return_country == data.country:
        raise InvalidClaimData("return_country", "must differ from the paying country")
    receiving = data.receiving_organisation
    if receiving.currency != currency and receiving.currency not in EXCHANGE_CURRENCIES:
        raise InvalidClaimData(
            "receiving_organisation.currency",
            f"the fund pays in {currency} or in {', '.join(EXCHANGE_CURRENCIES)}",
        )
    if data.planned_on < now.date():
        raise InvalidClaimData("planned_on", "must not be in the past")
    if data.planned_on > now.date() + timedelta(days=730):
        raise InvalidClaimData("planned_on", "must be within two years")
    seen: set[str] = set()
    for index, item in enumerate(data.items):
        check_amount(f"items[{index}].amount", item.amount, item.currency, currency)
        if item.item.value in seen:
            raise InvalidClaimData(f"items[{index}].item", "is requested twice")
        seen.add(item.item.value)
    application = ReturnApplication(
        id=new_id(),
        reference=await repository.next_reference(session, "RA", now),
        claimant_id=claimant.id,
        organisation_id=claimant.organisation_id,
        country=data.country,
        currency=currency,
        return_country=data.return_country,
        return_town=data.return_town,
        adults=data.adults,
        children=data.children,
        planned_on=data.planned_on,
        receiving_name=receiving.name,
        receiving_country=receiving.country,
        payee_currency=receiving.currency,
        receiving_bank_enc=await vault.encrypt(
            session, claimant.subject_id, "return.receiving_bank", receiving.bank_account.encode()
        ),
        requested=[
            {"item": i.item.value, "amount": str(i.amount), "currency": i.currency}
            for i in data.items
        ],
        status=ReturnStatus.APPLIED.value,
        version=1,
        created_by=actor.user_id,
        created_at=now,
        updated_at=now,
        records=[],
        instalments=[],
        follow_ups=[],
    )
    _entitle(application, now.date())
    session.add(application)
    await session.flush()
    return application


async def subject_of(session: AsyncSession, application: ReturnApplication) -> uuid.UUID:
    """Her data key: everything sealed on the application is sealed with it."""
    claimant = await session.get(Claimant, application.claimant_id)
    assert claimant is not None
    return claimant.subject_id


async def _seal(
    session: AsyncSession,
    vault: PersonalDataVault,
    application: ReturnApplication,
    field: str,
    text: str | None,
) -> bytes | None:
    if text is None:
        return None
    subject = await subject_of(session, application)
    return await vault.encrypt(session, subject, field, text.encode())


def _record(
    session: AsyncSession,
    application: ReturnApplication,
    actor: Actor,
    kind: RecordKind,
    *,
    outcome: str,
    details: dict[str, Any],
    now: datetime,
    **columns: Any,
) -> ReturnRecord:
    record = ReturnRecord(
        id=new_id(),
        application_id=application.id,
        kind=kind.value,
        outcome=outcome,
        details=details,
        recorded_by=actor.user_id,
        recorded_at=now,
        **columns,
    )
    session.add(record)
    application.records.append(record)
    return record


def latest(application: ReturnApplication, kind: RecordKind) -> ReturnRecord | None:
    records = [r for r in application.records if r.kind == kind.value]
    return records[-1] if records else None


def records_on_file(application: ReturnApplication) -> plan.RecordsOnFile:
    consent = latest(application, RecordKind.CONSENT)
    risk = latest(application, RecordKind.RISK_ASSESSMENT)
    confirmation = latest(application, RecordKind.RISK_CONFIRMATION)
    return plan.RecordsOnFile(
        consent_given=consent is not None and consent.outcome == "given",
        risk_level=risk.outcome if risk else None,
        risk_confirmed=(
            risk is not None
            and confirmation is not None
            and confirmation.recorded_at >= risk.recorded_at
            and confirmation.details.get("risk_record") == str(risk.id)
        ),
        needs_assessed=latest(application, RecordKind.NEEDS_ASSESSMENT) is not None,
    )


async def record_consent(
    session: AsyncSession,
    vault: PersonalDataVault,
    actor: Actor,
    application_id: uuid.UUID,
    *,
    content: bytes,
    expected_version: int | None,
    now: datetime,
) -> ReturnApplication:
    """Her signed consent, uploaded by her adviser (PDF, JPEG or PNG, sealed with her key)."""
    application = await _locked(session, actor, application_id, "adviser", expected_version)
    media_type = check_document(content)
    _apply(application, ReturnEvent.RECORD, now)
    subject = await subject_of(session, application)
    _record(
        session,
        application,
        actor,
        RecordKind.CONSENT,
        outcome="given",
        details={},
        now=now,
        document_media_type=media_type,
        document_sha256=hashlib.sha256(content).hexdigest(),
        document_enc=await vault.encrypt(session, subject, CONSENT_FIELD, content),
    )
    await session.flush()
    return application


async def consent_document(
    session: AsyncSession,
    vault: PersonalDataVault,
    actor: Actor,
    application_id: uuid.UUID,
    record_id: uuid.UUID,
) -> tuple[ReturnRecord, bytes]:
    """Her signed consent as uploaded, for her adviser's organisation and the paying country's
    administrators; PersonalDataErased once her key was destroyed."""
    application = await get_application(session, actor, application_id, "participant")
    record = next(
        (
            r
            for r in application.records
            if r.id == record_id and r.kind == RecordKind.CONSENT and r.document_enc is not None
        ),
        None,
    )
    if record is None or record.document_enc is None:
        raise ConsentDocumentNotFound()
    content = await vault.decrypt(
        session, await subject_of(session, application), CONSENT_FIELD, record.document_enc
    )
    if content is None:
        raise PersonalDataErased()
    return record, content


async def withdraw_consent(
    session: AsyncSession,
    vault: PersonalDataVault,
    actor: Actor,
    application_id: uuid.UUID,
    *,
    reason: str | None,
    expected_version: int | None,
    now: datetime,
) -> ReturnApplication:
    """She changed her mind: the schedule stops and every remaining reservation is voided.
    Needs no reason and is never refused while anything is still open."""
    application = await _locked(session, actor, application_id, "participant", expected_version)
    _apply(application, ReturnEvent.WITHDRAW_CONSENT, now)
    _record(
        session,
        application,
        actor,
        RecordKind.CONSENT,
        outcome="withdrawn",
        details={},
        now=now,
        notes_enc=await _seal(session, vault, application, "return.notes", reason),
    )
    await _void_remaining(session, application, actor, now)
    application.status_reason = "consent withdrawn"
    application.status_changed_by = actor.user_id
    application.status_changed_at = now
    await session.flush()
    return application


async def record_risk(
    session: AsyncSession,
    vault: PersonalDataVault,
    actor: Actor,
    application_id: uuid.UUID,
    data: RiskAssessmentIn,
    *,
    expected_version: int | None,
    now: datetime,
) -> ReturnApplication:
    application = await _locked(session, actor, application_id, "participant", expected_version)
    if data.level == "high" and not data.justification:
        raise InvalidClaimData("justification", "is required for a high risk level")
    _apply(application, ReturnEvent.RECORD, now)
    # A new assessment needs its own confirmation: an earlier one confirmed another text.
    application.risk_confirmed_by = None
    application.risk_confirmed_at = None
    _record(
        session,
        application,
        actor,
        RecordKind.RISK_ASSESSMENT,
        outcome=data.level,
        details={
            "safety_plan_in_place": data.safety_plan_in_place,
            "receiving_capacity": data.receiving_capacity,
            "justified": data.justification is not None,
        },
        now=now,
        notes_enc=await _seal(session, vault, application, "return.notes", data.justification),
    )
    await session.flush()
    return application


async def confirm_risk(
    session: AsyncSession,
    vault: PersonalDataVault,
    actor: Actor,
    application_id: uuid.UUID,
    *,
    reason: str | None,
    expected_version: int | None,
    now: datetime,
) -> ReturnApplication:
    """A second administrator confirms the written justification of a high risk level."""
    application = await _locked(session, actor, application_id, "administrator", expected_version)
    risk = latest(application, RecordKind.RISK_ASSESSMENT)
    if risk is None or risk.outcome != "high":
        raise InvalidClaimData("risk_assessment", "only a high risk level needs a confirmation")
    if risk.recorded_by == actor.user_id:
        raise SecondApproverMustDiffer()
    _apply(application, ReturnEvent.RECORD, now)
    _record(
        session,
        application,
        actor,
        RecordKind.RISK_CONFIRMATION,
        outcome="confirmed",
        details={"risk_record": str(risk.id)},
        now=now,
        notes_enc=await _seal(session, vault, application, "return.notes", reason),
    )
    application.risk_confirmed_by = actor.user_id
    application.risk_confirmed_at = now
    await session.flush()
    return application


async def record_needs(
    session: AsyncSession,
    vault: PersonalDataVault,
    actor: Actor,
    application_id: uuid.UUID,
    data: NeedsAssessmentIn,
    *,
    expected_version: int | None,
    now: datetime,
) -> ReturnApplication:
    application = await _locked(session, actor, application_id, "participant", expected_version)
    _apply(application, ReturnEvent.RECORD, now)
    _record(
        session,
        application,
        actor,
        RecordKind.NEEDS_ASSESSMENT,
        outcome="assessed",
        details={
            "housing": data.housing,
            "health_care": data.health_care,
            "counselling": data.counselling,
            "financial_assistance": data.financial_assistance,
            "job_training": data.job_training,
        },
        now=now,
        notes_enc=await _seal(session, vault, application, "return.notes", data.notes),
    )
    await session.flush()
    return application


def _check_rate(
    application: ReturnApplication, rate: ExchangeRateIn | None, field: str, today: date
) -> Decimal | None:
    """The recorded rate when the payee is paid in another currency; refused otherwise."""
    if application.payee_currency == application.currency:
        if rate is not None:
            raise InvalidClaimData(field, "is not needed: the payee is paid in the fund's currency")
        return None
    if rate is None:
        raise InvalidClaimData(
            field,
            f"is required: {application.currency} is paid out as {application.payee_currency}",
        )
    if not rate.rate.is_finite() or not MIN_RATE <= rate.rate <= MAX_RATE:
        raise InvalidClaimData(f"{field}.rate", f"must be between {MIN_RATE} and {MAX_RATE}")
    if rate.rate != rate.rate.quantize(MIN_RATE):
        raise InvalidClaimData(f"{field}.rate", "has at most 10 decimals")
    if rate.date > today or rate.date < today - MAX_RATE_AGE:
        raise InvalidClaimData(f"{field}.date", "must be within the last 31 days")
    return rate.rate


def _payable(application: ReturnApplication) -> str:
    return return_payable(application.country, str(application.id), application.payee_currency).code


def _fund(application: ReturnApplication) -> str:
    return f"{application.country}/fund/victims"


def _through_exchange(
    application: ReturnApplication,
    fund_account: str,
    fund_amount: Decimal,
    payee_account: str,
    payee_amount: Decimal,
) -> tuple[PostingSpec, ...]:
    """Reserve: `Dr fund_account  Cr payee_account`, converted through the exchange accounts
    when the payee's currency differs from the fund's (each currency balances on its own)."""
    home, foreign = application.currency, application.payee_currency
    if home == foreign:
        return (
            PostingSpec(fund_account, fund_amount, home),
            PostingSpec(payee_account, -fund_amount, home),
        )
    return (
        PostingSpec(fund_account, fund_amount, home),
        PostingSpec(exchange_account(application.country, home), -fund_amount, home),
        PostingSpec(exchange_account(application.country, foreign), payee_amount, foreign),
        PostingSpec(payee_account, -payee_amount, foreign),
    )


async def approve(
    session: AsyncSession,
    actor: Actor,
    application_id: uuid.UUID,
    data: ApprovalIn,
    *,
    expected_version: int | None,
    now: datetime,
) -> ReturnApplication:
    """Approve with all three records on file: the schedule is drawn up from the paying
    country's policy as of today and each instalment reserved from the victims' fund."""
    application = await _locked(session, actor, application_id, "administrator", expected_version)
    plan.transition(ReturnStatus(application.status), ReturnEvent.APPROVE)
    missing = plan.missing_records(records_on_file(application))
    if missing:
        raise RecordsMissing(tuple(m.value for m in missing))
    if (
        application.risk_confirmed_by == actor.user_id
        and records_on_file(application).risk_level == "high"
    ):
        raise SecondApproverMustDiffer()
    rate = _check_rate(application, data.exchange_rate, "exchange_rate", now.date())
    granted = _entitle(application, now.date())
    planned = plan.schedule(granted, application.planned_on, application.currency)
    if not planned:
        raise InvalidClaimData("items", "the policy grants nothing for the requested items")
    payable = return_payable(application.country, str(application.id), application.payee_currency)
    await ensure_account(
        session,
        payable.code,
        name=payable.name,
        type=AccountType.LIABILITY,
        currency=payable.currency,
        country=application.country,
        must_not_go_negative=payable.must_not_go_negative,
        owner=owner(application),
    )
    _apply(application, ReturnEvent.APPROVE, now)
    application.approved_by = actor.user_id
    application.approved_at = now
    application.status_reason = data.reason
    if rate is not None and data.exchange_rate is not None:
        application.approval_rate = rate
        application.approval_rate_source = data.exchange_rate.source
        application.approval_rate_date = data.exchange_rate.date
    for instalment in planned:
        if rate is None:
            amount, payee_amount = instalment.amount, instalment.amount
        else:
            conversion = plan.convert(
                instalment.amount, rate, application.currency, application.payee_currency
            )
            amount, payee_amount = conversion.fund_amount, conversion.payee_amount
        view = await record_transaction(
            session,
            TransactionSpec(
                country=application.country,
                kind=EntryKind.RETURN_ASSISTANCE,
                effective_date=now.date(),
                postings=_through_exchange(
                    application, _fund(application), amount, payable.code, payee_amount
                ),
                memo=f"return assistance {application.reference}, instalment {instalment.position}",
                references={"application": str(application.id)},
                pending=True,
                exchange_rates={application.payee_currency: rate} if rate else {},
            ),
            idempotency_key=f"return:{application.id}:reserve:{instalment.position}",
            idempotency_scope=LEDGER_SCOPE,
            created_by=actor.ledger_name,
            now=now,
            owner=owner(application),
        )
        row = ReturnInstalment(
            id=new_id(),
            application_id=application.id,
            position=instalment.position,
            due_on=instalment.due_on,
            items=[i.value for i in instalment.items],
            amount=amount,
            payee_amount=payee_amount,
            payee_currency=application.payee_currency,
            status="reserved",
            reservation_transaction_id=view.id,
        )
        session.add(row)
        application.instalments.append(row)
    await session.flush()
    return application


async def pay_instalment(
    session: AsyncSession,
    actor: Actor,
    application_id: uuid.UUID,
    position: int,
    data: InstalmentPaymentIn,
    *,
    expected_version: int | None,
    now: datetime,
) -> ReturnApplication:
    """Pay one reserved instalment to the receiving organisation, in its currency: the
    reservation is posted, then `Dr payable  Cr bank`, through the exchange accounts at the
    rate recorded now when the currencies differ."""
    application = await _locked(session, actor, application_id, "administrator", expected_version)
    plan.transition(ReturnStatus(application.status), ReturnEvent.PAY)
    instalment = next((i for i in application.instalments if i.position == position), None)
    if instalment is None:
        raise InstalmentNotPayable(position, "it is not in the schedule")
    if instalment.status != "reserved":
        raise InstalmentNotPayable(position, f"it is {instalment.status} already")
    if data.currency != instalment.payee_currency:
        raise InvalidClaimData(
            "currency", f"the receiving organisation is paid in {instalment.payee_currency}"
        )
    if data.amount != instalment.payee_amount:
        raise InvalidClaimData(
            "amount", f"instalment {position} is {instalment.payee_amount} {data.currency}"
        )
    if data.paid_on > now.date() or data.paid_on < application.approved_at.date():  # type: ignore[union-attr]
        raise InvalidClaimData("paid_on", "must be between the approval and today")
    rate = _check_rate(application, data.exchange_rate, "exchange_rate", now.date())
    fund_amount = (
        instalment.amount
        if rate is None
        else plan.at_rate(instalment.payee_amount, rate, application.currency)
    )
    await post_pending(
        session,
        instalment.reservation_transaction_id,
        actor=actor.ledger_name,
        now=now,
        owner=owner(application),
    )
    if rate is None:
        postings: tuple[PostingSpec, ...] = (
            PostingSpec(_payable(application), fund_amount, application.currency),
            PostingSpec(f"{application.country}/bank", -fund_amount, application.currency),
        )
    else:
        # The payable is in the payee's currency; the fund's bank pays its side at today's rate.
        postings = (
            PostingSpec(_payable(application), instalment.payee_amount, data.currency),
            PostingSpec(
                exchange_account(application.country, data.currency),
                -instalment.payee_amount,
                data.currency,
            ),
            PostingSpec(
                exchange_account(application.country, application.currency),
                fund_amount,
                application.currency,
            ),
            PostingSpec(f"{application.country}/bank", -fund_amount, application.currency),
        )
    view = await record_transaction(
        session,
        TransactionSpec(
            country=application.country,
            kind=EntryKind.RETURN_ASSISTANCE,
            effective_date=data.paid_on,
            postings=postings,
            memo=f"return assistance {application.reference}, instalment {position} paid",
            references={"application": str(application.id)},
            exchange_rates={data.currency: rate} if rate else {},
        ),
        idempotency_key=f"return:{application.id}:pay:{position}",
        idempotency_scope=LEDGER_SCOPE,
        created_by=actor.ledger_name,
        now=now,
        owner=owner(application),
    )
    if rate is not None:
        await _settle_exchange_difference(
            session,
            application,
            position,
            fund_amount - instalment.amount,
            paid_on=data.paid_on,
            actor=actor,
            now=now,
        )
    instalment.status = "paid"
    instalment.payment_transaction_id = view.id
    instalment.paid_on = data.paid_on
    instalment.paid_fund_amount = fund_amount
    instalment.bank_reference = data.bank_reference
    instalment.paid_by = actor.user_id
    instalment.settled_at = now
    if rate is not None and data.exchange_rate is not None:
        instalment.rate = rate
        instalment.rate_source = data.exchange_rate.source
        instalment.rate_date = data.exchange_rate.date
    _apply(application, ReturnEvent.PAY, now)
    if all(i.status == "paid" for i in application.instalments):
        _apply(application, ReturnEvent.COMPLETE, now)
    await session.flush()
    return application


async def _settle_exchange_difference(
    session: AsyncSession,
    application: ReturnApplication,
    position: int,
    difference: Decimal,
    *,
    paid_on: date,
    actor: Actor,
    now: datetime,
) -> None:
    """The instalment was reserved from the fund at the approval's rate and paid at the day's:
    `difference` (in the fund's currency; positive a loss) is left on the exchange account of
    the fund's currency. Move it to the victims' fund, so the exchange account nets to zero
    for the settled payment. It is booked on the guarded fund itself, so a loss the fund cannot
    bear is refused like any payment it cannot afford; its kind makes it a line of its own in
    the reports."""
    if not difference:
        return
    currency = application.currency
    await record_transaction(
        session,
        TransactionSpec(
            country=application.country,
            kind=EntryKind.EXCHANGE_DIFFERENCE,
            effective_date=paid_on,
            postings=(
                PostingSpec(_fund(application), difference, currency),
                PostingSpec(exchange_account(application.country, currency), -difference, currency),
            ),
            memo=f"return assistance {application.reference}, instalment {position}: "
            f"exchange {'loss' if difference > 0 else 'gain'}",
            references={"application": str(application.id)},
        ),
        idempotency_key=f"return:{application.id}:pay:{position}:exchange-difference",
        idempotency_scope=LEDGER_SCOPE,
        created_by=actor.ledger_name,
        now=now,
    )


async def _void_remaining(
    session: AsyncSession, application: ReturnApplication, actor: Actor, now: datetime
) -> None:
    for instalment in application.instalments:
        if instalment.status == "reserved":
            await void_pending(
                session,
                instalment.reservation_transaction_id,
                actor=actor.ledger_name,
                owner=owner(application),
            )
            instalment.status = "voided"
            instalment.settled_at = now


async def change_status(
    session: AsyncSession,
    actor: Actor,
    application_id: uuid.UUID,
    event: ReturnEvent,
    *,
    reason: str | None,
    expected_version: int | None,
    now: datetime,
) -> ReturnApplication:
    """Pause (reservations kept), resume, or stop (remaining reservations voided), with a reason."""
    application = await _locked(session, actor, application_id, "administrator", expected_version)
    _apply(application, event, now)
    if event is ReturnEvent.STOP:
        await _void_remaining(session, application, actor, now)
    application.status_reason = reason
    application.status_changed_by = actor.user_id
    application.status_changed_at = now
    await session.flush()
    return application


async def add_follow_up(
    session: AsyncSession,
    vault: PersonalDataVault,
    actor: Actor,
    application_id: uuid.UUID,
    data: FollowUpIn,
    *,
    expected_version: int | None,
    now: datetime,
) -> ReturnApplication:
    application = await _locked(session, actor, application_id, "participant", expected_version)
    if data.contact_on > now.date() or data.contact_on < application.planned_on:
        raise InvalidClaimData("contact_on", "must be between the planned return and today")
    if not data.contact_made and data.safe is not None:
        raise InvalidClaimData("safe", "is known only when contact was made")
    _apply(application, ReturnEvent.FOLLOW_UP, now)
    row = ReturnFollowUp(
        id=new_id(),
        application_id=application.id,
        contact_on=data.contact_on,
        contact_made=data.contact_made,
        safe=data.safe,
        situation_enc=await _seal(session, vault, application, "return.situation", data.situation),
        recorded_by=actor.user_id,
        recorded_at=now,
    )
    session.add(row)
    application.follow_ups.append(row)
    await session.flush()
    return application


MONITORED = (ReturnStatus.APPROVED.value, ReturnStatus.PAUSED.value, ReturnStatus.COMPLETED.value)


def next_follow_up(application: ReturnApplication) -> date | None:
    if application.status not in MONITORED:
        return None
    contacts = [f.contact_on for f in application.follow_ups if f.contact_made]
    ends = max((i.due_on for i in application.instalments), default=None)
    return plan.follow_up_due(application.planned_on, max(contacts, default=None), ends)


@dataclass(frozen=True, slots=True)
class ApplicationFilter:
    statuses: tuple[str, ...] = ()
    follow_up_overdue: bool | None = None


async def list_applications(
    session: AsyncSession,
    actor: Actor,
    filters: ApplicationFilter,
    *,
    today: date,
    after: uuid.UUID | None,
    limit: int,
) -> tuple[Sequence[ReturnApplication], uuid.UUID | None]:
    """A page in id order (ids are time-ordered) and the cursor of the next page."""
    condition = scope(actor, "reader")
    if filters.statuses:
        condition = sa.and_(condition, ReturnApplication.status.in_(filters.statuses))
    if filters.follow_up_overdue is not None:
        last_contact = (
            sa.select(sa.func.max(ReturnFollowUp.contact_on))
            .where(
                ReturnFollowUp.application_id == ReturnApplication.id,
                ReturnFollowUp.contact_made,
            )
            .scalar_subquery()
        )
        ends = (
            sa.select(sa.func.max(ReturnInstalment.due_on))
            .where(ReturnInstalment.application_id == ReturnApplication.id)
            .scalar_subquery()
        )
        due = sa.func.coalesce(last_contact, ReturnApplication.planned_on) + plan.FOLLOW_UP_INTERVAL
        overdue = sa.and_(
            ReturnApplication.status.in_(MONITORED),
            due < today,
            due <= sa.func.coalesce(ends, ReturnApplication.planned_on) + plan.FOLLOW_UP_INTERVAL,
        )
        condition = sa.and_(condition, overdue if filters.follow_up_overdue else sa.not_(overdue))
    if after is not None:
        condition = sa.and_(condition, ReturnApplication.id > after)
    rows = list(
        await session.scalars(
            sa.select(ReturnApplication)
            .where(condition)
            .order_by(ReturnApplication.id)
            .limit(limit + 1)
        )
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, rows[-1].id if more else None


async def receiving_bank(
    session: AsyncSession, vault: PersonalDataVault, application: ReturnApplication
) -> str | None:
    clear = await vault.decrypt(
        session,
        await subject_of(session, application),
        "return.receiving_bank",
        application.receiving_bank_enc,
    )
    return clear.decode() if clear is not None else None
