"""Award letters over HTTP: an administrator of the deciding country asks for a claim's letter
(202: a letters worker renders it, stores it and moves the claim on, in one transaction); her
adviser and the country's administrators follow the job (`letter-jobs/{job}`: queued, doing,
succeeded with the letter's place, or failed with why), list and download a claim's letters (the
claim's own reach: outside it, 404); anyone may verify a code (public and rate-limited), and
learns only which authority issued the letter, when, and the PDF's hash.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.params import FromPath, JSONBody, PathParameter
from sqlalchemy.ext.asyncio import AsyncSession

import claims
from claims import services
from claims.schemas import StepRequest
from fundadmin.api.claims_support import actor_of, vault_of
from fundadmin.api.conventions import LOCATION_HEADER, IfMatch, expected_version
from fundadmin.api.pagination import LINK_HEADER, After, Limit, Page, page_of, paged
from fundadmin.api.steps import audit
from fundadmin.database import unit_of_work
from fundadmin.errors import NOT_FOUND, PROBLEM_BASE, ProblemError
from fundadmin.idempotency import IDEMPOTENT, idempotent, idempotent_responses
from fundadmin.letters import queue as letter_queue
from fundadmin.letters import service as letters
from fundadmin.letters.models import ClaimLetter
from fundadmin.security.guards import PUBLIC, requires
from fundadmin.security.principal import Principal, Role

LETTER_READERS = [requires(Role.LEGAL_ADVISER, Role.ADMINISTRATOR)]
"""Her adviser and the deciding country's administrators; auditors see no personal data."""

VERIFY_RATE_LIMIT = RateLimitConfig(rate_limit=("minute", 30), store="letters_verify")
"""Per client address and instance: enough for a person checking letters, far too few to search
a 120-bit space (which no rate would make feasible anyway)."""


class LetterView(msgspec.Struct, kw_only=True):
    version: int
    """1 for the first letter; each later letter (a corrected decision's, an overpayment's) is
    the next number."""
    kind: Literal["decision", "overpayment_waiver", "repayment_plan"]
    """The decision letter, or a letter about an overpayment: waived, or to be paid back."""
    issued_at: datetime
    languages: list[str]
    """Languages of its sections, hers first."""
    sha256: str
    """Hex SHA-256 of the PDF."""
    verification_code: str
    size_bytes: int


class LetterRequest(msgspec.Struct, kw_only=True):
    """A letter asked for: a letters worker renders and stores it, and the claim moves to
    `letter_issued` (its award booked) in the same transaction."""

    claim_id: uuid.UUID
    job_id: int
    """The job on the letters queue (asking again while it waits answers the same job)."""
    letter_version: int
    """The version the letter will have in the claim's `/letters`."""
    letter: str
    """Where the PDF will be read once issued (also the `Location` header); until then 404."""
    job: str | None = None
    """Where to follow the job (also the `Link` header, rel `monitor`): whether it is queued,
    being done, succeeded or failed."""


# The document writes a bound as a JSON float, and 2**63 - 1 is not one (it became 2**63, so
# the service refused ids the document allowed). The largest integer every JSON client holds
# exactly is far more than jobs will ever number.
MAX_JOB_ID = 2**53 - 1
JobId = Annotated[int, PathParameter(ge=1, le=MAX_JOB_ID, description="The job's id (`job_id`).")]


def _job_path(claim_id: uuid.UUID | str, job_id: int) -> str:
    return f"/api/v1/claims/{claim_id}/letter-jobs/{job_id}"


class JobProblem(msgspec.Struct, kw_only=True):
    """Why a letter job issued nothing, in the shape of an RFC 9457 problem (no personal data)."""

    type: str
    title: str
    detail: str


class LetterJobView(msgspec.Struct, kw_only=True):
    """A letter asked for, as its worker gets on with it."""

    job_id: int
    state: Literal["queued", "doing", "succeeded", "failed"]
    """`queued` (also between a failed attempt and its retry), `doing`, `succeeded` (the letter
    is issued) or `failed` (nothing was issued; `problem` says why)."""
    attempts: int
    """Attempts finished so far; a failed attempt is retried up to five in all."""
    letter: str | None = None
    """Where the PDF is read, once `succeeded`."""
    problem: JobProblem | None = None
    """Why nothing was issued, once `failed`."""


_JOB_FAILED = JobProblem(
    type=PROBLEM_BASE + "letter-job-failed",
    title="The letter could not be issued",
    detail="The letters worker failed on every attempt; the claim and its award are unchanged. "
    "Ask for the letter again; the service's log names this job.",
)
_NOTHING_ISSUED = JobProblem(
    type=PROBLEM_BASE + "letter-not-issued",
    title="No letter was issued",
    detail="The claim changed before its letter was issued (appealed, decided again, or its "
    "letter issued on another request), so this job issued nothing. Ask again if a letter is "
    "still due.",
)


class LetterVerification(msgspec.Struct, kw_only=True):
    issued: bool
    """Always true: an unknown code answers 404."""
    authority: str
    country: str
    issued_on: date
    sha256: str
    """Compare with the SHA-256 of the PDF you hold: equal means it is the letter issued."""


def _view(letter: ClaimLetter) -> LetterView:
    return LetterView(
        version=letter.version,
        kind=letter.kind,  # type: ignore[arg-type]  # the database's CHECK keeps it to the three
        issued_at=letter.issued_at,
        languages=list(letter.languages),
        sha256=letter.sha256,
        verification_code=letter.verification_code,
        size_bytes=letter.size_bytes,
    )


class ClaimLettersController(Controller):
    path = "/api/v1/claims/{claim_id:uuid}/letters"
    tags = ["letters"]
    guards = LETTER_READERS

    @get("/", summary="The claim's issued letters, oldest first", response_headers=LINK_HEADER)
    async def list_letters(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        claim_id: FromPath[uuid.UUID],
        after: After = None,
        limit: Limit = 50,
    ) -> Response[Page[LetterView]]:
        claim = await services.get_claim(session, actor_of(principal), claim_id)
        issued = [_view(letter) for letter in await letters.letters_of(session, claim.id)]
        return paged(request, page_of(issued, after, limit))

    @get(
        "/{version:int}",
        summary="One letter as PDF (personal data: the read is audited)",
        media_type="application/pdf",
    )
    async def download(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        state: State,
        claim_id: FromPath[uuid.UUID],
        version: FromPath[int],
    ) -> Response[bytes]:
        async with unit_of_work(session):
            claim = await services.get_claim(session, actor_of(principal), claim_id)
            try:
                letter, pdf = await letters.letter_content(
                    session, vault_of(state), claim.id, version
                )
            except letters.LetterNotFound as error:
                raise ProblemError(NOT_FOUND, "no letter with that version") from error
            await audit(
                session,
                request,
                principal,
                action="claim.letter.read",
                subject_type="claim",
                subject_id=claim.id,
                details={"version": version},
            )
        return Response(
            content=pdf,
            media_type="application/pdf",
            headers={
                "Content-Disposition": (
                    f'attachment; filename="{claim.reference}-v{letter.version}.pdf"'
                ),
                "Cache-Control": "no-store",
            },
        )


class LetterJobsController(Controller):
    path = "/api/v1/claims/{claim_id:uuid}/letter-jobs"
    tags = ["letters"]
    guards = LETTER_READERS

    @get("/{job_id:int}", summary="Follow a letter asked for: queued, doing, succeeded or failed")
    async def letter_job(
        self,
        *,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        claim_id: FromPath[uuid.UUID],
        job_id: JobId,
    ) -> LetterJobView:
        claim = await services.get_claim(session, actor_of(principal), claim_id)
        job = await letter_queue.letter_job(session, claim.id, job_id)
        if job is None:
            raise ProblemError(NOT_FOUND, "no letter job with that id for this claim")
        view = LetterJobView(job_id=job_id, state="queued", attempts=job.attempts)
        if job.status in ("doing", "aborting"):
            view.state = "doing"
        elif job.status in ("failed", "cancelled", "aborted"):
            view.state, view.problem = "failed", _JOB_FAILED
        elif job.status == "succeeded":
            issued = {
                letter.version
                for letter in await letters.letters_of(session, claim.id)
                if letter.kind == "decision"
            }
            if job.letter_version in issued:
                view.state = "succeeded"
                view.letter = f"/api/v1/claims/{claim.id}/letters/{job.letter_version}"
            else:
                view.state, view.problem = "failed", _NOTHING_ISSUED
        return view


class LetterRequestController(Controller):
    path = "/api/v1/claims/{claim_id:uuid}/letter"
    tags = ["claims"]
    """A step of the claim: its operation id stays `claims_issue_letter` for generated clients."""
    guards = [requires(Role.ADMINISTRATOR)]

    @post(
        "/",
        summary="Ask for the decision letter: 202, a letters worker issues it and books the "
        "award (If-Match, Idempotency-Key)",
        status_code=202,
        responses=idempotent_responses(LetterRequest, 202),
        response_headers=LOCATION_HEADER,
        opt=IDEMPOTENT,
    )
    async def issue_letter(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        claim_id: FromPath[uuid.UUID],
        data: JSONBody[StepRequest],
        if_match: IfMatch = None,
    ) -> Response[bytes]:
        if request.headers.get("If-Match") is None:
            # 428 before the key is looked at: a retry without If-Match must not replay.
            raise claims.VersionRequired()

        async def act() -> LetterRequest:
            claim = await services.letter_may_be_issued(
                session, actor_of(principal), claim_id, expected_version=expected_version(if_match)
            )
            queued = await letter_queue.request_letter(
                session, claim, by=principal.user_id, reason=data.reason
            )
            await audit(
                session,
                request,
                principal,
                action="claim.letter.request",
                subject_type="claim",
                subject_id=claim.id,
                details={"job": queued.job_id, "letter_version": queued.letter_version},
            )
            return LetterRequest(
                claim_id=claim.id,
                job_id=queued.job_id,
                letter_version=queued.letter_version,
                letter=f"/api/v1/claims/{claim.id}/letters/{queued.letter_version}",
                job=_job_path(claim.id, queued.job_id),
            )

        async with unit_of_work(session):
            response = await idempotent(request, session, principal, data, act, status_code=202)
        # A replay answers from the stored body, so the place is read back from it.
        if response.status_code == 202:
            body = msgspec.json.decode(response.content)
            response.headers["Location"] = body["letter"]
            monitor = _job_path(body["claim_id"], body["job_id"])
            response.headers["Link"] = f'<{monitor}>; rel="monitor"'
        return response


class LetterVerificationController(Controller):
    path = letters.VERIFY_PATH
    tags = ["letters"]
    opt = PUBLIC
    middleware = [VERIFY_RATE_LIMIT.middleware]

    @get("/{code:str}", summary="Was a letter with this code issued? (public, rate-limited)")
    async def verify(
        self, *, session: NamedDependency[AsyncSession], code: FromPath[str]
    ) -> LetterVerification:
        try:
            found = await letters.verify(session, code)
        except letters.LetterNotFound as error:
            raise ProblemError(NOT_FOUND, "no letter was issued with that code") from error
        return LetterVerification(
            issued=True,
            authority=found.authority,
            country=found.country,
            issued_on=found.issued_at.date(),
            sha256=found.sha256,
        )
