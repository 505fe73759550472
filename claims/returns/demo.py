"""Demo return: a woman returning from Sweden to Latvia, approved and partly paid in EUR.

Written through the services, so it obeys every rule real data obeys (consent and assessments
before approval, reservations, exchange at a recorded rate). Names are invented and marked demo.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from claims.access import Actor
from claims.personal_data import PersonalDataVault
from claims.returns import services
from claims.returns.models import ReturnApplication
from claims.returns.schemas import (
    ApplicationCreate,
    ApprovalIn,
    ExchangeRateIn,
    InstalmentPaymentIn,
    NeedsAssessmentIn,
    ReceivingOrganisationIn,
    RequestedItemIn,
    RiskAssessmentIn,
)
from claims.schemas import ClaimantCreate, MandateIn, PersonalData
from claims.services import register_claimant
from policies import ReturnItem

DEMO_CONSENT = b"%PDF-1.4\n% demo: signed consent to a voluntary return\n"
DEMO_RATE = Decimal("11.4700")
"""SEK per EUR, a demo figure, not a market rate."""


async def record_prerequisites(
    session: AsyncSession,
    vault: PersonalDataVault,
    adviser: Actor,
    application: ReturnApplication,
    *,
    consent: bytes,
    needs: NeedsAssessmentIn,
    now: datetime,
) -> ReturnApplication:
    """Her consent, a medium-risk assessment with a safety plan, and `needs`: what approval
    requires, recorded as her adviser would (the demo and the returns benchmark share it)."""
    application = await services.record_consent(
        session,
        vault,
        adviser,
        application.id,
        content=consent,
        expected_version=application.version,
        now=now,
    )
    application = await services.record_risk(
        session,
        vault,
        adviser,
        application.id,
        RiskAssessmentIn("medium", safety_plan_in_place=True, receiving_capacity="adequate"),
        expected_version=application.version,
        now=now,
    )
    return await services.record_needs(
        session,
        vault,
        adviser,
        application.id,
        needs,
        expected_version=application.version,
        now=now,
    )


async def seed_return(
    session: AsyncSession,
    vault: PersonalDataVault,
    adviser: Actor,
    administrator: Actor,
    now: datetime,
) -> str:
    claimant = await register_claimant(
        session,
        vault,
        adviser,
        ClaimantCreate(
            personal=PersonalData(given_names="Demo", family_name="Returning claimant"),
            preferred_language="lv",
            identification_status="identified",
            mandate=MandateIn(
                signed_on=now.date() - timedelta(days=30),
                scope=["compensation", "return_assistance"],
            ),
        ),
        now=now,
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
                name="Demo receiving shelter, Daugavpils",
                country="LV",
                currency="EUR",
                bank_account="DEMO-LV-ACCOUNT-0001",
            ),
            items=[
                RequestedItemIn(ReturnItem.TRAVEL, Decimal(2800), "SEK"),
                RequestedItemIn(ReturnItem.DOCUMENTS, Decimal(900), "SEK"),
                RequestedItemIn(ReturnItem.SUBSISTENCE, Decimal(18000), "SEK"),
                RequestedItemIn(ReturnItem.HOUSING, Decimal(12000), "SEK"),
            ],
            planned_on=now.date(),
        ),
        now=now,
    )
    application = await record_prerequisites(
        session,
        vault,
        adviser,
        application,
        consent=DEMO_CONSENT,
        needs=NeedsAssessmentIn(
            housing=True,
            health_care=True,
            counselling=True,
            financial_assistance=True,
            job_training=True,
        ),
        now=now,
    )
    rate = ExchangeRateIn(DEMO_RATE, "demo rate", now.date())
    application = await services.approve(
        session,
        administrator,
        application.id,
        ApprovalIn(reason="Demo: prepared and voluntary.", exchange_rate=rate),
        expected_version=application.version,
        now=now,
    )
    first = application.instalments[0]
    await services.pay_instalment(
        session,
        administrator,
        application.id,
        1,
        InstalmentPaymentIn(first.payee_amount, "EUR", now.date(), exchange_rate=rate),
        expected_version=application.version,
        now=now,
    )
    return "demo return: Sweden to Latvia, approved, travel paid in EUR, monthly support reserved"
