"""Between a stored claim and its country's policy: the facts it is given, the record kept.

The record is what the administrator saw when she decided (proposals, trace, findings), kept
with the claim as JSON so a later change of the policy's code does not rewrite history.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from claims.models import Claim
from policies import (
    Assessment,
    ClaimFacts,
    HeadCategory,
    HeadClaim,
    PriorPayment,
    RuleApplication,
)
from policies.base import sub_kind_of

NO_PROPOSAL_LAPSED = "parameter-lapsed"
"""A yearly figure's newest value has lapsed and the new one is not entered yet."""
NO_PROPOSAL_MISSING = "parameter-not-in-force"
"""A figure the policy needs has no value on the date (or the country defines none)."""


def claim_facts(claim: Claim, application_date: date, birth_date: date | None = None) -> ClaimFacts:
    """The facts of `claim` as a policy reads them: no name, no address; her birth date only
    for the age rules (a child victim's time limit), never kept in the assessment record."""
    return ClaimFacts(
        country=claim.country,
        offence=claim.offence,
        crime_date=claim.crime_date,
        application_date=application_date,
        heads=tuple(
            HeadClaim(
                category=HeadCategory(head.category),
                amount=head.amount_claimed,
                currency=head.currency,
                sub_kind=sub_kind_of(HeadCategory(head.category), head.sub_kind),
            )
            for head in claim.heads
        ),
        reported_to_police=claim.reported_to_police,
        police_report_date=claim.police_report_date,
        judgment_date=claim.judgment_date,
        proceedings_end_date=claim.proceedings_end_date,
        victim_recognition_date=claim.victim_recognition_date,
        crime_in_country=claim.crime_in_country,
        resident_in_country=claim.resident_in_country,
        prior_payments=tuple(
            PriorPayment(
                source=payment.source,  # type: ignore[arg-type]  # checked by the table
                amount=payment.amount,
                currency=payment.currency,
                category=HeadCategory(payment.category) if payment.category else None,
            )
            for payment in claim.prior_payments
        ),
        court_awarded=claim.court_awarded,
        is_minor_at_crime=claim.is_minor_at_crime,
        claimant_birth_date=birth_date,
    )


def _trace(steps: tuple[RuleApplication, ...]) -> list[dict[str, str]]:
    return [
        {
            "rule": s.rule,
            "input": s.input,
            "effect": s.effect,
            "reference": s.reference,
            "layer": s.layer,
        }
        for s in steps
    ]


def assessment_record(
    assessment: Assessment, *, assessed_at: datetime, assessed_by: uuid.UUID
) -> dict[str, Any]:
    """The assessment as JSON (amounts as decimal strings)."""
    return {
        "country": assessment.country,
        "currency": assessment.currency,
        "as_of": assessment.as_of.isoformat(),
        "heads": [
            {
                "position": position,
                "category": str(head.category),
                "sub_kind": str(head.sub_kind) if head.sub_kind else None,
                "claimed": str(head.claimed),
                "proposed": str(head.proposed),
                "trace": _trace(head.trace),
            }
            for position, head in enumerate(assessment.heads)
        ],
        "findings": [
            {
                "code": f.code,
                "severity": f.severity,
                "message": f.message,
                "reference": f.reference,
            }
            for f in assessment.findings
        ],
        "total_proposed": str(assessment.total_proposed),
        "second_approval_threshold": str(assessment.second_approval_threshold),
        "requires_second_approval": assessment.requires_second_approval,
        "trace": _trace(assessment.trace),
        "assessed_at": assessed_at.isoformat(),
        "assessed_by": str(assessed_by),
    }


def no_proposal_record(
    claim: Claim,
    as_of: date,
    *,
    code: str,
    reason: str,
    threshold: Decimal,
    assessed_at: datetime,
    assessed_by: uuid.UUID,
) -> dict[str, Any]:
    """An assessment that could make no proposal: the heads as claimed, and why."""
    return {
        "country": claim.country,
        "currency": claim.currency,
        "as_of": as_of.isoformat(),
        "heads": [
            {
                "position": head.position,
                "category": head.category,
                "sub_kind": head.sub_kind,
                "claimed": str(head.amount_claimed),
                "proposed": None,
                "trace": [],
            }
            for head in claim.heads
        ],
        "findings": [
            {
                "code": "no_proposal",
                "severity": "attention",
                "message": reason + "; decide by hand, with a reason for every head",
                "reference": "DESIGN.md principle 1: a missing figure stops the proposal, "
                "never the claim",
            }
        ],
        "total_proposed": None,
        "second_approval_threshold": str(threshold),
        "requires_second_approval": False,
        "trace": [],
        "assessed_at": assessed_at.isoformat(),
        "assessed_by": str(assessed_by),
        "no_proposal_code": code,
        "no_proposal_reason": reason,
    }
