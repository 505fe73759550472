"""Compensation claims: claimants, claims, their lifecycle, decisions and payments.

Imports ledger and policies, never the service shell: the shell hands in the personal-data
vault and an :class:`Actor`. Other packages import only from here.
"""

from claims import services
from claims.access import Actor
from claims.decision import Outcome
from claims.documents import MAX_DOCUMENT_BYTES
from claims.errors import (
    AwardBelowPaid,
    AwardNotBooked,
    ClaimantNotFound,
    ClaimNotFound,
    ClaimsError,
    CountryNotInScope,
    DocumentNotFound,
    DocumentTooLarge,
    InformationRequestNotFound,
    InvalidClaimData,
    InvalidTransition,
    NoOrganisation,
    NotFound,
    OutstandingBalance,
    PaymentExceedsOutstanding,
    PersonalDataErased,
    ReservationIntact,
    ReservationLost,
    SecondApproverMustDiffer,
    StaleVersion,
    UnsupportedDocumentType,
    VersionRequired,
)
from claims.letters import DecisionNotice, LetterRenderer
from claims.personal_data import PersonalDataVault
from claims.repository import ClaimFilter, SortKey
from claims.workflow import TRANSITIONS, ClaimEvent, ClaimStatus, allowed_events, transition

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "TRANSITIONS",
    "Actor",
    "AwardBelowPaid",
    "AwardNotBooked",
    "ClaimEvent",
    "ClaimFilter",
    "ClaimNotFound",
    "ClaimStatus",
    "ClaimantNotFound",
    "ClaimsError",
    "CountryNotInScope",
    "DecisionNotice",
    "DocumentNotFound",
    "DocumentTooLarge",
    "InformationRequestNotFound",
    "InvalidClaimData",
    "InvalidTransition",
    "LetterRenderer",
    "NoOrganisation",
    "NotFound",
    "Outcome",
    "OutstandingBalance",
    "PaymentExceedsOutstanding",
    "PersonalDataErased",
    "PersonalDataVault",
    "ReservationIntact",
    "ReservationLost",
    "SecondApproverMustDiffer",
    "SortKey",
    "StaleVersion",
    "UnsupportedDocumentType",
    "VersionRequired",
    "allowed_events",
    "services",
    "transition",
]
