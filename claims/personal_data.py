"""What claims needs from the personal-data vault, without knowing how it works.

Personal fields (names, birth date, addresses, phone, e-mail, bank account, free-text statements,
evidence files) are stored only as ciphertext. Each person (data subject) has her own data key;
erasing her destroys the key, after which her fields read as erased while amounts and dates stay.
The implementation lives in the service shell (`fundadmin.security.vault`) and is handed to the
claims services, so this package never sees a master key.
"""

from __future__ import annotations

import uuid
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession


class PersonalDataVault(Protocol):
    async def new_subject(self, session: AsyncSession) -> uuid.UUID:
        """Create a data key for a new person; return the id her records refer to."""

    async def encrypt(
        self, session: AsyncSession, subject_id: uuid.UUID, field: str, value: bytes
    ) -> bytes:
        """Encrypt `value` for `field` of this subject (the field name is bound into the tag)."""

    async def decrypt(
        self, session: AsyncSession, subject_id: uuid.UUID, field: str, ciphertext: bytes
    ) -> bytes | None:
        """The clear value, or None when the subject has been erased."""

    async def erase(self, session: AsyncSession, subject_id: uuid.UUID) -> None:
        """Destroy the subject's data key: every field encrypted with it becomes unreadable."""

    async def is_erased(self, session: AsyncSession, subject_id: uuid.UUID) -> bool:
        """True once the subject's data key has been destroyed."""
