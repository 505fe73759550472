"""Rows to wire Structs. Lists carry no personal data; one application's view carries the
receiving organisation's bank account only when the caller asked for it (and it was audited)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from claims.returns import plan, schemas
from claims.returns.models import ReturnApplication
from claims.returns.plan import ReturnStatus
from claims.returns.services import next_follow_up, records_on_file


def _overdue(application: ReturnApplication, today: date) -> tuple[date | None, bool]:
    due = next_follow_up(application)
    return due, due is not None and due < today


def application_view(
    application: ReturnApplication, *, today: date, bank_account: str | None = None
) -> schemas.Application:
    due, overdue = _overdue(application, today)
    status = ReturnStatus(application.status)
    return schemas.Application(
        id=application.id,
        reference=application.reference,
        claimant_id=application.claimant_id,
        status=application.status,
        country=application.country,
        currency=application.currency,
        return_country=application.return_country,
        return_town=application.return_town,
        adults=application.adults,
        children=application.children,
        planned_on=application.planned_on,
        receiving_organisation=schemas.ReceivingOrganisationView(
            name=application.receiving_name,
            country=application.receiving_country,
            currency=application.payee_currency,
            bank_account=bank_account,
        ),
        requested=[
            schemas.RequestedItemView(r["item"], Decimal(r["amount"]), r["currency"])
            for r in application.requested
        ],
        granted=[
            schemas.GrantedItemView(
                g["item"],
                Decimal(g["requested"]),
                Decimal(g["granted"]),
                g["months"],
                g["reference"],
                g["note"],
            )
            for g in application.granted
        ],
        granted_total=application.granted_total,
        missing_records=[m.value for m in plan.missing_records(records_on_file(application))]
        if status is ReturnStatus.APPLIED
        else [],
        records=[
            schemas.RecordView(
                r.id, r.kind, r.outcome, r.details, r.recorded_by, r.recorded_at, r.document_sha256
            )
            for r in application.records
        ],
        instalments=[
            schemas.InstalmentView(
                position=i.position,
                due_on=i.due_on,
                items=list(i.items),
                amount=i.amount,
                currency=application.currency,
                payee_amount=i.payee_amount,
                payee_currency=i.payee_currency,
                status=i.status,
                paid_on=i.paid_on,
                paid_fund_amount=i.paid_fund_amount,
                rate=i.rate,
                rate_source=i.rate_source,
                rate_date=i.rate_date,
                reservation_transaction_id=i.reservation_transaction_id,
                payment_transaction_id=i.payment_transaction_id,
            )
            for i in application.instalments
        ],
        follow_ups=[
            schemas.FollowUpView(f.contact_on, f.contact_made, f.safe, f.recorded_by, f.recorded_at)
            for f in application.follow_ups
        ],
        next_follow_up_due=due,
        follow_up_overdue=overdue,
        approval_rate=application.approval_rate,
        approved_by=application.approved_by,
        approved_at=application.approved_at,
        status_reason=application.status_reason,
        allowed_events=sorted(e.value for (s, e) in plan.TRANSITIONS if s is status),
        created_at=application.created_at,
        version=application.version,
    )


def application_summaries(
    rows: Sequence[ReturnApplication], *, today: date
) -> list[schemas.ApplicationSummary]:
    items = []
    for row in rows:
        due, overdue = _overdue(row, today)
        items.append(
            schemas.ApplicationSummary(
                id=row.id,
                reference=row.reference,
                status=row.status,
                country=row.country,
                return_country=row.return_country,
                planned_on=row.planned_on,
                missing_records=[m.value for m in plan.missing_records(records_on_file(row))]
                if row.status == ReturnStatus.APPLIED.value
                else [],
                next_follow_up_due=due,
                follow_up_overdue=overdue,
            )
        )
    return items
