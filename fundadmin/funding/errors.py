"""Errors of recording money in and grants out, free of HTTP (mapped in fundadmin/errors.py)."""

from __future__ import annotations


class FundingError(Exception):
    """Base of the errors below; the message is safe to show (no personal data)."""


class FundingNotFound(FundingError):
    """No such record in the caller's countries (another country's record looks the same)."""


class InvalidFundingData(FundingError):
    """A field is not acceptable; `field` names it."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field


class NotYourCountry(FundingError):
    """The caller does not administer the fund she tried to write to."""


class StaleOrder(FundingError):
    """If-Match named an older version of the confiscation order."""

    def __init__(self, current: int) -> None:
        super().__init__("the confiscation changed since you read it")
        self.current = current
