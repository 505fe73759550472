"""Recorded euro rates for the regional report (fundadmin/reports/rates.toml): never fetched."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources


@dataclass(frozen=True, slots=True)
class Rate:
    currency: str
    per_euro: Decimal
    """Units of `currency` per 1 EUR."""
    effective_from: date
    source: str
    verified: bool


@cache
def _rates() -> tuple[Rate, ...]:
    data = tomllib.loads(resources.files(__package__).joinpath("rates.toml").read_text())
    return tuple(
        Rate(r["currency"], Decimal(r["rate"]), r["from"], r["source"], bool(r["verified"]))
        for r in data["rates"]
    )


class RateMissing(LookupError):
    """No recorded rate of a currency is in force on the date."""


def rate_on(currency: str, on: date) -> Rate:
    """The newest recorded rate of `currency` dated on or before `on`."""
    candidates = [r for r in _rates() if r.currency == currency and r.effective_from <= on]
    if not candidates:
        raise RateMissing(f"no recorded euro rate of {currency} on {on.isoformat()}")
    return max(candidates, key=lambda r: r.effective_from)
