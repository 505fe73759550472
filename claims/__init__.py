"""Compensation claims: claimants, claims, their lifecycle, decisions and payments.

Imports ledger and policies, never the service shell: the shell hands in the personal-data
vault and an :class:`Actor`. Other packages import only from here.
"""

from claims import services
from claims.access import Actor
from claims.decision import Outcome
from claims.documents import MAX_DOCUMENT_BYTES
from claims.errors import (
    ApplicationNotFound,
    AwardNotBooked,
    ClaimantNotFound,
    ClaimNotFound,
    ClaimsError,
    CountryNotInScope,
    DocumentNotFound,
    DocumentTooLarge,
    InformationRequestNotFound,
    InstalmentNotPayable,
    InvalidClaimData,
    InvalidTransition,
    NoOrganisation,
    NotFound,
    NothingOverpaid,
    OutstandingBalance,
    OverpaymentUnsettled,
    PaymentExceedsOutstanding,
    PersonalDataErased,
    RecordsMissing,
    RepaymentExceedsOwed,
    ReservationIntact,
    ReservationLost,
    ReturnTransitionRefused,
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
    "ApplicationNotFound",
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
    "InstalmentNotPayable",
    "InvalidClaimData",
    "InvalidTransition",
    "LetterRenderer",
    "NoOrganisation",
    "NotFound",
    "NothingOverpaid",
    "Outcome",
    "OutstandingBalance",
    "OverpaymentUnsettled",
    "PaymentExceedsOutstanding",
    "PersonalDataErased",
    "PersonalDataVault",
    "RecordsMissing",
    "RepaymentExceedsOwed",
    "ReservationIntact",
    "ReservationLost",
    "ReturnTransitionRefused",
    "SecondApproverMustDiffer",
    "SortKey",
    "StaleVersion",
    "UnsupportedDocumentType",
    "VersionRequired",
    "allowed_events",
    "services",
    "transition",
]
