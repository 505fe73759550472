"""What the claims and claimants controllers share: the caller as a claims Actor, the vault,
and the upload of a document."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from litestar import Request, Response
from litestar.datastructures import State, UploadFile
from sqlalchemy.ext.asyncio import AsyncSession

import claims
from claims import views
from claims.models import Claim as ClaimRow
from claims.models import Claimant as ClaimantRow
from claims.models import Document
from claims.personal_data import PersonalDataVault
from claims.schemas import DocumentView
from fundadmin.api.conventions import expected_version, with_etag
from fundadmin.api.steps import audit
from fundadmin.database import unit_of_work
from fundadmin.security.principal import Principal, Role
from fundadmin.security.vault import vault_from_settings


@dataclass
class DocumentUpload:
    """A multipart upload: one PDF, JPEG or PNG file (the type is read from its content)."""

    file: UploadFile


def actor_of(principal: Principal) -> claims.Actor:
    return claims.Actor(
        user_id=principal.user_id,
        organisation_id=principal.organisation_id,
        adviser_countries=principal.countries(Role.LEGAL_ADVISER),
        administrator_countries=principal.countries(Role.ADMINISTRATOR),
        auditor_countries=principal.countries(Role.AUDITOR),
    )


def vault_of(state: State) -> PersonalDataVault:
    """One vault per application (it holds the parsed master keys)."""
    vault: PersonalDataVault | None = state.get("claims_vault")
    if vault is None:
        vault = vault_from_settings(state.settings)
        state.claims_vault = vault
    return vault


StoreDocument = Callable[..., Awaitable[Document]]


async def store_upload(
    session: AsyncSession,
    request: Request[Any, Any, Any],
    principal: Principal,
    state: State,
    upload: DocumentUpload,
    *,
    store: StoreDocument,
    subject_type: str,
    subject_id: uuid.UUID,
    action: str,
    if_match: str | None,
    now: datetime,
    location: Callable[[uuid.UUID], str],
) -> Response[DocumentView]:
    """Seal an uploaded file with the claimant's key through `store`, and audit the upload.

    The content is bounded by the service's body size limit; `store` checks its type and size.
    The answer is 201 with the new ETag of the record the document belongs to (`subject_type`),
    and `location(document id)` as its Location.
    """
    async with unit_of_work(session):
        document = await store(
            session,
            vault_of(state),
            actor_of(principal),
            subject_id,
            filename=upload.file.filename or "document",
            content=await upload.file.read(),
            expected_version=expected_version(if_match),
            now=now,
        )
        await audit(
            session,
            request,
            principal,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            details={"document_id": str(document.id)},
        )
    parent = await session.get(ClaimRow if subject_type == "claim" else ClaimantRow, subject_id)
    assert isinstance(parent, ClaimRow | ClaimantRow)
    return with_etag(
        views.document_view(document), parent.version, 201, location=location(document.id)
    )
