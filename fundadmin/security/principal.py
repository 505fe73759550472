"""Who is calling: roles, and the countries or organisation each role reaches."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

ALL_COUNTRIES = "*"
"""Scope of a grant that reaches every country (a regional ministry, an auditor)."""


class Role(StrEnum):
    LEGAL_ADVISER = "legal_adviser"
    ADMINISTRATOR = "administrator"
    MINISTRY = "ministry"
    AUDITOR = "auditor"
    SUPERUSER = "superuser"


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller of one request, built from a verified access token."""

    user_id: uuid.UUID
    username: str
    grants: Mapping[Role, frozenset[str]]
    """Each role held, with the country codes it reaches (`*` for all)."""
    organisation_id: uuid.UUID | None = None
    """A legal adviser's organisation: she sees only its claimants and claims."""
    token_id: str = field(default="", compare=False)
    issued_at: int | None = field(default=None, compare=False)
    """When this service issued the token (epoch milliseconds); None for another issuer's."""
    tokens_valid_after: int | None = field(default=None, compare=False)
    """For the user as she is now: her tokens issued before this (epoch seconds) no longer
    count (epoch milliseconds), since a password reset, a disable or a role change ended them."""

    def token_ended(self, current: Principal) -> bool:
        """This token was issued before `current` (the user now) ended her earlier tokens."""
        return (
            self.issued_at is not None
            and current.tokens_valid_after is not None
            and self.issued_at < current.tokens_valid_after
        )

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(self.grants)

    def countries(self, role: Role) -> frozenset[str]:
        """Country codes `role` reaches for this caller; empty when the role is not held."""
        return self.grants.get(role, frozenset())

    def reaches(self, role: Role, country: str) -> bool:
        scope = self.countries(role)
        return ALL_COUNTRIES in scope or country in scope

    def within(self, current: Principal) -> Principal:
        """This token's principal, narrowed to what `current` (the user as granted now) holds:
        a role or country taken away since the token was issued no longer counts."""
        grants = {
            role: countries & current.grants[role]
            for role, countries in self.grants.items()
            if role in current.grants and countries & current.grants[role]
        }
        return Principal(
            user_id=self.user_id,
            username=current.username,
            grants=grants,
            organisation_id=current.organisation_id,
            token_id=self.token_id,
        )

    @property
    def scopes(self) -> list[str]:
        """The grants as `role:country` strings, as carried in the token's `scope` claim."""
        return sorted(f"{role}:{country}" for role, cs in self.grants.items() for country in cs)

    @staticmethod
    def grants_from_scopes(scopes: Iterable[str]) -> dict[Role, frozenset[str]]:
        grants: dict[Role, set[str]] = {}
        for scope in scopes:
            role, _, country = scope.partition(":")
            grants.setdefault(Role(role), set()).add(country)
        return {role: frozenset(cs) for role, cs in grants.items()}
