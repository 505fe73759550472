"""Errors of run-time parameter values; messages name fields and parameters, never people."""

from __future__ import annotations

from typing import Any


class ParameterValueError(Exception):
    """Base of the errors below."""


class InvalidParameterValue(ParameterValueError):
    """The entered value does not fit the parameter; `field` names the request's field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field

    def problem_extensions(self) -> dict[str, Any]:
        return {"errors": [{"field": self.field, "message": str(self)}]}


class ParameterValueNotFound(ParameterValueError):
    def __init__(self) -> None:
        super().__init__("no such parameter value in this country")


class ParameterValueAlreadyDecided(ParameterValueError):
    def __init__(self, status: str) -> None:
        super().__init__(
            f"the value is already {status}; it cannot change (a correction is a new value)"
        )


class SecondAdministratorMustDiffer(ParameterValueError):
    def __init__(self) -> None:
        super().__init__("a different administrator than the one who entered it must confirm")


class CountryNotAdministered(ParameterValueError):
    def __init__(self) -> None:
        super().__init__("you are not an administrator of this country")
