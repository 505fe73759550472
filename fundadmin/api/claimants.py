"""Claimants over HTTP: a legal adviser registers the women her organisation represents.

Her personal fields are returned only by `GET /claimants/{id}`, and every such read is written
to the audit trail (an auditor must give a break-glass reason). Lists carry no personal data, and
a claimant is found by her reference, never by her name.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, patch, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, MultipartBody
from sqlalchemy.ext.asyncio import AsyncSession

import claims
from claims import services, views
from claims.schemas import (
    Claimant,
    ClaimantCreate,
    ClaimantSummary,
    ClaimantUpdate,
    DocumentView,
)
from fundadmin.api.claims_support import DocumentUpload, actor_of, store_upload, vault_of
from fundadmin.api.conventions import (
    CREATED_HEADERS,
    ETAG_HEADER,
    IfMatch,
    expected_version,
    with_etag,
)
from fundadmin.api.pagination import (
    LINK_HEADER,
    After,
    Limit,
    Page,
    after_offset,
    offset_cursor,
    paged,
)
from fundadmin.api.steps import audit
from fundadmin.clock import Clock
from fundadmin.database import unit_of_work
from fundadmin.security.break_glass import personal_data_reason
from fundadmin.security.guards import requires
from fundadmin.security.principal import Principal, Role

ADVISERS = [requires(Role.LEGAL_ADVISER)]
READERS = [requires(Role.LEGAL_ADVISER, Role.ADMINISTRATOR, Role.AUDITOR)]


async def _claimant_response(
    session: AsyncSession,
    request: Request[Any, Any, Any],
    principal: Principal,
    state: State,
    claimant_id: uuid.UUID,
    *,
    status_code: int = 200,
) -> Response[Claimant]:
    """The claimant with her personal data, after the read is written to the audit trail."""
    reason = personal_data_reason(principal, request)
    actor = actor_of(principal)
    async with unit_of_work(session):
        row = await services.get_claimant(session, actor, claimant_id)
        clear = await services.open_personal_data(session, vault_of(state), row, actor)
        if clear is None:
            raise claims.PersonalDataErased()
        mandate = await services.mandate_document_id(session, row.id)
        await audit(
            session,
            request,
            principal,
            action="claimant.read",
            subject_type="claimant",
            subject_id=row.id,
            reason=reason,
        )
    return with_etag(
        views.claimant_view(row, clear, mandate),
        row.version,
        status_code,
        location=f"{ClaimantsController.path}/{row.id}" if status_code == 201 else None,
        request=request,
    )


class ClaimantsController(Controller):
    path = "/api/v1/claimants"
    tags = ["claimants"]

    @post("/", guards=ADVISERS, summary="Register a claimant", response_headers=CREATED_HEADERS)
    async def register(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        state: State,
        data: JSONBody[ClaimantCreate],
    ) -> Response[Claimant]:
        async with unit_of_work(session):
            row = await services.register_claimant(
                session, vault_of(state), actor_of(principal), data, now=clock.now()
            )
            await audit(
                session,
                request,
                principal,
                action="claimant.create",
                subject_type="claimant",
                subject_id=row.id,
            )
        return await _claimant_response(session, request, principal, state, row.id, status_code=201)

    @get(
        "/",
        guards=READERS,
        summary="Claimants in your scope, found by reference",
        response_headers=LINK_HEADER,
    )
    async def list_claimants(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        reference: FromQuery[str | None] = None,
        after: After = None,
        limit: Limit = 50,
    ) -> Response[Page[ClaimantSummary]]:
        offset = after_offset(after)
        rows, total = await services.list_claimants(
            session, actor_of(principal), reference=reference, limit=limit, offset=offset
        )
        items = [views.claimant_summary(r) for r in rows]
        return paged(request, Page(items, offset_cursor(offset, limit, total)))

    @get(
        "/{claimant_id:uuid}",
        guards=READERS,
        summary="A claimant with her personal data (the read is audited)",
        response_headers=ETAG_HEADER,
    )
    async def read(
        self,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        state: State,
        claimant_id: FromPath[uuid.UUID],
    ) -> Response[Claimant]:
        return await _claimant_response(session, request, principal, state, claimant_id)

    @patch(
        "/{claimant_id:uuid}",
        guards=ADVISERS,
        summary="Change a claimant's details (If-Match required)",
        response_headers=ETAG_HEADER,
    )
    async def update(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        state: State,
        claimant_id: FromPath[uuid.UUID],
        data: JSONBody[ClaimantUpdate],
        if_match: IfMatch = None,
    ) -> Response[Claimant]:
        async with unit_of_work(session):
            row = await services.update_claimant(
                session,
                vault_of(state),
                actor_of(principal),
                claimant_id,
                data=data,
                expected_version=expected_version(if_match),
                now=clock.now(),
            )
            await audit(
                session,
                request,
                principal,
                action="claimant.update",
                subject_type="claimant",
                subject_id=row.id,
            )
        return await _claimant_response(session, request, principal, state, claimant_id)

    @post(
        "/{claimant_id:uuid}/mandate",
        guards=ADVISERS,
        summary="Upload the signed mandate (PDF, JPEG or PNG; If-Match required)",
        response_headers=CREATED_HEADERS,
    )
    async def upload_mandate(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        state: State,
        claimant_id: FromPath[uuid.UUID],
        data: MultipartBody[DocumentUpload],
        if_match: IfMatch = None,
    ) -> Response[DocumentView]:
        return await store_upload(
            session,
            request,
            principal,
            state,
            data,
            store=services.upload_mandate,
            subject_type="claimant",
            subject_id=claimant_id,
            action="claimant.mandate.upload",
            if_match=if_match,
            now=clock.now(),
            location=lambda _: f"{self.path}/{claimant_id}",
        )
