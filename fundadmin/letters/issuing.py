"""Issuing a decision letter: the claims step with the PDF renderer, and its audit lines.

One function for both ways a letter is issued, an administrator's request and a worker's job,
so both store, book and audit the same way inside the caller's transaction. A worker first
prepares the letter (`prepare_letter`), rendering it before that transaction begins.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from claims import ClaimsError, PersonalDataVault, services
from claims.models import Claim
from fundadmin.api.claims_support import actor_of
from fundadmin.letters.service import (
    PreparedLetter,
    StoredLetterRenderer,
    decision_facts,
    render_letter,
    verify_url,
)
from fundadmin.letters.verification import new_verification_code
from fundadmin.security.audit import write_audit
from fundadmin.security.principal import Principal


async def issue_and_audit(
    session: AsyncSession,
    principal: Principal,
    claim_id: uuid.UUID,
    *,
    vault: PersonalDataVault,
    public_url: str,
    now: datetime,
    expected_version: int | None,
    reason: str | None,
    remote_addr: str | None,
    prepared: PreparedLetter | None = None,
) -> Claim:
    renderer = StoredLetterRenderer(session, vault, verify_url(public_url), prepared)
    claim = await services.issue_letter(
        session,
        actor_of(principal),
        claim_id,
        expected_version=expected_version,
        reason=reason,
        now=now,
        renderer=renderer,
    )
    for letter in renderer.issued:
        # Her name, address (unless confidential) and bank account were read to write it.
        await write_audit(
            session,
            principal=principal,
            action="claim.letter.issue",
            subject_type="claim",
            subject_id=str(claim.id),
            remote_addr=remote_addr,
            details={
                "version": letter.version,
                "sha256": letter.sha256,
                "verification_code": letter.verification_code,
            },
        )
    return claim


async def prepare_letter(
    session: AsyncSession,
    principal: Principal,
    claim_id: uuid.UUID,
    *,
    vault: PersonalDataVault,
    public_url: str,
    now: datetime,
) -> PreparedLetter | None:
    """The claim's decision letter as it would be issued now, rendered from a read without a
    lock; None when the claim cannot be issued (the issuing transaction then says why). Ends the
    session's transaction before rendering, so no snapshot or lock is held meanwhile."""
    try:
        notice = await services.letter_notice(session, actor_of(principal), claim_id, now=now)
        facts = await decision_facts(
            session, vault, notice, verification_code=new_verification_code()
        )
    except ClaimsError:
        return None
    finally:
        await session.rollback()
    return PreparedLetter(facts, await render_letter(facts, verify_url=verify_url(public_url)))
