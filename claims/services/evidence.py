"""Evidence and requests for information: documents sealed with the claimant's key, questions
from the administrator and the adviser's answers."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from claims import repository
from claims.access import Actor
from claims.documents import MAX_DOCUMENT_BYTES, check_document
from claims.errors import (
    DocumentNotFound,
    InformationRequestNotFound,
    InvalidClaimData,
    PersonalDataErased,
)
from claims.models import Claimant, Document, InformationRequest, new_id
from claims.personal_data import PersonalDataVault
from claims.services.steps import get_claim, locked_claim, plan, record_step, touch
from claims.workflow import ClaimEvent, ClaimStatus


async def store_document(
    session: AsyncSession,
    vault: PersonalDataVault,
    actor: Actor,
    claimant: Claimant,
    *,
    claim_id: uuid.UUID | None,
    filename: str,
    content: bytes,
    max_bytes: int,
    now: datetime,
) -> Document:
    """Seal `content` with the claimant's key, once its type and size are checked."""
    media_type = check_document(content, max_bytes=max_bytes)
    if await vault.is_erased(session, claimant.subject_id):
        raise PersonalDataErased()
    subject = claimant.subject_id
    document = Document(
        id=new_id(),
        claimant_id=claimant.id,
        claim_id=claim_id,
        kind="evidence" if claim_id else "mandate",
        media_type=media_type,
        size_bytes=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        filename_enc=await vault.encrypt(session, subject, "document.filename", filename.encode()),
        content_enc=await vault.encrypt(session, subject, "document.content", content),
        uploaded_by=actor.user_id,
        uploaded_at=now,
    )
    session.add(document)
    await session.flush()
    return document


async def documents(session: AsyncSession, actor: Actor, claim_id: uuid.UUID) -> Sequence[Document]:
    claim = await get_claim(session, actor, claim_id)
    return await repository.documents(session, claim_id=claim.id)


async def open_document(
    session: AsyncSession,
    vault: PersonalDataVault,
    actor: Actor,
    claim_id: uuid.UUID,
    document_id: uuid.UUID,
) -> tuple[Document, bytes | None]:
    """The document and its clear content (None once the claimant has been erased)."""
    claim = await get_claim(session, actor, claim_id)
    document = await repository.document(session, document_id, claim_id=claim.id)
    if document is None:
        raise DocumentNotFound()
    claimant = await session.get(Claimant, claim.claimant_id)
    assert claimant is not None
    content = await vault.decrypt(
        session, claimant.subject_id, "document.content", document.content_enc
    )
    return document, content


async def upload_evidence(
    session: AsyncSession,
    vault: PersonalDataVault,
    actor: Actor,
    claim_id: uuid.UUID,
    *,
    filename: str,
    content: bytes,
    expected_version: int | None,
    now: datetime,
    max_bytes: int = MAX_DOCUMENT_BYTES,
) -> Document:
    """Evidence for a claim that is still open to it (not withdrawn, not closed)."""
    claim = await locked_claim(session, actor, claim_id, "adviser", expected_version)
    if ClaimStatus(claim.status) in (ClaimStatus.WITHDRAWN, ClaimStatus.CLOSED):
        raise InvalidClaimData("claim", "a withdrawn or closed claim takes no more evidence")
    claimant = await session.get(Claimant, claim.claimant_id)
    assert claimant is not None
    document = await store_document(
        session,
        vault,
        actor,
        claimant,
        claim_id=claim.id,
        filename=filename,
        content=content,
        max_bytes=max_bytes,
        now=now,
    )
    touch(claim, now)
    await session.flush()
    return document


@dataclass(frozen=True, slots=True)
class InformationExchange:
    request: InformationRequest
    answer: str | None


async def information_requests(
    session: AsyncSession, vault: PersonalDataVault, actor: Actor, claim_id: uuid.UUID
) -> list[InformationExchange]:
    claim = await get_claim(session, actor, claim_id)
    claimant = await session.get(Claimant, claim.claimant_id)
    assert claimant is not None
    exchanges = []
    for request in await repository.information_requests(session, claim.id):
        answer = None
        if request.answer_enc is not None:
            clear = await vault.decrypt(
                session, claimant.subject_id, "information.answer", request.answer_enc
            )
            answer = clear.decode() if clear is not None else None
        exchanges.append(InformationExchange(request, answer))
    return exchanges


async def request_information(
    session: AsyncSession,
    actor: Actor,
    claim_id: uuid.UUID,
    *,
    expected_version: int | None,
    question: str,
    due_date: date | None,
    now: datetime,
) -> InformationRequest:
    claim = await locked_claim(session, actor, claim_id, "administrator", expected_version)
    record_step(session, claim, plan(claim, ClaimEvent.REQUEST_INFORMATION), actor, None, now=now)
    request = InformationRequest(
        id=new_id(),
        claim_id=claim.id,
        question=question,
        due_date=due_date,
        requested_by=actor.user_id,
        requested_at=now,
    )
    session.add(request)
    await session.flush()
    return request


async def answer_information(
    session: AsyncSession,
    vault: PersonalDataVault,
    actor: Actor,
    claim_id: uuid.UUID,
    request_id: uuid.UUID,
    *,
    expected_version: int | None,
    answer: str,
    now: datetime,
) -> InformationRequest:
    """The adviser's answer, sealed with the claimant's key; the claim returns to review."""
    claim = await locked_claim(session, actor, claim_id, "adviser", expected_version)
    step = plan(claim, ClaimEvent.ANSWER_INFORMATION)
    request = await repository.open_information_request(session, claim.id, request_id)
    if request is None:
        raise InformationRequestNotFound()
    claimant = await session.get(Claimant, claim.claimant_id)
    assert claimant is not None
    request.answer_enc = await vault.encrypt(
        session, claimant.subject_id, "information.answer", answer.encode()
    )
    request.answered_by = actor.user_id
    request.answered_at = now
    record_step(session, claim, step, actor, None, now=now)
    await session.flush()
    return request
