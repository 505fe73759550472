"""Who is acting, in the terms claims understands: organisation and countries per role.

The shell builds an :class:`Actor` from its authenticated principal, so this package needs
nothing from the shell. Scope is enforced in the queries: a record outside it is not found.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

ALL = "*"


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: uuid.UUID
    organisation_id: uuid.UUID | None
    """A legal adviser's organisation: she reaches its claimants and claims, nothing else."""
    adviser_countries: frozenset[str] = frozenset()
    """Countries in which she may file claims as a legal adviser."""
    administrator_countries: frozenset[str] = frozenset()
    """Countries whose claims she reviews and decides (`*` for all)."""
    auditor_countries: frozenset[str] = frozenset()
    """Countries whose claims she may read as an auditor (`*` for all)."""

    @property
    def ledger_name(self) -> str:
        """How the ledger records her as `created_by` (an id, never a name)."""
        return str(self.user_id)

    @property
    def is_adviser(self) -> bool:
        return self.organisation_id is not None and bool(self.adviser_countries)

    def may_file_in(self, country: str) -> bool:
        return self.is_adviser and (
            ALL in self.adviser_countries or country in self.adviser_countries
        )
