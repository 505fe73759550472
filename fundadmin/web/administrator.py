"""The claim's evidence documents, downloaded from the claim page.

A download goes through the service and the audit line of the API's
GET /claims/{id}/documents/{document_id}: her adviser and the claim's administrators only
(an auditor would need a break-glass reason, which the pages do not take), each read audited.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from claims import services
from fundadmin.api.claims_support import vault_of
from fundadmin.api.steps import audit
from fundadmin.database import unit_of_work
from fundadmin.security.principal import Role
from fundadmin.web.i18n import n_
from fundadmin.web.routes import Visit, page

EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
DOWNLOADERS = (Role.LEGAL_ADVISER, Role.ADMINISTRATOR)
"""Who downloads evidence from the pages (the API's readers who need no break-glass reason)."""


@get("/claims/{claim_id:uuid}/documents/{document_id:uuid}", include_in_schema=False)
async def document_download(
    request: Request[Any, Any, Any],
    session: NamedDependency[AsyncSession],
    visit: NamedDependency[Visit],
    claim_id: FromPath[uuid.UUID],
    document_id: FromPath[uuid.UUID],
) -> Response[Any]:
    actor = visit.door(*DOWNLOADERS)
    async with unit_of_work(session):
        document, content = await services.open_document(
            session, vault_of(request.app.state), actor, claim_id, document_id
        )
        await audit(
            session,
            request,
            visit.principal,
            action="claim.document.read",
            subject_type="claim",
            subject_id=claim_id,
            details={"document_id": str(document_id)},
        )
    if content is None:
        return page(
            request,
            "error.html",
            visit,
            410,
            title=n_("No longer readable"),
            message=n_("The claimant's personal data has been erased."),
        )
    filename = f"{document.id}.{EXTENSIONS.get(document.media_type, 'bin')}"
    return Response(
        content=content,
        media_type=document.media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


ADMINISTRATOR_PAGES = [document_download]
