"""How long each country keeps a claimant's personal data after her claims there have ended.

One dated parameter per country in `retention.toml` (the format of the country files, so each
value has its effective date, source and `verified` flag). Pure: reads only its own data file.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources

from policies.errors import InvalidPolicyData, MissingParameter
from policies.parameters import DatedParameter, add_months, parse_parameter

PARAMETER = "personal_data_retention_months"


@dataclass(frozen=True, slots=True)
class RetentionPeriod:
    """The period in force on a date, with its provenance."""

    country: str
    months: int
    effective_from: date
    source: str
    verified: bool
    note: str

    def erase_after(self, ended_on: date) -> date:
        """The first day her data is due for erasure when her last claim ended on `ended_on`."""
        return add_months(ended_on, self.months)


@cache
def _parameters() -> dict[str, DatedParameter]:
    text = resources.files("policies").joinpath("retention.toml").read_text(encoding="utf-8")
    raw = tomllib.loads(text).get("parameters", {})
    return {
        country: parse_parameter(f"{country}.{PARAMETER}", item) for country, item in raw.items()
    }


def retention_countries() -> tuple[str, ...]:
    return tuple(sorted(_parameters()))


def retention_period(country: str, on: date) -> RetentionPeriod:
    """The period in force in `country` on `on`; MissingParameter for a country without one."""
    parameter = _parameters().get(country)
    if parameter is None:
        raise MissingParameter(country, PARAMETER)
    value = parameter.value_on(on, country)
    if not isinstance(value.value, Decimal) or value.value != value.value.to_integral_value():
        raise InvalidPolicyData(f"{country} {PARAMETER} must be a whole number of months")
    return RetentionPeriod(
        country=country,
        months=int(value.value),
        effective_from=value.effective_from,
        source=value.source,
        verified=value.verified,
        note=value.note,
    )
