"""What the claim page adds for the people who work on the claim: its requests for information
with their answers, whether her adviser may add evidence, and what happens next, in plain words
(English here, marked for the catalogues; the templates translate them, fundadmin.web.i18n).

The answers are personal data: a page that shows one is audited as the API's
GET /claims/{id}/information-requests is (auditors, who would need a break-glass reason, are
shown none here). The questions are the fund's own words, so a page with open questions only is
not an audited read.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from sqlalchemy.ext.asyncio import AsyncSession

from claims import services, views
from claims.documents import MAX_DOCUMENT_BYTES
from claims.models import Claim
from claims.workflow import ClaimStatus
from fundadmin.api.claims_support import actor_of, vault_of
from fundadmin.api.steps import audit
from fundadmin.database import unit_of_work
from fundadmin.security.principal import Principal, Role
from fundadmin.web.i18n import n_

NEXT_FOR_ADVISER: dict[ClaimStatus, str] = {
    ClaimStatus.DRAFT: n_(
        "The claim is a draft: add evidence, then submit it. Nobody at the fund "
        "sees it before you submit."
    ),
    ClaimStatus.SUBMITTED: n_(
        "The fund has the claim. An administrator of the deciding country "
        "takes it into review; you can still add evidence."
    ),
    ClaimStatus.UNDER_REVIEW: n_(
        "An administrator is reviewing the claim. She may ask you for "
        "information; the request will appear on this page."
    ),
    ClaimStatus.INFORMATION_REQUESTED: n_(
        "The administrator needs information from you: answer "
        "the open request below. The review goes on once you answer."
    ),
    ClaimStatus.ASSESSED: n_(
        "The country's policy has proposed an amount. An administrator "
        "decides next, with a reason for each head of damage."
    ),
    ClaimStatus.AWAITING_SECOND_APPROVAL: n_(
        "The decision is above the amount one administrator "
        "may award alone: a second administrator confirms it next."
    ),
    ClaimStatus.DECIDED: n_(
        "The claim is decided. The fund issues the decision letter next; you "
        "will be able to download it here."
    ),
    ClaimStatus.LETTER_ISSUED: n_(
        "The decision letter is issued: download it below and explain it "
        "to her. The fund pays the award next."
    ),
    ClaimStatus.PARTLY_PAID: n_("Part of the award is paid; the fund pays the rest."),
    ClaimStatus.PAID: n_(
        "The award is paid in full. The claim is closed once nothing is left to settle."
    ),
    ClaimStatus.APPEALED: n_("The decision is under appeal: the fund reviews it again."),
    ClaimStatus.CLOSED: n_("The claim is closed; nothing more happens."),
    ClaimStatus.WITHDRAWN: n_("The claim was withdrawn; nothing more happens."),
}
"""For the adviser: where the claim stands and who acts next (the administrators' page shows
the steps they can take)."""

ACTS_NEXT: dict[str, str] = {
    status.value: n_("you")
    if status in (ClaimStatus.DRAFT, ClaimStatus.INFORMATION_REQUESTED)
    else n_("nobody")
    if status in (ClaimStatus.CLOSED, ClaimStatus.WITHDRAWN)
    else n_("the fund")
    for status in ClaimStatus
}
"""Who moves each status on, in the adviser's list of claims (the claim page says how)."""

READERS_OF_ANSWERS = {Role.LEGAL_ADVISER, Role.ADMINISTRATOR}


async def sections(
    request: Request[Any, Any, Any],
    session: AsyncSession,
    principal: Principal,
    claim: Claim,
) -> dict[str, Any]:
    """The page's evidence, requests for information and next step for `principal`."""
    actor = actor_of(principal)
    adviser = Role.LEGAL_ADVISER in principal.roles
    information = []
    if principal.roles & READERS_OF_ANSWERS:
        async with unit_of_work(session):
            exchanges = await services.information_requests(
                session, vault_of(request.app.state), actor, claim.id
            )
            if any(e.answer is not None for e in exchanges):
                await audit(
                    session,
                    request,
                    principal,
                    action="claim.information.read",
                    subject_type="claim",
                    subject_id=claim.id,
                )
        information = [views.information_view(e) for e in exchanges]
    status = ClaimStatus(claim.status)
    return {
        "information": information,
        "next_for_adviser": NEXT_FOR_ADVISER[status] if adviser else None,
        "takes_evidence": adviser and status not in (ClaimStatus.WITHDRAWN, ClaimStatus.CLOSED),
        "max_document_mb": MAX_DOCUMENT_BYTES // (1024 * 1024),
    }
