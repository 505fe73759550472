"""Errors of the policies package: free of HTTP, messages safe to show (no personal data)."""

from __future__ import annotations

from datetime import date
from typing import Any


class PolicyError(Exception):
    """Base of every error raised by a country policy."""


class UnknownCountry(PolicyError):
    def __init__(self, country: str) -> None:
        super().__init__(f"no compensation policy for country {country[:8]!r}")
        self.country = country


class ParameterNotInForce(PolicyError):
    """A parameter asked for on a date before its first value: never read as zero."""

    def __init__(self, country: str, name: str, on: date, first: date | None) -> None:
        since = f"; its first value is in force from {first.isoformat()}" if first else ""
        super().__init__(
            f"{country} parameter {name!r} has no value in force on {on.isoformat()}{since}"
        )
        self.country = country
        self.name = name
        self.on = on
        self.first = first

    def problem_extensions(self) -> dict[str, Any]:
        return {
            "country": self.country,
            "parameter": self.name,
            "date": self.on.isoformat(),
            "first_effective_from": self.first.isoformat() if self.first else None,
        }


class ParameterExpired(ParameterNotInForce):
    """A yearly base amount whose newest value has lapsed: the new year's value is not entered."""

    def __init__(self, country: str, name: str, on: date, last: date) -> None:
        PolicyError.__init__(
            self,
            f"{country} parameter {name!r} has no value entered for {on.isoformat()}; "
            f"its newest value (from {last.isoformat()}) has lapsed",
        )
        self.country = country
        self.name = name
        self.on = on
        self.first = None
        self.last = last


class MissingParameter(PolicyError):
    """A rule needs a parameter the country's data file does not define."""

    def __init__(self, country: str, name: str) -> None:
        super().__init__(f"{country} policy defines no parameter {name!r}")
        self.country = country
        self.name = name


class InvalidPolicyData(PolicyError):
    """A country's data file breaks the format (caught when the module is loaded)."""


class CurrencyMismatch(PolicyError):
    """An amount is not in the country's currency; policies never convert currencies."""

    def __init__(self, country: str, expected: str, given: str, what: str) -> None:
        super().__init__(
            f"{what} is in {given[:3]!r} but {country} decides in {expected}; "
            "restate it in the country's currency"
        )
        self.country = country
        self.expected = expected
        self.given = given
        self.what = what

    def problem_extensions(self) -> dict[str, Any]:
        return {"expected_currency": self.expected, "given_currency": self.given[:3]}


class WrongCountry(PolicyError):
    def __init__(self, policy: str, facts: str) -> None:
        super().__init__(f"facts of a {facts[:8]!r} claim given to the {policy} policy")


class InvalidFacts(PolicyError):
    """Facts that contradict themselves (an application before the crime)."""


class InvalidAmount(PolicyError):
    """An amount that a rule cannot take (negative, or finer than the currency's minor unit)."""


class UnknownOffence(PolicyError):
    """An offence code that is not on the country's published list on the date."""

    def __init__(self, country: str, given: str, accepted: tuple[str, ...]) -> None:
        super().__init__(
            f"{given[:40]!r} is not an offence of {country}'s published list on the date; "
            f"accepted: {', '.join(accepted)}"
        )
        self.accepted = accepted

    def problem_extensions(self) -> dict[str, Any]:
        return {"accepted_offences": list(self.accepted)}
