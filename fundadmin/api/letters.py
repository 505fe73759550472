"""Award letters over HTTP: an administrator of the deciding country asks for a claim's letter
(202: a letters worker renders it, stores it and moves the claim on, in one transaction); her
adviser and the country's administrators list and download a claim's letters (the claim's own
reach: outside it, 404); anyone may verify a code (public and rate-limited), and learns only
which authority issued the letter, when, and the PDF's hash.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

import claims
from claims import services
from claims.schemas import StepRequest
from fundadmin.api.claims_support import actor_of, vault_of
from fundadmin.api.conventions import LOCATION_HEADER, IfMatch, expected_version
from fundadmin.api.pagination import LINK_HEADER, After, Limit, Page, page_of, paged
from fundadmin.api.steps import audit
from fundadmin.database import unit_of_work
from fundadmin.errors import NOT_FOUND, ProblemError
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
            )

        async with unit_of_work(session):
            response = await idempotent(request, session, principal, data, act, status_code=202)
        # A replay answers from the stored body, so the place is read back from it.
        if response.status_code == 202:
            response.headers["Location"] = msgspec.json.decode(response.content)["letter"]
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
