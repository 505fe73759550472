"""Security errors, free of HTTP; messages are safe to show (never a person's data)."""

from __future__ import annotations


class UnknownSubject(LookupError):
    """No personal-data key exists for this subject id."""

    def __init__(self) -> None:
        super().__init__("no personal-data key exists for this subject")


class SubjectErased(LookupError):
    """Her data key was destroyed: nothing can be sealed or read with it any more."""

    def __init__(self) -> None:
        super().__init__("the claimant's personal data has been erased")


class CiphertextRejected(ValueError):
    """A personal field did not decrypt: altered, or presented for another field or subject."""

    def __init__(self, field: str) -> None:
        super().__init__(f"the stored value of field {field!r} failed its integrity check")
        self.field = field

    def problem_extensions(self) -> dict[str, str]:
        return {"field": self.field}


class MasterKeyMissing(LookupError):
    """A data key is wrapped by a master key that is no longer configured."""

    def __init__(self, kid: str) -> None:
        super().__init__(
            f"master key {kid!r} is not configured; add it back to FUNDADMIN_MASTER_KEYS"
        )


class InvalidMasterKeys(ValueError):
    """FUNDADMIN_MASTER_KEYS is not a list of `kid:base64key` with 32-byte keys."""


class UserNotFound(LookupError):
    def __init__(self) -> None:
        super().__init__("no such user")


class UserExists(ValueError):
    """A user with that username already exists."""

    def __init__(self) -> None:
        super().__init__("a user with this username already exists")


class InvalidUserChange(ValueError):
    """A user change that would weaken security (a weak password, locking out the last admin)."""


class SeparationOfDuties(PermissionError):
    """A change one superuser may not make alone, or at all: to her own roles, or confirming
    her own request."""


class ChangeNotFound(LookupError):
    def __init__(self) -> None:
        super().__init__("no such pending change")


class ChangeAlreadyPending(ValueError):
    """The account has a change of this kind waiting for a second superuser already."""

    def __init__(self) -> None:
        super().__init__(
            "a change of this kind waits for a second superuser already; confirm or reject it first"
        )


class SignInThrottled(Exception):
    """Too many failed sign-ins for this username or from this address; try again later."""

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__("too many failed sign-ins; try again later")
        self.retry_after_seconds = retry_after_seconds


class BreakGlassReasonInvalid(ValueError):
    """An `X-Break-Glass-Reason` header too short or too long to be a real reason."""


class BreakGlassRequired(PermissionError):
    """Personal data asked for by a role that reads it only with a logged reason."""

    def __init__(self) -> None:
        super().__init__(
            "reading personal data needs a reason in the X-Break-Glass-Reason header; "
            "it is written to the audit trail"
        )
