"""The legal adviser's own pages: register a claimant, add evidence to a claim, answer a request
for information, apply for return assistance and follow it.

Each handler calls the service the API route of the same purpose calls (POST /claimants,
POST /claims/{id}/documents, POST /claims/{id}/information-requests/{id}/answer,
POST /return-assistance and its consent), inside one unit of work with the same audit line. The
version shown on the page stands in for the API's If-Match. A refusal is shown at the top of
the page, naming the field; a claim or application outside her reach is 404.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import FormMultiDict, UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_413_REQUEST_ENTITY_TOO_LARGE
from litestar.types import ExceptionHandlersMap
from sqlalchemy.ext.asyncio import AsyncSession

import claims
import ledger
from claims import services, views
from claims.documents import MAX_DOCUMENT_BYTES
from claims.errors import DocumentTooLarge, InvalidClaimData, UnsupportedDocumentType
from claims.returns import services as returns
from claims.returns import views as return_views
from claims.returns.schemas import ApplicationCreate
from claims.schemas import ClaimantCreate, InformationAnswer
from fundadmin.api.claims_support import actor_of, vault_of
from fundadmin.api.steps import audit
from fundadmin.clock import Clock, today
from fundadmin.database import unit_of_work
from fundadmin.security.audit_search import steps_of
from fundadmin.security.principal import Role
from fundadmin.web import adviser_forms, forms
from fundadmin.web.i18n import n_
from fundadmin.web.routes import COUNTRIES, Visit, _claim_page, page
from fundadmin.web.session import CSRF_FIELD, check_csrf

REFUSED_INPUT = (InvalidClaimData, DocumentTooLarge, UnsupportedDocumentType, forms.FormInvalid)
"""Refusals of what was typed or sent (400); any other refusal is the claim's state (409)."""


def _values(form: FormMultiDict) -> dict[str, Any]:
    """What she typed, to show it again (never the CSRF token, never a file)."""
    return {k: v for k, v in form.items() if k != CSRF_FIELD and isinstance(v, str)}


def _version(form: FormMultiDict) -> int:
    try:
        return int(str(form.get("version", "")))
    except ValueError:
        return -1


def _chosen_file(form: FormMultiDict, name: str, message: str) -> UploadFile:
    """The file sent as `name`; FormInvalid naming it when none was chosen."""
    upload = form.get(name)
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise forms.FormInvalid([forms.FieldError(name, message)])
    return upload


def _refusal(
    exc: Exception, fields: dict[str, str], fallback: str
) -> tuple[int, list[forms.FieldError]]:
    """The status and the error summary's lines for a refused form."""
    if isinstance(exc, forms.FormInvalid):
        return 400, exc.errors
    field = adviser_forms.field_of(getattr(exc, "field", ""), fields, fallback)
    return (400 if isinstance(exc, REFUSED_INPUT) else 409), [forms.FieldError(field, str(exc))]


def _too_large(request: Request[Any, Any, Any], _exc: Exception) -> Response[Any]:
    """A body above the service's limit is refused before the form is read (as in the API), so
    the page cannot be shown again with the error: this one says what to do instead."""
    return page(
        request,
        "error.html",
        None,
        413,
        title=n_("The file is too large"),
        message=n_(
            "A document may be at most %(size)s MB. Go back, and split the scan into smaller "
            "files or scan it at a lower resolution."
        ),
        message_args={"size": MAX_DOCUMENT_BYTES // (1024 * 1024)},
    )


UPLOAD_LIMITS: ExceptionHandlersMap = {HTTP_413_REQUEST_ENTITY_TOO_LARGE: _too_large}


# --- claimants ----------------------------------------------------------------------------------


def _claimant_page(
    request: Request[Any, Any, Any],
    visit: Visit,
    status_code: int = 200,
    **context: Any,
) -> Template:
    return page(
        request,
        "claimant_form.html",
        visit,
        status_code,
        letter_languages=adviser_forms.LANGUAGES,
        scopes=adviser_forms.SCOPES,
        **context,
    )


@get("/claimants/new", include_in_schema=False)
async def claimant_form(request: Request[Any, Any, Any], visit: NamedDependency[Visit]) -> Template:
    visit.door(Role.LEGAL_ADVISER)
    defaults = {"preferred_language": "en", "identification_status": "presumed"}
    return _claimant_page(request, visit, values=defaults)


@post("/claimants/new", include_in_schema=False)
async def claimant_form_post(
    request: Request[Any, Any, Any],
    session: NamedDependency[AsyncSession],
    clock: NamedDependency[Clock],
    visit: NamedDependency[Visit],
) -> Response[Any]:
    """Registers her as the API's POST /api/v1/claimants does, then opens the claim form with
    her chosen."""
    await check_csrf(request)
    actor = visit.door(Role.LEGAL_ADVISER)
    form = await request.form()
    try:
        data = forms.convert(
            adviser_forms.claimant(form), ClaimantCreate, adviser_forms.CLAIMANT_FIELDS
        )
        async with unit_of_work(session):
            claimant = await services.register_claimant(
                session, vault_of(request.app.state), actor, data, now=clock.now()
            )
            await audit(
                session,
                request,
                visit.principal,
                action="claimant.create",
                subject_type="claimant",
                subject_id=claimant.id,
            )
    except (forms.FormInvalid, claims.ClaimsError) as exc:
        status, errors = _refusal(exc, adviser_forms.CLAIMANT_FIELDS, "given_names")
        return _claimant_page(request, visit, status, values=_values(form), errors=errors)
    return Redirect(f"/web/claims/new?claimant={claimant.id}", status_code=303)


# --- evidence and requests for information on a claim --------------------------------------------


async def _claim_refused(
    request: Request[Any, Any, Any],
    *,
    session: AsyncSession,
    clock: Clock,
    visit: Visit,
    claim_id: uuid.UUID,
    exc: Exception,
    field: str,
    values: dict[str, Any],
) -> Template:
    status, errors = _refusal(exc, {}, field)
    return await _claim_page(
        request,
        session=session,
        clock=clock,
        visit=visit,
        claim_id=claim_id,
        status_code=status,
        errors=errors,
        values=values,
    )


@post("/claims/{claim_id:uuid}/evidence", include_in_schema=False, exception_handlers=UPLOAD_LIMITS)
async def evidence_upload(
    request: Request[Any, Any, Any],
    session: NamedDependency[AsyncSession],
    clock: NamedDependency[Clock],
    visit: NamedDependency[Visit],
    claim_id: FromPath[uuid.UUID],
) -> Response[Any]:
    """A document sealed with her key, as the API's POST /claims/{id}/documents stores it (the
    type is read from the content; the size is bounded by the service)."""
    await check_csrf(request)
    actor = visit.door(Role.LEGAL_ADVISER)
    form = await request.form()
    try:
        upload = _chosen_file(form, "file", n_("Choose a file to upload"))
        async with unit_of_work(session):
            document = await services.upload_evidence(
                session,
                vault_of(request.app.state),
                actor,
                claim_id,
                filename=upload.filename,
                content=await upload.read(),
                expected_version=_version(form),
                now=clock.now(),
            )
            await audit(
                session,
                request,
                visit.principal,
                action="claim.document.upload",
                subject_type="claim",
                subject_id=claim_id,
                details={"document_id": str(document.id)},
            )
    except claims.NotFound:
        raise
    except (forms.FormInvalid, claims.ClaimsError) as exc:
        return await _claim_refused(
            request,
            session=session,
            clock=clock,
            visit=visit,
            claim_id=claim_id,
            exc=exc,
            field="file",
            values={},
        )
    return Redirect(f"/web/claims/{claim_id}#evidence-title", status_code=303)


@post("/claims/{claim_id:uuid}/information/{request_id:uuid}/answer", include_in_schema=False)
async def information_answer(
    *,
    request: Request[Any, Any, Any],
    session: NamedDependency[AsyncSession],
    clock: NamedDependency[Clock],
    visit: NamedDependency[Visit],
    claim_id: FromPath[uuid.UUID],
    request_id: FromPath[uuid.UUID],
) -> Response[Any]:
    """Her answer, sealed with the claimant's key, as the API's answer route stores it; the
    claim goes back to review."""
    await check_csrf(request)
    actor = visit.door(Role.LEGAL_ADVISER)
    form = await request.form()
    field = f"answer-{request_id}"
    try:
        data = forms.convert(
            adviser_forms.answer(form, field), InformationAnswer, {"answer": field}
        )
        async with unit_of_work(session):
            await services.answer_information(
                session,
                vault_of(request.app.state),
                actor,
                claim_id,
                request_id,
                expected_version=_version(form),
                answer=data.answer,
                now=clock.now(),
            )
            claim = await services.get_claim(session, actor, claim_id)
            await audit(
                session,
                request,
                visit.principal,
                action="claim.answer_information",
                subject_type="claim",
                subject_id=claim.id,
                details={"status": claim.status, "version": claim.version},
            )
    except claims.NotFound:
        raise
    except (forms.FormInvalid, claims.ClaimsError) as exc:
        return await _claim_refused(
            request,
            session=session,
            clock=clock,
            visit=visit,
            claim_id=claim_id,
            exc=exc,
            field=field,
            values=_values(form),
        )
    return Redirect(f"/web/claims/{claim_id}", status_code=303)


# --- return assistance --------------------------------------------------------------------------


@get("/returns", include_in_schema=False)
async def return_list(
    request: Request[Any, Any, Any],
    session: NamedDependency[AsyncSession],
    clock: NamedDependency[Clock],
    visit: NamedDependency[Visit],
) -> Template:
    """Her organisation's applications (a list without personal data, as the API's)."""
    actor = visit.door(Role.LEGAL_ADVISER)
    rows, _ = await returns.list_applications(
        session, actor, returns.ApplicationFilter(), today=today(clock), after=None, limit=200
    )
    summaries = return_views.application_summaries(rows, today=today(clock))
    return page(request, "returns.html", visit, applications=summaries)


async def _return_form_context(session: AsyncSession, visit: Visit) -> dict[str, Any]:
    actor = actor_of(visit.principal)
    claimants, _ = await services.list_claimants(
        session, actor, reference=None, limit=200, offset=0
    )
    countries = sorted(visit.principal.countries(Role.LEGAL_ADVISER) & set(COUNTRIES))
    return {
        "claimants": [views.claimant_summary(c) for c in claimants],
        "countries": countries,
        "all_countries": COUNTRIES,
        "currencies": ledger.COUNTRY_CURRENCY,
        "payee_currencies": sorted(
            {c for k in countries for c in adviser_forms.payee_currencies(k)}
        ),
        "items": adviser_forms.RETURN_ITEMS,
    }


@get("/returns/new", include_in_schema=False)
async def return_form(
    request: Request[Any, Any, Any],
    session: NamedDependency[AsyncSession],
    clock: NamedDependency[Clock],
    visit: NamedDependency[Visit],
) -> Template:
    visit.door(Role.LEGAL_ADVISER)
    context = await _return_form_context(session, visit)
    planned = (today(clock) + timedelta(days=30)).isoformat()
    defaults = {"adults": "1", "children": "0", "planned_on": planned}
    return page(request, "return_form.html", visit, values=defaults, **context)


@post("/returns/new", include_in_schema=False)
async def return_form_post(
    request: Request[Any, Any, Any],
    session: NamedDependency[AsyncSession],
    clock: NamedDependency[Clock],
    visit: NamedDependency[Visit],
) -> Response[Any]:
    """Applies as the API's POST /api/v1/return-assistance does: the paying country's policy
    computes her entitlement at once, shown on the application's page."""
    await check_csrf(request)
    actor = visit.door(Role.LEGAL_ADVISER)
    form = await request.form()
    context = await _return_form_context(session, visit)
    fields: dict[str, str] = {}
    try:
        raw, fields = adviser_forms.return_application(form, context["countries"])
        data = forms.convert(raw, ApplicationCreate, fields)
        async with unit_of_work(session):
            application = await returns.create_application(
                session, vault_of(request.app.state), actor, data, now=clock.now()
            )
            await audit(
                session,
                request,
                visit.principal,
                action="return_assistance.create",
                subject_type="return_application",
                subject_id=application.id,
                details={"status": application.status, "version": application.version},
            )
    except claims.NotFound:
        raise
    except (forms.FormInvalid, claims.ClaimsError) as exc:
        status, errors = _refusal(exc, fields, "country")
        return page(
            request,
            "return_form.html",
            visit,
            status,
            values=_values(form),
            errors=errors,
            **context,
        )
    return Redirect(f"/web/returns/{application.id}", status_code=303)


async def _return_page(
    request: Request[Any, Any, Any],
    session: AsyncSession,
    clock: Clock,
    visit: Visit,
    application_id: uuid.UUID,
    *,
    status_code: int = 200,
    errors: list[forms.FieldError] | None = None,
) -> Template:
    """The application's status, entitlement, schedule and what is still missing; the read is
    audited as the API's GET of one application is (its bank account is not shown here). Its
    history is the API's: the audited steps, reads left out."""
    actor = visit.door(Role.LEGAL_ADVISER)
    async with unit_of_work(session):
        application = await returns.get_application(session, actor, application_id)
        await audit(
            session,
            request,
            visit.principal,
            action="return_assistance.read",
            subject_type="return_application",
            subject_id=application.id,
        )
    steps = await steps_of(
        session, "return_application", str(application.id), prefix="return_assistance."
    )
    return page(
        request,
        "return_application.html",
        visit,
        status_code,
        application=return_views.application_view(application, today=today(clock)),
        history=steps,
        errors=errors or [],
    )


@get("/returns/{application_id:uuid}", include_in_schema=False)
async def return_page(
    request: Request[Any, Any, Any],
    session: NamedDependency[AsyncSession],
    clock: NamedDependency[Clock],
    visit: NamedDependency[Visit],
    application_id: FromPath[uuid.UUID],
) -> Template:
    return await _return_page(request, session, clock, visit, application_id)


@post(
    "/returns/{application_id:uuid}/consent",
    include_in_schema=False,
    exception_handlers=UPLOAD_LIMITS,
)
async def return_consent(
    request: Request[Any, Any, Any],
    session: NamedDependency[AsyncSession],
    clock: NamedDependency[Clock],
    visit: NamedDependency[Visit],
    application_id: FromPath[uuid.UUID],
) -> Response[Any]:
    """Her signed consent, as the API's POST /return-assistance/{id}/consent records it."""
    await check_csrf(request)
    actor = visit.door(Role.LEGAL_ADVISER)
    form = await request.form()
    try:
        upload = _chosen_file(form, "consent", n_("Choose her signed consent"))
        async with unit_of_work(session):
            application = await returns.record_consent(
                session,
                vault_of(request.app.state),
                actor,
                application_id,
                content=await upload.read(),
                expected_version=_version(form),
                now=clock.now(),
            )
            await audit(
                session,
                request,
                visit.principal,
                action="return_assistance.consent",
                subject_type="return_application",
                subject_id=application.id,
                details={"status": application.status, "version": application.version},
            )
    except claims.NotFound:
        raise
    except (forms.FormInvalid, claims.ClaimsError) as exc:
        status, errors = _refusal(exc, {}, "consent")
        return await _return_page(
            request, session, clock, visit, application_id, status_code=status, errors=errors
        )
    return Redirect(f"/web/returns/{application_id}", status_code=303)


ADVISER_PAGES = [
    claimant_form,
    claimant_form_post,
    evidence_upload,
    information_answer,
    return_list,
    return_form,
    return_form_post,
    return_page,
    return_consent,
]
"""Registered on fundadmin.web's router beside the pages of fundadmin.web.routes."""
