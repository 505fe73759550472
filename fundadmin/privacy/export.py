"""Access and portability (GDPR Art. 15 and 20): everything held about her, as one archive.

The ZIP holds JSON (structured, machine-readable: portability) and her files as uploaded:

    README.txt                    what each file is
    claimant.json                 her personal data, mandate and references
    claims/<reference>.json       each claim: heads, decision, history, questions and answers,
                                  payments, the documents' descriptions
    documents/<id>.<ext>          every document (evidence, mandates), decrypted
    letters/<reference>-v<n>.pdf  every decision letter issued on her claims, decrypted
    returns/<reference>.json      each return-assistance application: items, schedule,
                                  payments, records, the receiving organisation's account
    returns/<reference>-consent-<record>.<ext>
                                  her signed consent to each return, as uploaded
    access-log.json               who did what with her records and when, with the reason given
                                  (break-glass reads included), from the audit trail

Only her records are read (by her claimant id and her claims' ids), so nothing about another
claimant can be in it. The staff in the access log appear by their work handle and role; their
network addresses are left out (they are the staff's personal data, not hers).
"""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from claims import Actor, ClaimantNotFound, PersonalDataVault, repository, services, views
from claims.models import Claim, Claimant, Document
from claims.returns import services as returns
from claims.returns import views as return_views
from claims.returns.models import ReturnApplication
from fundadmin.letters.models import ClaimLetter
from fundadmin.letters.service import LETTER_FIELD
from fundadmin.privacy.erasure import is_erased
from fundadmin.privacy.state import claimant_for
from fundadmin.security.errors import SubjectErased
from fundadmin.security.models import AuditEvent

_EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
# A fixed timestamp for every member, so the same data gives the same archive bytes.
_ZIP_TIME = (2000, 1, 1, 0, 0, 0)

README = """Everything this fund holds about one claimant, at the moment of the export.

claimant.json            her personal data, language, mandate, reference
claims/<reference>.json  each claim: what was claimed, the decision, every step with who and
                         why, questions and answers, payments, descriptions of the documents
                         and of the letters
documents/<id>.<ext>     each document as uploaded (evidence and mandates)
letters/<reference>-v<n>.pdf
                         each decision letter as issued (version n; a corrected decision
                         adds a version)
returns/<reference>.json each return-assistance application: items, schedule, payments,
                         records, follow-ups, the receiving organisation's account
returns/<reference>-consent-<id>.<ext>
                         her signed consent to that return, as uploaded
access-log.json          every recorded action on her records (reads of her personal data
                         included): when, by whom (work handle and role), what, and the reason
                         given; taken from the audit trail, whose line numbers (seq) it keeps

Amounts are decimal strings in the claim's currency; times are UTC (ISO 8601).
"""


def _json(value: Any) -> bytes:
    return json.dumps(
        msgspec.to_builtins(value), indent=2, ensure_ascii=False, sort_keys=True
    ).encode()


async def her_claims(session: AsyncSession, claimant_id: uuid.UUID) -> Sequence[Claim]:
    rows = await session.scalars(
        sa.select(Claim).where(Claim.claimant_id == claimant_id).order_by(Claim.reference)
    )
    return rows.all()


async def access_log(
    session: AsyncSession,
    claimant_id: uuid.UUID,
    claim_ids: Sequence[uuid.UUID],
    application_ids: Sequence[uuid.UUID] = (),
) -> list[dict[str, Any]]:
    """Every audit line about her, one of her claims or one of her return applications, oldest
    first."""
    about_her = sa.or_(
        sa.and_(AuditEvent.subject_type == "claimant", AuditEvent.subject_id == str(claimant_id)),
        sa.and_(
            AuditEvent.subject_type == "claim",
            AuditEvent.subject_id.in_([str(i) for i in claim_ids]),
        ),
        sa.and_(
            AuditEvent.subject_type == "return_application",
            AuditEvent.subject_id.in_([str(i) for i in application_ids]),
        ),
    )
    rows = await session.scalars(sa.select(AuditEvent).where(about_her).order_by(AuditEvent.seq))
    return [
        {
            "seq": e.seq,
            "at": e.occurred_at.isoformat(),
            "who": e.actor_username,
            "roles": e.actor_scopes,
            "action": e.action,
            "record": f"{e.subject_type}:{e.subject_id}",
            "reason": e.reason,
            "details": e.details,
        }
        for e in rows
    ]


@dataclass(frozen=True, slots=True)
class Export:
    claimant_id: uuid.UUID
    reference: str
    archive: bytes
    claims: int
    documents: int
    letters: int
    access_lines: int


async def export_claimant(
    session: AsyncSession,
    vault: PersonalDataVault,
    actor: Actor,
    claimant_id: uuid.UUID,
    *,
    now: datetime,
) -> Export:
    """Her archive, for an adviser of her organisation; SubjectErased once she is erased."""
    claimant = await claimant_for(session, actor, claimant_id, advisers=True, lock=False)
    if claimant is None or claimant.organisation_id != actor.organisation_id:
        raise ClaimantNotFound()
    if await is_erased(session, claimant):
        raise SubjectErased()
    clear = await services.open_personal_data(session, vault, claimant, actor)
    if clear is None:
        raise SubjectErased()
    claims = await her_claims(session, claimant.id)
    documents = (
        await session.scalars(
            sa.select(Document)
            .where(Document.claimant_id == claimant.id)
            .order_by(Document.uploaded_at, Document.id)
        )
    ).all()
    members: dict[str, bytes] = {"README.txt": README.encode()}
    mandate = await services.mandate_document_id(session, claimant.id)
    members["claimant.json"] = _json(
        {
            "exported_at": now.isoformat(),
            "claimant": views.claimant_view(claimant, clear, mandate),
            "documents": [
                await _document_entry(session, vault, claimant, d)
                for d in documents
                if d.claim_id is None
            ],
        }
    )
    letters = (
        await session.scalars(
            sa.select(ClaimLetter)
            .where(ClaimLetter.claimant_id == claimant.id)
            .order_by(ClaimLetter.claim_id, ClaimLetter.version)
        )
    ).all()
    references = {claim.id: claim.reference for claim in claims}
    for claim in claims:
        members[f"claims/{claim.reference}.json"] = _json(
            await _claim_entry(session, vault, claimant, claim, documents)
            | {
                "letters": [
                    _letter_entry(letter, claim.reference)
                    for letter in letters
                    if letter.claim_id == claim.id
                ]
            }
        )
    for document in documents:
        content = await vault.decrypt(
            session, claimant.subject_id, "document.content", document.content_enc
        )
        if content is None:
            raise SubjectErased()
        members[f"documents/{document.id}.{_EXTENSIONS.get(document.media_type, 'bin')}"] = content
    for letter in letters:
        pdf = await vault.decrypt(session, claimant.subject_id, LETTER_FIELD, letter.content_enc)
        if pdf is None:
            raise SubjectErased()
        members[_letter_file(letter, references[letter.claim_id])] = pdf
    applications = (
        await session.scalars(
            sa.select(ReturnApplication)
            .where(ReturnApplication.claimant_id == claimant.id)
            .order_by(ReturnApplication.reference)
        )
    ).all()
    for application in applications:
        members |= await _return_members(session, vault, claimant, application, now)
    log = await access_log(
        session, claimant.id, [c.id for c in claims], [a.id for a in applications]
    )
    members["access-log.json"] = _json({"claimant": claimant.reference, "lines": log})
    return Export(
        claimant.id,
        claimant.reference,
        _zip(members),
        len(claims),
        len(documents),
        len(letters),
        len(log),
    )


async def _return_members(
    session: AsyncSession,
    vault: PersonalDataVault,
    claimant: Claimant,
    application: ReturnApplication,
    now: datetime,
) -> dict[str, bytes]:
    """The application as its readers see it, and her signed consents as uploaded."""
    bank = await returns.receiving_bank(session, vault, application)
    view = return_views.application_view(application, today=now.date(), bank_account=bank)
    members = {f"returns/{application.reference}.json": _json(view)}
    for record in application.records:
        if record.document_enc is None:
            continue
        content = await vault.decrypt(
            session, claimant.subject_id, returns.CONSENT_FIELD, record.document_enc
        )
        if content is None:
            raise SubjectErased()
        extension = _EXTENSIONS.get(record.document_media_type or "", "bin")
        members[f"returns/{application.reference}-consent-{record.id}.{extension}"] = content
    return members


def _letter_file(letter: ClaimLetter, reference: str) -> str:
    return f"letters/{reference}-v{letter.version}.pdf"


def _letter_entry(letter: ClaimLetter, reference: str) -> dict[str, Any]:
    return {
        "version": letter.version,
        "issued_at": letter.issued_at.isoformat(),
        "authority": letter.authority,
        "languages": letter.languages,
        "sha256": letter.sha256,
        "verification_code": letter.verification_code,
        "size_bytes": letter.size_bytes,
        "file": _letter_file(letter, reference),
    }


async def _document_entry(
    session: AsyncSession, vault: PersonalDataVault, claimant: Claimant, document: Document
) -> dict[str, Any]:
    filename = await vault.decrypt(
        session, claimant.subject_id, "document.filename", document.filename_enc
    )
    return {
        **msgspec.to_builtins(views.document_view(document)),
        "filename": filename.decode() if filename is not None else None,
        "file": f"documents/{document.id}.{_EXTENSIONS.get(document.media_type, 'bin')}",
    }


async def _claim_entry(
    session: AsyncSession,
    vault: PersonalDataVault,
    claimant: Claimant,
    claim: Claim,
    documents: Sequence[Document],
) -> dict[str, Any]:
    exchanges = []
    for request in await repository.information_requests(session, claim.id):
        answer = None
        if request.answer_enc is not None:
            clear = await vault.decrypt(
                session, claimant.subject_id, "information.answer", request.answer_enc
            )
            answer = clear.decode() if clear is not None else None
        exchanges.append(views.information_view(services.InformationExchange(request, answer)))
    return {
        "claim": views.claim_view(claim),
        "history": [
            views.transition_view(t, claim.currency)
            for t in await repository.transitions(session, claim.id)
        ],
        "information_requests": exchanges,
        "payments": [views.payment_view(p) for p in await repository.payments(session, claim.id)],
        "documents": [
            await _document_entry(session, vault, claimant, d)
            for d in documents
            if d.claim_id == claim.id
        ],
    }


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            archive.writestr(info, content)
    return buffer.getvalue()
