"""Errors of erasure, holds and export, free of HTTP; messages never carry a personal value."""

from __future__ import annotations

from typing import Any

from fundadmin.privacy.grounds import KeepReason


class PrivacyError(Exception):
    """Base of this package's errors."""


class ErasureRefused(PrivacyError):
    """The law requires keeping her data now; the grounds say why and until what ends."""

    def __init__(self, reasons: tuple[KeepReason, ...]) -> None:
        grounds = ", ".join(sorted({r.ground.value for r in reasons}))
        super().__init__(
            f"her data must be kept for now ({grounds}); ask again with `when_free: true` "
            "to have it erased as soon as that ends"
        )
        self.reasons = reasons

    def problem_extensions(self) -> dict[str, Any]:
        return {"grounds": [r.as_problem() for r in self.reasons]}


class ErasureAlreadyRequested(PrivacyError):
    def __init__(self) -> None:
        super().__init__(
            "an erasure of this claimant is already awaiting confirmation or scheduled"
        )


class ErasureRequestNotFound(PrivacyError, LookupError):
    def __init__(self) -> None:
        super().__init__("no such erasure request in your scope")


class ErasureNotOpen(PrivacyError):
    def __init__(self, status: str) -> None:
        super().__init__(f"the erasure request is {status}: nothing to confirm or cancel")
        self.status = status

    def problem_extensions(self) -> dict[str, Any]:
        return {"erasure_status": self.status}


class SecondPersonRequired(PrivacyError):
    def __init__(self) -> None:
        super().__init__(
            "the person who recorded the request cannot confirm it: a second administrator must"
        )


class HoldNotFound(PrivacyError, LookupError):
    def __init__(self) -> None:
        super().__init__("no such legal hold on this claimant")


class HoldAlreadyLifted(PrivacyError):
    def __init__(self) -> None:
        super().__init__("this legal hold was already lifted")


class NoCountryInScope(PrivacyError):
    def __init__(self) -> None:
        super().__init__("none of your administrator countries has a claim of this claimant")
