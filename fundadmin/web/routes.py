"""The pages: sign-in, the adviser's claims and claim form, the administrator's review queue and
claim page, the ministry's allocation report.

Each handler reads the form, calls the service the API calls, and renders the answer; a
refusal from a service is shown at the top of the form, naming the field. Nothing here is in
the API's OpenAPI document (`include_in_schema=False` on the router).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, get_args

from litestar import Request, Response, Router, get, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency, Provide
from litestar.exceptions import PermissionDeniedException
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.static_files import create_static_files_router
from sqlalchemy.ext.asyncio import AsyncSession

import claims
import ledger
from claims import services, views
from claims.models import Claim as ClaimRow
from claims.schemas import ClaimCreate, DecisionRequest, PaymentCreate
from fundadmin.api.auth import SIGN_IN_THROTTLE
from fundadmin.api.claims_support import actor_of, vault_of
from fundadmin.api.reports import MEDIA_TYPES, allocation_for
from fundadmin.api.steps import audit
from fundadmin.clock import Clock, today
from fundadmin.database import unit_of_work
from fundadmin.errors import ProblemError
from fundadmin.letters import queue as letter_queue
from fundadmin.letters import service as letters
from fundadmin.parameter_values.service import policy_for
from fundadmin.reports import render
from fundadmin.security.audit import client_address, write_audit
from fundadmin.security.errors import SignInThrottled
from fundadmin.security.principal import Principal, Role
from fundadmin.security.sign_in import Credentials, sign_in
from fundadmin.security.users import usernames
from fundadmin.web import charts, claim_sections, forms, i18n
from fundadmin.web.i18n import n_
from fundadmin.web.session import (
    CSRF_FIELD,
    CsrfRefused,
    SignInRequired,
    check_csrf,
    csrf_token,
    end_session,
    start_session,
    visitor,
)
from policies.errors import PolicyError
from policies.schemas import AssessmentOut, AssessRequest

HERE = Path(__file__).parent
PAGE_SIZE = 20
STATUSES = [s.value for s in claims.ClaimStatus]
COUNTRIES = sorted(ledger.COUNTRY_CURRENCY)
SORTS: tuple[claims.SortKey, ...] = get_args(claims.SortKey)
"""The review queue sorts only as the API's claim list does."""


@dataclass(frozen=True)
class Visit:
    """Who is looking at the page."""

    principal: Principal

    def door(self, *roles: Role) -> claims.Actor:
        """Her claims actor; 403 unless she holds one of `roles`."""
        if not self.principal.roles & set(roles):
            raise PermissionDeniedException()
        return actor_of(self.principal)


async def provide_visit(request: Request[Any, Any, Any]) -> Visit:
    return Visit(await visitor(request))


def page(
    request: Request[Any, Any, Any],
    name: str,
    visit: Visit | None,
    status_code: int = 200,
    **context: Any,
) -> Template:
    """`name` rendered with the visitor and her CSRF token (its cookie when she had none)."""
    token, new_csrf = csrf_token(request)
    offered = i18n.languages_for(visit.principal if visit else None)
    language = i18n.choose(
        offered,
        request.cookies.get(i18n.LANGUAGE_COOKIE),
        request.headers.get("accept-language", ""),
    )
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return Template(
        template_name=name,
        context={
            "lang": language,
            "languages": [(code, i18n.native_name(code)) for code in offered],
            "here": here if request.method == "GET" else "/web/",
            "me": visit.principal if visit else None,
            "roles": {r.value for r in visit.principal.roles} if visit else set(),
            "csrf_field": CSRF_FIELD,
            "csrf": token,
            "errors": [],
            **context,
        },
        status_code=status_code,
        cookies=[new_csrf] if new_csrf else [],
    )


def _home_of(principal: Principal) -> str:
    if Role.LEGAL_ADVISER in principal.roles:
        return "/web/claims"
    if Role.ADMINISTRATOR in principal.roles:
        return "/web/queue"
    if Role.MINISTRY in principal.roles:
        return "/web/report"
    return "/web/sign-in"


# --- signing in and out -----------------------------------------------------------------------


@get("/", include_in_schema=False)
async def home(visit: NamedDependency[Visit]) -> Redirect:
    return Redirect(_home_of(visit.principal), status_code=303)


@get("/sign-in", include_in_schema=False)
async def sign_in_form(request: Request[Any, Any, Any]) -> Template:
    return page(request, "sign_in.html", None, expired="expired" in request.query_params)


@post("/sign-in", include_in_schema=False)
async def sign_in_post(
    request: Request[Any, Any, Any],
    session: NamedDependency[AsyncSession],
    clock: NamedDependency[Clock],
) -> Response[Any]:
    await check_csrf(request)
    form = await request.form()
    username = str(form.get("username", "")).strip()
    password = str(form.get("password", ""))
    errors = []
    if not username:
        errors.append(forms.FieldError("username", n_("Enter your username")))
    if not password:
        errors.append(forms.FieldError("password", n_("Enter your password")))
    if errors:
        return page(request, "sign_in.html", None, 400, errors=errors, username=username)
    try:
        async with unit_of_work(session):
            principal = await sign_in(
                session,
                SIGN_IN_THROTTLE,
                Credentials(username, password, is_service=False),
                client_address(request),
            )
            if principal is not None:
                cookies = await start_session(session, request, principal.user_id, clock.now())
    except SignInThrottled as exc:
        error = forms.FieldError(
            "username",
            f"Too many failed sign-ins: try again in {exc.retry_after_seconds} seconds",
        )
        response = page(request, "sign_in.html", None, 429, errors=[error], username=username)
        response.headers["Retry-After"] = str(exc.retry_after_seconds)
        return response
    if principal is None:
        error = forms.FieldError("username", n_("The username or the password is not right"))
        return page(request, "sign_in.html", None, 401, errors=[error], username=username)
    return Redirect(_home_of(principal), status_code=303, cookies=cookies)


@post("/sign-out", include_in_schema=False)
async def sign_out(
    request: Request[Any, Any, Any], session: NamedDependency[AsyncSession]
) -> Redirect:
    """Ends the session on the server, so a copy of the cookie no longer signs anyone in."""
    await check_csrf(request)
    async with unit_of_work(session):
        user_id, cookies = await end_session(session, request)
        if user_id is not None:
            await write_audit(
                session,
                principal=None,
                action="auth.sign_out",
                subject_type="user",
                subject_id=str(user_id),
                remote_addr=client_address(request),
                details={"method": "web"},
            )
    return Redirect("/web/sign-in", status_code=303, cookies=cookies)


# --- legal adviser ----------------------------------------------------------------------------


@get("/claims", include_in_schema=False)
async def adviser_claims(
    request: Request[Any, Any, Any],
    session: NamedDependency[AsyncSession],
    clock: NamedDependency[Clock],
    visit: NamedDependency[Visit],
) -> Template:
    actor = visit.door(Role.LEGAL_ADVISER)
    claimants, claimant_total = await services.list_claimants(
        session, actor, reference=None, limit=100, offset=0
    )
    rows, total = await services.list_claims(
        session,
        actor,
        "reader",
        claims.ClaimFilter(),
        sort="submitted_at",
        limit=100,
        offset=0,
    )
    return page(
        request,
        "adviser_claims.html",
        visit,
        claimants=[views.claimant_summary(c) for c in claimants],
        claimant_total=claimant_total,
        claims=views.claim_page(rows, total, 100, 0, now=clock.now()),
        acts_next=claim_sections.ACTS_NEXT,
    )


async def _claim_form_context(
    session: NamedDependency[AsyncSession],
    actor: claims.Actor,
    principal: Principal,
    rows: int = 1,
) -> dict[str, Any]:
    claimants, _ = await services.list_claimants(
        session, actor, reference=None, limit=100, offset=0
    )
    countries = sorted(principal.countries(Role.LEGAL_ADVISER) & set(COUNTRIES))
    return {
        "claimants": [views.claimant_summary(c) for c in claimants],
        "countries": countries,
        "currencies": ledger.COUNTRY_CURRENCY,
        "categories": forms.CATEGORIES,
        "sub_kinds": forms.SUB_KINDS,
        "head_rows": range(rows),
        "max_head_rows": forms.MAX_HEAD_ROWS,
    }


@get("/claims/new", include_in_schema=False)
async def claim_form(
    request: Request[Any, Any, Any],
    session: NamedDependency[AsyncSession],
    visit: NamedDependency[Visit],
) -> Template:
    actor = visit.door(Role.LEGAL_ADVISER)
    context = await _claim_form_context(session, actor, visit.principal)
    chosen = {"offence": "trafficking", "claimant_id": request.query_params.get("claimant", "")}
    return page(request, "claim_form.html", visit, values=chosen, **context)


@post("/claims/new", include_in_schema=False)
async def claim_form_post(
    request: Request[Any, Any, Any],
    session: NamedDependency[AsyncSession],
    clock: NamedDependency[Clock],
    visit: NamedDependency[Visit],
) -> Response[Any]:
    """`action=add_head` shows the form again with one more head row, keeping what she typed;
    `action=estimate` shows the country's dry-run assessment beside the form; `action=save`
    files the draft claim, as the API's POST /api/v1/claims does."""
    await check_csrf(request)
    actor = visit.door(Role.LEGAL_ADVISER)
    form = await request.form()
    adding = form.get("action") == "add_head"
    rows = forms.head_rows(form, add=adding)
    context = await _claim_form_context(session, actor, visit.principal, rows)
    values = {k: v for k, v in form.items() if k != CSRF_FIELD}
    if adding:
        return page(request, "claim_form.html", visit, values=values, added=rows - 1, **context)
    country = str(form.get("country", ""))
    try:
        facts, fields = forms.claim_facts(form, country, context["countries"])
        policy = await policy_for(session, country)
        estimate_in = forms.convert(
            forms.estimate_request(facts, today(clock)), AssessRequest, fields
        )
        estimate = AssessmentOut.of(policy.assess(estimate_in.facts(policy.code), today(clock)))
        if form.get("action") != "save":
            return page(
                request, "claim_form.html", visit, values=values, estimate=estimate, **context
            )
        fields["claimant_id"] = "claimant_id"
        data = forms.convert(
            forms.claim_create(facts, str(form.get("claimant_id", "")), country),
            ClaimCreate,
            fields,
        )
        async with unit_of_work(session):
            claim = await services.create_claim(session, actor, data, now=clock.now())
            await audit(
                session,
                request,
                visit.principal,
                action="claim.create",
                subject_type="claim",
                subject_id=claim.id,
                details={"status": claim.status, "version": claim.version},
            )
    except forms.FormInvalid as exc:
        return page(
            request, "claim_form.html", visit, 400, values=values, errors=exc.errors, **context
        )
    except (claims.ClaimsError, PolicyError) as exc:
        field = getattr(exc, "field", "form")
        error = forms.FieldError(field if field in values else "country", str(exc))
        return page(
            request, "claim_form.html", visit, 400, values=values, errors=[error], **context
        )
    return Redirect(f"/web/claims/{claim.id}", status_code=303)


# --- a claim, for its adviser and its administrators -------------------------------------------


async def _claim_page(
    request: Request[Any, Any, Any],
    *,
    session: NamedDependency[AsyncSession],
    clock: NamedDependency[Clock],
    visit: NamedDependency[Visit],
    claim_id: uuid.UUID,
    status_code: int = 200,
    errors: list[forms.FieldError] | None = None,
    values: dict[str, Any] | None = None,
) -> Template:
    actor = visit.door(Role.LEGAL_ADVISER, Role.ADMINISTRATOR, Role.AUDITOR)
    claim = await services.get_claim(session, actor, claim_id)
    history = await services.history(session, actor, claim_id)
    readers = {Role.LEGAL_ADVISER, Role.ADMINISTRATOR}
    shown = views.claim_view(claim, actor)
    return page(
        request,
        "claim.html",
        visit,
        status_code,
        claim=shown,
        assessment=views.assessment_view(claim.assessment) if claim.assessment else None,
        history=[views.transition_view(t, claim.currency) for t in history],
        taken_by=await usernames(session, (t.actor_id for t in history)),
        claim_documents=[
            views.document_view(d) for d in await services.documents(session, actor, claim.id)
        ],
        downloads_documents=bool(visit.principal.roles & {Role.LEGAL_ADVISER, Role.ADMINISTRATOR}),
        letters=await letters.letters_of(session, claim.id)
        if visit.principal.roles & readers
        else [],
        letter_queued=await letter_queue.pending_letter_job(session, claim.id) is not None,
        payments=[views.payment_view(p) for p in await services.payments(session, actor, claim.id)],
        decided_by_me=claim.decided_by == actor.user_id,
        today=today(clock),
        errors=errors or [],
        values=values or {},
        **await claim_sections.sections(request, session, visit.principal, claim),
    )


@get("/claims/{claim_id:uuid}", include_in_schema=False)
async def claim_page(
    request: Request[Any, Any, Any],
    session: NamedDependency[AsyncSession],
    clock: NamedDependency[Clock],
    visit: NamedDependency[Visit],
    claim_id: FromPath[uuid.UUID],
) -> Template:
    return await _claim_page(request, session=session, clock=clock, visit=visit, claim_id=claim_id)


@get("/claims/{claim_id:uuid}/letters/{version:int}", include_in_schema=False)
async def letter_download(
    request: Request[Any, Any, Any],
    session: NamedDependency[AsyncSession],
    visit: NamedDependency[Visit],
    claim_id: FromPath[uuid.UUID],
    version: FromPath[int],
) -> Response[bytes]:
    """One letter as PDF, as the API's letter download serves it: her adviser and the claim's
    administrators only (auditors see no personal data); the read is audited."""
    actor = visit.door(Role.LEGAL_ADVISER, Role.ADMINISTRATOR)
    async with unit_of_work(session):
        claim = await services.get_claim(session, actor, claim_id)
        try:
            letter, pdf = await letters.letter_content(
                session, vault_of(request.app.state), claim.id, version
            )
        except letters.LetterNotFound as error:
            raise claims.NotFound("letter") from error
        await audit(
            session,
            request,
            visit.principal,
            action="claim.letter.read",
            subject_type="claim",
            subject_id=claim.id,
            details={"version": version},
        )
    filename = f"letter-{claim.reference}-v{letter.version}.pdf"
    return Response(
        content=pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


STEPS = {
    "submit": (Role.LEGAL_ADVISER, services.submit),
    "review": (Role.ADMINISTRATOR, services.start_review),
}


async def _run_step(
    request: Request[Any, Any, Any],
    *,
    session: AsyncSession,
    clock: Clock,
    visit: Visit,
    claim_id: uuid.UUID,
    step: str,
    version: int,
    form: FormMultiDict,
) -> ClaimRow:
    """Run `step` through the service the API's route of the same name calls."""
    reason = str(form.get("reason", "")).strip() or None
    if step in STEPS:
        role, run = STEPS[step]
        return await run(
            session,
            visit.door(role),
            claim_id,
            expected_version=version,
            reason=reason,
            now=clock.now(),
        )
    actor = visit.door(Role.ADMINISTRATOR)
    if step == "assess":
        return await services.assess(
            session,
            actor,
            claim_id,
            expected_version=version,
            as_of=None,
            reason=reason,
            now=clock.now(),
            policies=policy_for,
            vault=vault_of(request.app.state),
        )
    if step == "decision":
        current = await services.get_claim(session, actor, claim_id)
        raw, fields = forms.decision(form, [h.position for h in current.heads])
        data = forms.convert(raw, DecisionRequest, fields)
        return await services.make_decision(
            session, actor, claim_id, expected_version=version, data=data, now=clock.now()
        )
    if step in ("confirm", "send_back"):
        return await services.review_decision(
            session,
            actor,
            claim_id,
            expected_version=version,
            approve=step == "confirm",
            reason=reason,
            now=clock.now(),
        )
    if step == "letter":
        # As the API's letter route: queued in this transaction, issued by a letters worker.
        claim = await services.letter_may_be_issued(
            session, actor, claim_id, expected_version=version
        )
        await letter_queue.request_letter(session, claim, by=actor.user_id, reason=reason)
        return claim
    if step == "pay":
        current = await services.get_claim(session, actor, claim_id)
        raw, fields = forms.payment(form, current.currency)
        await services.record_payment(
            session,
            actor,
            claim_id,
            expected_version=version,
            data=forms.convert(raw, PaymentCreate, fields),
            now=clock.now(),
        )
        return await services.get_claim(session, actor, claim_id)
    raise claims.NotFound("step")


@post("/claims/{claim_id:uuid}/{step:str}", include_in_schema=False)
async def claim_step(
    *,
    request: Request[Any, Any, Any],
    session: NamedDependency[AsyncSession],
    clock: NamedDependency[Clock],
    visit: NamedDependency[Visit],
    claim_id: FromPath[uuid.UUID],
    step: FromPath[str],
) -> Response[Any]:
    """One lifecycle step from a button on the claim page: the version shown guards against a
    form sent twice or sent after someone else's change (the service refuses a stale version)."""
    await check_csrf(request)
    form = await request.form()
    values = {k: v for k, v in form.items() if k != CSRF_FIELD}
    try:
        version = int(str(form.get("version", "")))
    except ValueError:
        version = -1
    try:
        async with unit_of_work(session):
            claim = await _run_step(
                request,
                session=session,
                clock=clock,
                visit=visit,
                claim_id=claim_id,
                step=step,
                version=version,
                form=form,
            )
            await audit(
                session,
                request,
                visit.principal,
                action=f"claim.{step}",
                subject_type="claim",
                subject_id=claim.id,
                details={"status": claim.status, "version": claim.version},
            )
    except forms.FormInvalid as exc:
        return await _claim_page(
            request,
            session=session,
            clock=clock,
            visit=visit,
            claim_id=claim_id,
            status_code=400,
            errors=exc.errors,
            values=values,
        )
    except claims.NotFound:
        raise
    except claims.ClaimsError as exc:
        field = getattr(exc, "field", "")
        error = forms.FieldError(_error_field(step, field), str(exc))
        return await _claim_page(
            request,
            session=session,
            clock=clock,
            visit=visit,
            claim_id=claim_id,
            status_code=409,
            errors=[error],
            values=values,
        )
    return Redirect(f"/web/claims/{claim_id}", status_code=303)


STEP_FIELDS = {"pay": "amount", "letter": "issue-letter"}
"""The input a refusal without a field of its own points at, per step (else the reason)."""


def _error_field(step: str, field: str) -> str:
    if field in ("", "reason", "form"):
        return STEP_FIELDS.get(step, "reason")
    return field


# --- fund administrator ---------------------------------------------------------------------


@get("/queue", include_in_schema=False)
async def review_queue(
    request: Request[Any, Any, Any],
    session: NamedDependency[AsyncSession],
    clock: NamedDependency[Clock],
    visit: NamedDependency[Visit],
) -> Template:
    actor = visit.door(Role.ADMINISTRATOR)
    query = request.query_params
    status = [s for s in query.getall("status", []) if s in STATUSES]
    country = [c for c in query.getall("country", []) if c in COUNTRIES]
    older = query.get("older_than_days", "")
    try:
        page_number = max(1, int(query.get("page", "1")))
    except ValueError:
        page_number = 1
    filters = claims.ClaimFilter(
        statuses=tuple(claims.ClaimStatus(s) for s in status),
        countries=tuple(country),
        submitted_before=clock.now() - timedelta(days=int(older))
        if older.isdigit() and int(older) <= 36_500
        else None,
    )
    offset = (page_number - 1) * PAGE_SIZE
    default: claims.SortKey = "submitted_at"
    sort = next((k for k in SORTS if k == query.get("sort")), default)
    rows, total = await services.list_claims(
        session, actor, "reader", filters, sort=sort, limit=PAGE_SIZE, offset=offset
    )
    kept = [("status", s) for s in status] + [("country", c) for c in country]
    if older:
        kept.append(("older_than_days", older))
    filtered = list(kept)
    kept.append(("sort", sort))
    return page(
        request,
        "queue.html",
        visit,
        claims=views.claim_page(rows, total, PAGE_SIZE, offset, now=clock.now()),
        statuses=STATUSES,
        countries=sorted(visit.principal.countries(Role.ADMINISTRATOR) & set(COUNTRIES))
        or COUNTRIES,
        chosen_status=status,
        chosen_country=country,
        older=older,
        page_number=page_number,
        pages=max(1, -(-total // PAGE_SIZE)),
        kept=kept,
        filtered=filtered,
        sort=sort,
    )


# --- ministry ---------------------------------------------------------------------------------


def _period(request: Request[Any, Any, Any], clock: Clock) -> tuple[str, date, date]:
    query = request.query_params
    year = today(clock).year
    try:
        start = date.fromisoformat(query.get("from", f"{year}-01-01"))
        end = date.fromisoformat(query.get("to", f"{year}-12-31"))
    except ValueError:
        start, end = date(year, 1, 1), date(year, 12, 31)
    return query.get("country", ""), start, end


def _report_countries(principal: Principal) -> list[str]:
    reach: set[str] = set()
    for role in (Role.MINISTRY, Role.ADMINISTRATOR, Role.AUDITOR):
        reach |= principal.countries(role)
    return COUNTRIES if "*" in reach else sorted(reach & set(COUNTRIES))


@get("/report", include_in_schema=False)
async def report_page(
    request: Request[Any, Any, Any],
    session: NamedDependency[AsyncSession],
    clock: NamedDependency[Clock],
    visit: NamedDependency[Visit],
) -> Template:
    visit.door(Role.MINISTRY, Role.ADMINISTRATOR, Role.AUDITOR)
    countries = _report_countries(visit.principal)
    country, start, end = _period(request, clock)
    country = country if country in [*countries, "ALL"] else countries[0]
    tables: dict[str, list[render.Figure]] = {}
    shown_charts = None
    error = None
    try:
        report = await allocation_for(
            session,
            visit.principal,
            country,
            start,
            end,
            now=clock.now(),
            remote_addr=client_address(request),
            chosen="html",
        )
        published = render.figures(report)
        for figure in published:
            tables.setdefault(figure.table, []).append(figure)
        shown_charts = charts.report_charts(published)
    except ProblemError as exc:
        error = forms.FieldError("country", exc.detail)
    return page(
        request,
        "report.html",
        visit,
        200 if error is None else 400,
        tables=tables,
        charts=shown_charts,
        country=country,
        countries=countries,
        start=start,
        end=end,
        errors=[error] if error else [],
    )


@get("/report/download", include_in_schema=False)
async def report_download(
    request: Request[Any, Any, Any],
    session: NamedDependency[AsyncSession],
    clock: NamedDependency[Clock],
    visit: NamedDependency[Visit],
) -> Response[bytes]:
    visit.door(Role.MINISTRY, Role.ADMINISTRATOR, Role.AUDITOR)
    chosen = "xlsx" if request.query_params.get("format") == "xlsx" else "csv"
    country, start, end = _period(request, clock)
    report = await allocation_for(
        session,
        visit.principal,
        country,
        start,
        end,
        now=clock.now(),
        remote_addr=client_address(request),
        chosen=chosen,
    )
    body = render.as_csv(report) if chosen == "csv" else render.as_xlsx(report)
    filename = f"allocation-{country}-{start.isoformat()}-{end.isoformat()}.{chosen}"
    return Response(
        content=body,
        media_type=MEDIA_TYPES[chosen],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# --- failures as pages --------------------------------------------------------------------------


def _to_sign_in(_request: Request[Any, Any, Any], _exc: Exception) -> Response[Any]:
    return Redirect("/web/sign-in?expired", status_code=303)


def _forbidden(request: Request[Any, Any, Any], _exc: Exception) -> Response[Any]:
    message = (
        n_("This form has expired or did not come from this site. Go back, reload and try again.")
        if isinstance(_exc, CsrfRefused)
        else n_("Your role does not reach this page.")
    )
    return page(request, "error.html", None, 403, title=n_("Not allowed"), message=message)


def _not_found(request: Request[Any, Any, Any], _exc: Exception) -> Response[Any]:
    return page(
        request,
        "error.html",
        None,
        404,
        title=n_("Not found"),
        message=n_("There is no such page or record within your reach."),
    )


def _problem(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, ProblemError)
    return page(
        request,
        "error.html",
        None,
        exc.problem.status,
        title=exc.problem.title,
        message=exc.detail,
    )


WEB_ROUTER = Router(
    path="/web",
    route_handlers=[
        home,
        sign_in_form,
        sign_in_post,
        sign_out,
        adviser_claims,
        claim_form,
        claim_form_post,
        claim_page,
        letter_download,
        claim_step,
        review_queue,
        report_page,
        report_download,
        create_static_files_router(
            path="/static", directories=[HERE / "static"], include_in_schema=False
        ),
    ],
    dependencies={"visit": Provide(provide_visit)},
    exception_handlers={
        SignInRequired: _to_sign_in,
        PermissionDeniedException: _forbidden,
        CsrfRefused: _forbidden,
        claims.NotFound: _not_found,
        ProblemError: _problem,
    },
    include_in_schema=False,
)
"""Every page under /web, out of the API's document."""
