"""Every error answer is an RFC 9457 problem document; this module is the one table that says which.

Domain packages raise their own errors (``ledger.errors``, ``claims.errors``, ...), free of HTTP.
:data:`DOMAIN_ERRORS` maps each to a status and a problem type. Messages of domain errors are
written to be safe to show: they name fields, postings and states, never a person's data.
Database messages are never shown (a unique violation's detail quotes the row's values).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import structlog
from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    PermissionDeniedException,
    ValidationException,
)
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout

import claims
import ledger
from fundadmin.funding import errors as funding_errors
from fundadmin.logging import request_id
from fundadmin.parameter_values import errors as parameter_values
from fundadmin.privacy import errors as privacy_errors
from fundadmin.schema import SchemaBehind
from fundadmin.security import errors as security_errors
from policies import errors as policy_errors

log = structlog.get_logger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "https://fundadmin.org/problems/"


@dataclass(frozen=True, slots=True)
class ProblemType:
    status: int
    slug: str
    title: str


class ProblemError(Exception):
    """An error raised at the HTTP edge that already knows its problem type."""

    def __init__(
        self,
        problem: ProblemType,
        detail: str,
        *,
        extensions: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.problem = problem
        self.detail = detail
        self.extensions = dict(extensions or {})
        self.headers = dict(headers or {})


NOT_FOUND = ProblemType(404, "not-found", "Not found")
CONFLICT = ProblemType(409, "conflict", "Conflict with the current state")
RETRY_CONFLICT = ProblemType(409, "concurrent-update", "Concurrent update, try again")
UNPROCESSABLE = ProblemType(422, "validation-error", "The request is not valid")
UNSTORABLE_TEXT = ProblemType(422, "unstorable-text", "Text with a character that cannot be stored")
SERVICE_UNAVAILABLE = ProblemType(503, "service-unavailable", "Service unavailable")
INTERNAL = ProblemType(500, "internal-error", "Internal error")

_AWARD_CONFLICT = ProblemType(409, "award-conflict", "The amount conflicts with the award")
STALE_VERSION = ProblemType(412, "stale-version", "The record changed since you read it")
ERASED = ProblemType(410, "personal-data-erased", "Personal data erased")

DOMAIN_ERRORS: dict[type[Exception], ProblemType] = {
    SchemaBehind: SERVICE_UNAVAILABLE,
    security_errors.UnknownSubject: NOT_FOUND,
    security_errors.SubjectErased: ERASED,
    security_errors.UserNotFound: NOT_FOUND,
    security_errors.UserExists: CONFLICT,
    security_errors.InvalidUserChange: UNPROCESSABLE,
    security_errors.SeparationOfDuties: ProblemType(
        403, "separation-of-duties", "Not by one superuser alone"
    ),
    security_errors.ChangeNotFound: NOT_FOUND,
    security_errors.ChangeAlreadyPending: ProblemType(
        409, "change-pending", "A change waits for confirmation"
    ),
    security_errors.BreakGlassReasonInvalid: UNPROCESSABLE,
    security_errors.BreakGlassRequired: ProblemType(
        403, "break-glass-required", "A logged reason is required"
    ),
    security_errors.MasterKeyMissing: SERVICE_UNAVAILABLE,
    security_errors.CiphertextRejected: ProblemType(
        500, "integrity-error", "Stored data failed its integrity check"
    ),
    parameter_values.InvalidParameterValue: UNPROCESSABLE,
    parameter_values.ParameterValueNotFound: NOT_FOUND,
    parameter_values.ParameterValueAlreadyDecided: ProblemType(
        409, "parameter-value-decided", "The value is already confirmed or rejected"
    ),
    parameter_values.SecondAdministratorMustDiffer: ProblemType(
        403, "four-eyes", "A second, different administrator must confirm"
    ),
    parameter_values.CountryNotAdministered: ProblemType(
        403, "country-not-in-scope", "Not a country of your grants"
    ),
    policy_errors.UnknownCountry: NOT_FOUND,
    policy_errors.ParameterNotInForce: ProblemType(
        422, "parameters-not-in-force", "No parameters in force on that date"
    ),
    policy_errors.UnknownOffence: ProblemType(
        422, "unknown-offence", "Not an offence of the country's published list"
    ),
    policy_errors.CurrencyMismatch: ProblemType(
        422, "currency-mismatch", "Amount not in the country's currency"
    ),
    policy_errors.InvalidAmount: UNPROCESSABLE,
    policy_errors.InvalidFacts: UNPROCESSABLE,
    policy_errors.WrongCountry: UNPROCESSABLE,
    # Any other policy error during an assessment is bad input for that country, never a 500.
    policy_errors.PolicyError: ProblemType(
        422, "policy-error", "The country's policy cannot assess this"
    ),
    ledger.InvalidTransaction: ProblemType(422, "invalid-transaction", "Invalid transaction"),
    ledger.InvalidPosting: ProblemType(422, "invalid-posting", "Invalid posting"),
    ledger.UnbalancedTransaction: ProblemType(
        422, "unbalanced-transaction", "The transaction does not balance"
    ),
    ledger.PrecisionExceeded: ProblemType(
        422, "precision-exceeded", "Too many decimals for the currency"
    ),
    ledger.UnknownAccount: ProblemType(422, "unknown-account", "Unknown account"),
    ledger.CurrencyMismatch: ProblemType(422, "currency-mismatch", "Wrong currency"),
    ledger.ForeignAccount: ProblemType(422, "foreign-account", "Account of another country's fund"),
    ledger.NonPositiveAmount: ProblemType(422, "non-positive-amount", "Amount must be positive"),
    ledger.InsufficientFunds: ProblemType(409, "insufficient-funds", "Insufficient funds"),
    ledger.InvalidAccount: UNPROCESSABLE,
    ledger.AccountConflict: ProblemType(409, "account-exists", "Account exists"),
    ledger.AccountNotFound: NOT_FOUND,
    ledger.TransactionNotFound: NOT_FOUND,
    ledger.InvalidTransition: ProblemType(
        409, "invalid-transition", "Not allowed in the transaction's state"
    ),
    ledger.PendingExpired: ProblemType(409, "pending-expired", "Pending transaction expired"),
    ledger.AlreadyReversed: ProblemType(409, "already-reversed", "Already reversed"),
    ledger.OwnedElsewhere: ProblemType(
        409, "owned-by-claim", "This money moves only through its claim's routes"
    ),
    ledger.IdempotencyConflict: ProblemType(
        409, "idempotency-key-reused", "Idempotency key already used"
    ),
    ledger.LedgerError: CONFLICT,
    claims.InvalidTransition: ProblemType(
        409, "invalid-transition", "Not allowed in the claim's status"
    ),
    claims.NotFound: NOT_FOUND,
    claims.VersionRequired: ProblemType(428, "precondition-required", "If-Match required"),
    claims.StaleVersion: STALE_VERSION,
    claims.InvalidClaimData: UNPROCESSABLE,
    claims.CountryNotInScope: ProblemType(
        403, "country-not-in-scope", "Not a country of your grants"
    ),
    claims.NoOrganisation: ProblemType(403, "no-organisation", "No organisation"),
    claims.SecondApproverMustDiffer: ProblemType(
        403, "four-eyes", "A second, different administrator must confirm"
    ),
    claims.PaymentExceedsOutstanding: _AWARD_CONFLICT,
    claims.OverpaymentUnsettled: _AWARD_CONFLICT,
    claims.NothingOverpaid: ProblemType(409, "nothing-overpaid", "Nothing is owed back"),
    claims.RepaymentExceedsOwed: ProblemType(
        409, "repayment-exceeds-owed", "The repayment exceeds what is owed back"
    ),
    claims.OutstandingBalance: _AWARD_CONFLICT,
    claims.ReservationLost: ProblemType(409, "reservation-lost", "The award is not reserved"),
    claims.ReservationIntact: ProblemType(409, "reservation-intact", "Nothing to reserve"),
    claims.AwardNotBooked: _AWARD_CONFLICT,
    claims.DocumentTooLarge: ProblemType(413, "document-too-large", "Document too large"),
    claims.UnsupportedDocumentType: ProblemType(
        415, "unsupported-document-type", "Unsupported document type"
    ),
    claims.PersonalDataErased: ERASED,
    privacy_errors.ErasureRefused: ProblemType(
        409, "erasure-refused", "The law requires keeping this data for now"
    ),
    privacy_errors.ErasureAlreadyRequested: ProblemType(
        409, "erasure-already-requested", "An erasure is already requested"
    ),
    privacy_errors.ErasureNotOpen: ProblemType(
        409, "erasure-not-open", "The erasure request is no longer open"
    ),
    privacy_errors.SecondPersonRequired: ProblemType(
        403, "four-eyes", "A second, different administrator must confirm"
    ),
    privacy_errors.ErasureRequestNotFound: NOT_FOUND,
    privacy_errors.HoldNotFound: NOT_FOUND,
    privacy_errors.HoldAlreadyLifted: ProblemType(409, "hold-lifted", "The hold was lifted"),
    privacy_errors.NoCountryInScope: ProblemType(
        403, "country-not-in-scope", "Not a country of your grants"
    ),
    funding_errors.FundingNotFound: NOT_FOUND,
    funding_errors.InvalidFundingData: UNPROCESSABLE,
    funding_errors.NotYourCountry: ProblemType(
        403, "country-not-administered", "Not your country's books"
    ),
    funding_errors.StaleOrder: ProblemType(
        412, "stale-version", "The record changed since you read it"
    ),
    claims.ReturnTransitionRefused: ProblemType(
        409, "invalid-transition", "Not allowed in the application's status"
    ),
    claims.RecordsMissing: ProblemType(
        409, "return-records-missing", "Consent, risk or needs assessment missing"
    ),
    claims.InstalmentNotPayable: ProblemType(
        409, "instalment-not-payable", "The instalment cannot be paid"
    ),
}
"""Domain error class -> problem type. Subclasses inherit their closest ancestor's entry."""

# SQLSTATEs that mean "another transaction got there first": the client may simply retry.
_RETRYABLE_SQLSTATES = {"40001", "40P01", "55P03"}
# The database went away or will not take the session (class 08 is "connection exception"):
# administrator or crash shutdown, still starting, out of connections.
# 57014: a statement ran past statement_timeout (an overloaded or stalled database).
_UNAVAILABLE_SQLSTATES = {"57P01", "57P02", "57P03", "53300", "57014"}
# PostgreSQL stores no NUL character in text (22021) or JSON (22P05); only a request's own text
# can carry one, so the request is at fault, and its transaction is rolled back like any other.
_UNSTORABLE_TEXT_SQLSTATES = {"22021", "22P05"}


def _problem_for(exc: Exception) -> ProblemType | None:
    for cls in type(exc).__mro__:
        if cls in DOMAIN_ERRORS:
            return DOMAIN_ERRORS[cls]
    return None


def problem_response(
    request: Request[Any, Any, Any],
    problem: ProblemType,
    detail: str,
    *,
    extensions: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + problem.slug,
        "title": problem.title,
        "status": problem.status,
        "detail": detail,
        "instance": request.url.path,
    }
    body["request_id"] = request_id(request.scope)
    body.update(extensions or {})
    return Response(
        content=body,
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=dict(headers or {}),
    )


def _validation_errors(exc: ValidationException) -> list[dict[str, str]]:
    """Which field is wrong and why, without echoing the value that was sent."""
    errors = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            field = item.get("key") or item.get("source") or "body"
            errors.append({"field": str(field), "message": str(item.get("message", "invalid"))})
    return errors


def _http_problem(exc: HTTPException) -> ProblemType:
    status = exc.status_code
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    return ProblemType(status, phrase.lower().replace(" ", "-"), phrase)


def handle_exception(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    if isinstance(exc, ProblemError):
        return problem_response(
            request, exc.problem, exc.detail, extensions=exc.extensions, headers=exc.headers
        )
    problem = _problem_for(exc)
    if problem is not None:
        extensions: dict[str, Any] = getattr(exc, "problem_extensions", dict)()
        return problem_response(request, problem, str(exc), extensions=extensions)
    if isinstance(exc, ValidationException):
        return problem_response(
            request,
            UNPROCESSABLE,
            "the request body or parameters do not match the schema",
            extensions={"errors": _validation_errors(exc)},
        )
    if isinstance(exc, NotAuthorizedException):
        return problem_response(
            request,
            ProblemType(401, "unauthenticated", "Authentication required"),
            "a valid bearer token is required",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    if isinstance(exc, PermissionDeniedException):
        return problem_response(
            request,
            ProblemType(403, "forbidden", "Forbidden"),
            "your role may not call this operation",
        )
    if isinstance(exc, HTTPException):
        detail = exc.detail if exc.status_code < 500 else "the service could not answer"
        return problem_response(
            request, _http_problem(exc), detail, headers=dict(exc.headers or {})
        )
    if _database_unavailable(exc):
        # Nothing was committed unless the loss hit the COMMIT itself; either way a retry with
        # the same Idempotency-Key moves money once, so the client is told to retry.
        log.warning("database unavailable", exc_type=type(exc).__name__)
        return problem_response(
            request,
            SERVICE_UNAVAILABLE,
            "the database could not be reached; retry the request (with the same "
            "Idempotency-Key if it moves money)",
            headers={"Retry-After": "5"},
        )
    if isinstance(exc, DBAPIError) and _sqlstate(exc) in _RETRYABLE_SQLSTATES:
        return problem_response(
            request,
            RETRY_CONFLICT,
            "another request changed the same records at the same time; retry the request",
            headers={"Retry-After": "1"},
        )
    if isinstance(exc, DBAPIError) and _sqlstate(exc) in _UNSTORABLE_TEXT_SQLSTATES:
        return problem_response(
            request,
            UNSTORABLE_TEXT,
            "a text in the request (body, path or query) contains a NUL character (\\u0000), "
            "which cannot be stored; remove it and send the request again",
        )
    if isinstance(exc, IntegrityError):
        return problem_response(
            request, CONFLICT, "the change conflicts with data already recorded"
        )
    log.error("unhandled error", exc_type=type(exc).__name__, exc_info=exc)
    return problem_response(request, INTERNAL, "an internal error occurred; it has been logged")


def _database_unavailable(exc: Exception) -> bool:
    """The connection was lost or could not be had (a failover, a restart, an exhausted pool)."""
    if isinstance(exc, DBAPIError):
        state = _sqlstate(exc) or ""
        return (
            exc.connection_invalidated
            or state[:2] == "08"
            or state in _UNAVAILABLE_SQLSTATES
            or isinstance(exc.orig, TimeoutError)
            or isinstance(getattr(exc.orig, "__cause__", None), TimeoutError)
        )
    # A TimeoutError is a database that did not answer in time (the driver's command timeout).
    return isinstance(exc, PoolTimeout | ConnectionError | TimeoutError)


def _sqlstate(exc: DBAPIError) -> str | None:
    orig = exc.orig
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    cause = getattr(orig, "__cause__", None)
    return code or getattr(cause, "sqlstate", None)


EXCEPTION_HANDLERS: Mapping[type[Exception] | int, Callable[..., Response[Any]]] = {
    Exception: handle_exception,
}

__all__ = [
    "CONFLICT",
    "DOMAIN_ERRORS",
    "EXCEPTION_HANDLERS",
    "NOT_FOUND",
    "PROBLEM_MEDIA_TYPE",
    "UNPROCESSABLE",
    "ProblemError",
    "ProblemType",
    "problem_response",
]
