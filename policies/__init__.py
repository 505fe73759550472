"""Country policies: each country's compensation law and its fund's rules, as dated data.

Pure: imports nothing of fundadmin, claims or ledger, does no database or network I/O (it reads
only its own data files). Other packages import from here only.
"""

from policies.base import (
    Assessment,
    ClaimFacts,
    ConfiscationSplit,
    CountryPolicy,
    Finding,
    HeadAssessment,
    HeadCategory,
    HeadClaim,
    MaterialLossKind,
    NonMaterialKind,
    Offence,
    ParameterInForce,
    ParameterLapse,
    ParameterValue,
    PriorPayment,
    ReturnAllowance,
    ReturnAssistanceEntitlement,
    ReturnAssistanceRequest,
    ReturnItem,
    RuleApplication,
)
from policies.engine import StandardPolicy
from policies.errors import (
    CurrencyMismatch,
    InvalidAmount,
    InvalidFacts,
    InvalidPolicyData,
    MissingParameter,
    ParameterExpired,
    ParameterNotInForce,
    PolicyError,
    UnknownCountry,
    UnknownOffence,
    WrongCountry,
)
from policies.parameters import DatedParameter
from policies.registry import POLICIES, get_policy

__all__ = [
    "POLICIES",
    "Assessment",
    "ClaimFacts",
    "ConfiscationSplit",
    "CountryPolicy",
    "CurrencyMismatch",
    "DatedParameter",
    "Finding",
    "HeadAssessment",
    "HeadCategory",
    "HeadClaim",
    "InvalidAmount",
    "InvalidFacts",
    "InvalidPolicyData",
    "MaterialLossKind",
    "MissingParameter",
    "NonMaterialKind",
    "Offence",
    "ParameterExpired",
    "ParameterInForce",
    "ParameterLapse",
    "ParameterNotInForce",
    "ParameterValue",
    "PolicyError",
    "PriorPayment",
    "ReturnAllowance",
    "ReturnAssistanceEntitlement",
    "ReturnAssistanceRequest",
    "ReturnItem",
    "RuleApplication",
    "StandardPolicy",
    "UnknownCountry",
    "UnknownOffence",
    "WrongCountry",
    "get_policy",
]
