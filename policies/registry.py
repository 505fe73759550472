"""The country policies by ISO 3166-1 alpha-2 code, one module each in `policies.countries`.

Adding a country is one module (defining `POLICY`) and its data file in that package: the
registry finds every module there, so nothing else is edited.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from types import MappingProxyType

from policies.base import CountryPolicy
from policies.errors import InvalidPolicyData, UnknownCountry

COUNTRIES_PACKAGE = "policies.countries"


def discover(package: str) -> Mapping[str, CountryPolicy]:
    """Every `POLICY` of the modules of `package`, by country code, sorted by code."""
    found: dict[str, CountryPolicy] = {}
    for module_info in pkgutil.iter_modules(importlib.import_module(package).__path__):
        module = importlib.import_module(f"{package}.{module_info.name}")
        policy = getattr(module, "POLICY", None)
        if policy is None:
            raise InvalidPolicyData(f"{module.__name__} defines no POLICY")
        if policy.code in found:
            raise InvalidPolicyData(f"two modules define the policy of {policy.code}")
        found[policy.code] = policy
    return MappingProxyType(dict(sorted(found.items())))


POLICIES: Mapping[str, CountryPolicy] = discover(COUNTRIES_PACKAGE)


def get_policy(country: str) -> CountryPolicy:
    """The policy of `country` (case-insensitive); raises UnknownCountry."""
    policy = POLICIES.get(country.upper())
    if policy is None:
        raise UnknownCountry(country)
    return policy
