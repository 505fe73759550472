"""Errors of the claims package: free of HTTP, messages safe to show (never a person's data)."""

from __future__ import annotations

from typing import Any


class ClaimsError(Exception):
    """Base of every claims error."""


class InvalidTransition(ClaimsError):
    """The event is not allowed in the claim's current status."""

    def __init__(self, status: str, event: str, allowed: tuple[str, ...]) -> None:
        allowed_text = ", ".join(allowed) if allowed else "none"
        super().__init__(
            f"a claim in status {status!r} cannot take {event!r}; allowed now: {allowed_text}"
        )
        self.status = status
        self.event = event
        self.allowed = allowed

    def problem_extensions(self) -> dict[str, Any]:
        return {
            "claim_status": self.status,
            "event": self.event,
            "allowed_events": list(self.allowed),
        }


class NotFound(ClaimsError):
    """No such record, or not one the caller may see (the two are not told apart)."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} not found")


class ClaimNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("claim")


class ClaimantNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("claimant")


class DocumentNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("document")


class InformationRequestNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("information request")


class VersionRequired(ClaimsError):
    """A write must say which version it was based on (If-Match)."""

    def __init__(self) -> None:
        super().__init__("send If-Match with the ETag of the version you read")


class StaleVersion(ClaimsError):
    """Someone else changed the record since the caller read it."""

    def __init__(self, current: int) -> None:
        super().__init__(
            "the record changed since you read it; read it again and re-apply your change"
        )
        self.current = current

    def problem_extensions(self) -> dict[str, Any]:
        return {"current_version": self.current}


class InvalidClaimData(ClaimsError):
    """A value in the request breaks a rule of the domain; `field` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field

    def problem_extensions(self) -> dict[str, Any]:
        return {"errors": [{"field": self.field, "message": str(self)}]}


class CountryNotInScope(ClaimsError):
    """The caller holds no grant for the country the claim would be decided in."""

    def __init__(self, country: str) -> None:
        super().__init__(f"you hold no grant to file claims in {country[:2]!r}")


class NoOrganisation(ClaimsError):
    """Claimants belong to an organisation; a caller without one cannot register any."""

    def __init__(self) -> None:
        super().__init__("only a legal adviser of an organisation may register claimants")


class SecondApproverMustDiffer(ClaimsError):
    """Four eyes: the administrator who decided cannot also confirm."""

    def __init__(self) -> None:
        super().__init__("a different administrator than the one who decided must confirm")


class PaymentExceedsOutstanding(ClaimsError):
    def __init__(self, outstanding: str, currency: str) -> None:
        super().__init__(f"the payment exceeds what is still owed ({outstanding} {currency})")
        self.outstanding = outstanding
        self.currency = currency

    def problem_extensions(self) -> dict[str, Any]:
        return {"outstanding": self.outstanding, "currency": self.currency}


class OverpaymentUnsettled(ClaimsError):
    """A claim whose claimant was paid more than an appeal awarded is closed only once the
    overpayment is repaid or waived."""

    def __init__(self, overpaid: str, currency: str) -> None:
        super().__init__(
            f"{overpaid} {currency} paid beyond the award is neither repaid nor waived"
        )


class NothingOverpaid(ClaimsError):
    """No overpayment is owed back on the claim (or no waiver waits for confirmation)."""


class RepaymentExceedsOwed(ClaimsError):
    def __init__(self, owed: str, currency: str) -> None:
        super().__init__(f"the repayment exceeds what she still owes back ({owed} {currency})")
        self.owed = owed
        self.currency = currency

    def problem_extensions(self) -> dict[str, Any]:
        return {"owed": self.owed, "currency": self.currency}


class ReservationLost(ClaimsError):
    """The award's reservation in the ledger is no longer pending: the step that relies on it
    waits until the award is reserved again."""

    def __init__(self, claim_id: str, ledger_status: str) -> None:
        super().__init__(
            f"the award's reservation in the ledger is {ledger_status}, so the award is not "
            f"reserved; reserve it again with POST /api/v1/claims/{claim_id}/reservation"
        )
        self.claim_id = claim_id
        self.ledger_status = ledger_status

    def problem_extensions(self) -> dict[str, Any]:
        return {
            "reservation_status": self.ledger_status,
            "reserve_again": f"/api/v1/claims/{self.claim_id}/reservation",
        }


class ReservationIntact(ClaimsError):
    """Reserving again is for an award whose reservation was lost; this one is in place."""

    def __init__(self, why: str) -> None:
        super().__init__(f"nothing to reserve: {why}")


class AwardNotBooked(ClaimsError):
    """A payment settles a booked award; the ledger does not show this one booked."""

    def __init__(self, ledger_status: str) -> None:
        super().__init__(
            f"the award is {ledger_status} in the ledger, not booked; no payment can settle it"
        )


class OutstandingBalance(ClaimsError):
    """A claim with money still owed cannot be closed."""

    def __init__(self, outstanding: str, currency: str) -> None:
        super().__init__(f"{outstanding} {currency} is still owed on this claim")


class DocumentTooLarge(ClaimsError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"a document may be at most {limit} bytes")
        self.limit = limit

    def problem_extensions(self) -> dict[str, Any]:
        return {"max_bytes": self.limit}


class UnsupportedDocumentType(ClaimsError):
    def __init__(self) -> None:
        super().__init__("only PDF, JPEG and PNG documents are accepted (checked by content)")


class PersonalDataErased(ClaimsError):
    """The claimant's data key was destroyed; her personal fields can no longer be read."""

    def __init__(self) -> None:
        super().__init__("the claimant's personal data has been erased")


class ApplicationNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("return-assistance application")


class ConsentDocumentNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("consent document")


class ReturnTransitionRefused(ClaimsError):
    """The step is not allowed in the application's current status."""

    def __init__(self, status: str, event: str, allowed: tuple[str, ...]) -> None:
        allowed_text = ", ".join(allowed) if allowed else "none"
        super().__init__(
            f"an application in status {status!r} cannot take {event!r}; allowed now: "
            f"{allowed_text}"
        )
        self.status = status
        self.event = event
        self.allowed = allowed

    def problem_extensions(self) -> dict[str, Any]:
        return {
            "application_status": self.status,
            "event": self.event,
            "allowed_events": list(self.allowed),
        }


class RecordsMissing(ClaimsError):
    """A return is approved only with her consent, a risk and a needs assessment on file."""

    def __init__(self, missing: tuple[str, ...]) -> None:
        super().__init__(f"approval needs these records first: {', '.join(missing)}")
        self.missing = missing

    def problem_extensions(self) -> dict[str, Any]:
        return {"missing": list(self.missing)}


class InstalmentNotPayable(ClaimsError):
    """No such instalment in the schedule, or it is paid or voided already."""

    def __init__(self, position: int, why: str) -> None:
        super().__init__(f"instalment {position} cannot be paid: {why}")
        self.position = position

    def problem_extensions(self) -> dict[str, Any]:
        return {"instalment": self.position}


__all__ = [
    "ApplicationNotFound",
    "AwardNotBooked",
    "ClaimNotFound",
    "ClaimantNotFound",
    "ClaimsError",
    "CountryNotInScope",
    "DocumentNotFound",
    "DocumentTooLarge",
    "InformationRequestNotFound",
    "InstalmentNotPayable",
    "InvalidClaimData",
    "InvalidTransition",
    "NoOrganisation",
    "NotFound",
    "NothingOverpaid",
    "OutstandingBalance",
    "OverpaymentUnsettled",
    "PaymentExceedsOutstanding",
    "PersonalDataErased",
    "RecordsMissing",
    "RepaymentExceedsOwed",
    "ReservationIntact",
    "ReservationLost",
    "ReturnTransitionRefused",
    "SecondApproverMustDiffer",
    "StaleVersion",
    "UnsupportedDocumentType",
    "VersionRequired",
]
