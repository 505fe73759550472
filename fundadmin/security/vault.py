"""The personal-data vault: field-by-field AES-256-GCM under a per-person data key.

Each data subject (a person) has her own random 256-bit data key (DEK), stored only wrapped
(AES-GCM) by a master key (KEK) from configuration, named by its `kid`. A field is encrypted with
her DEK and bound, through the associated data, to her subject id and the field's name, so a
ciphertext copied into another field or onto another person fails to decrypt. Erasing her destroys
the wrapped DEK: her rows stay, every personal field of hers reads as erased.

Master keys rotate: new data keys are wrapped by the newest; `rewrap` moves old ones onto it, after
which the old master key may be removed from configuration.
"""

from __future__ import annotations

import base64
import binascii
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy.ext.asyncio import AsyncSession

from fundadmin.ids import new_id
from fundadmin.security.errors import (
    CiphertextRejected,
    InvalidMasterKeys,
    MasterKeyMissing,
    SubjectErased,
    UnknownSubject,
)
from fundadmin.security.models import PersonalDataKey
from fundadmin.settings import Settings

KEY_BYTES = 32
NONCE_BYTES = 12
FORMAT_V1 = b"\x01"
"""First byte of every field ciphertext, so the format can change without guessing."""

_FIELD_CONTEXT = b"fundadmin/field/v1\x00"
_WRAP_CONTEXT = b"fundadmin/dek/v1\x00"
_SESSION_CACHE = "fundadmin.vault.deks"


@dataclass(frozen=True)
class MasterKey:
    kid: str
    key: bytes

    def __repr__(self) -> str:
        return f"MasterKey(kid={self.kid!r})"


@dataclass(frozen=True)
class MasterKeyRing:
    """Master keys, newest first: the newest wraps new data keys, every one unwraps."""

    keys: tuple[MasterKey, ...]

    def __post_init__(self) -> None:
        if not self.keys:
            raise InvalidMasterKeys("at least one master key is needed")
        kids = [k.kid for k in self.keys]
        if len(set(kids)) != len(kids):
            raise InvalidMasterKeys("master key ids must be unique")

    @classmethod
    def parse(cls, setting: str) -> MasterKeyRing:
        """From `kid:base64key,kid2:base64key2` (newest first), each key 32 bytes."""
        keys = []
        for item in filter(None, (part.strip() for part in setting.split(","))):
            kid, sep, encoded = item.partition(":")
            if not sep or not kid or len(kid) > 64:
                raise InvalidMasterKeys("each master key is written `kid:base64key`")
            try:
                key = base64.b64decode(encoded, validate=True)
            except binascii.Error as exc:
                raise InvalidMasterKeys(f"master key {kid!r} is not valid base64") from exc
            if len(key) != KEY_BYTES:
                raise InvalidMasterKeys(f"master key {kid!r} must be {KEY_BYTES} bytes")
            keys.append(MasterKey(kid, key))
        return cls(tuple(keys))

    @classmethod
    def development(cls, data_dir: Path) -> MasterKeyRing:
        """A master key kept in the data folder, made on first use; refused in production."""
        path = data_dir / "keys" / "master-keys"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_text(new_master_key_line("dev-" + uuid.uuid4().hex[:8]))
        return cls.parse(path.read_text())

    @property
    def newest(self) -> MasterKey:
        return self.keys[0]

    def get(self, kid: str) -> MasterKey:
        for key in self.keys:
            if key.kid == kid:
                return key
        raise MasterKeyMissing(kid)


def new_master_key_line(kid: str) -> str:
    """A fresh `kid:base64key` entry for FUNDADMIN_MASTER_KEYS."""
    return f"{kid}:{base64.b64encode(os.urandom(KEY_BYTES)).decode()}"


def _wrap(master: MasterKey, subject_id: uuid.UUID, dek: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    aad = _WRAP_CONTEXT + subject_id.bytes + master.kid.encode()
    return nonce + AESGCM(master.key).encrypt(nonce, dek, aad)


def _unwrap(master: MasterKey, subject_id: uuid.UUID, wrapped: bytes) -> bytes:
    aad = _WRAP_CONTEXT + subject_id.bytes + master.kid.encode()
    try:
        return AESGCM(master.key).decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], aad)
    except InvalidTag as exc:
        raise CiphertextRejected("data key") from exc


def _field_aad(subject_id: uuid.UUID, field: str) -> bytes:
    return _FIELD_CONTEXT + subject_id.bytes + field.encode()


def encrypt_field(dek: bytes, subject_id: uuid.UUID, field: str, value: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return FORMAT_V1 + nonce + AESGCM(dek).encrypt(nonce, value, _field_aad(subject_id, field))


def decrypt_field(dek: bytes, subject_id: uuid.UUID, field: str, ciphertext: bytes) -> bytes:
    if ciphertext[:1] != FORMAT_V1 or len(ciphertext) < 1 + NONCE_BYTES + 16:
        raise CiphertextRejected(field)
    nonce, body = ciphertext[1 : 1 + NONCE_BYTES], ciphertext[1 + NONCE_BYTES :]
    try:
        return AESGCM(dek).decrypt(nonce, body, _field_aad(subject_id, field))
    except InvalidTag as exc:
        raise CiphertextRejected(field) from exc


class Vault:
    """Implements `claims.personal_data.PersonalDataVault` on the `personal_data_key` table.

    Unwrapped data keys are remembered for the life of one session only (one request), so an
    erasure takes effect for every other request at once.
    """

    def __init__(self, master_keys: MasterKeyRing) -> None:
        self._master_keys = master_keys

    async def new_subject(self, session: AsyncSession) -> uuid.UUID:
        subject_id = new_id()
        dek = AESGCM.generate_key(bit_length=KEY_BYTES * 8)
        master = self._master_keys.newest
        session.add(
            PersonalDataKey(
                subject_id=subject_id,
                master_kid=master.kid,
                wrapped_key=_wrap(master, subject_id, dek),
            )
        )
        await session.flush()
        self._cache(session)[subject_id] = dek
        return subject_id

    async def encrypt(
        self, session: AsyncSession, subject_id: uuid.UUID, field: str, value: bytes
    ) -> bytes:
        dek = await self._dek(session, subject_id)
        if dek is None:
            raise SubjectErased()
        return encrypt_field(dek, subject_id, field, value)

    async def decrypt(
        self, session: AsyncSession, subject_id: uuid.UUID, field: str, ciphertext: bytes
    ) -> bytes | None:
        dek = await self._dek(session, subject_id)
        return None if dek is None else decrypt_field(dek, subject_id, field, ciphertext)

    async def erase(self, session: AsyncSession, subject_id: uuid.UUID) -> None:
        self._cache(session).pop(subject_id, None)
        erased = await session.execute(
            sa.update(PersonalDataKey)
            .where(PersonalDataKey.subject_id == subject_id, PersonalDataKey.erased_at.is_(None))
            .values(wrapped_key=None, master_kid=None, erased_at=sa.func.now())
            .returning(PersonalDataKey.subject_id)
        )
        if erased.first() is None and not await self.is_known(session, subject_id):
            raise UnknownSubject()

    async def is_known(self, session: AsyncSession, subject_id: uuid.UUID) -> bool:
        found = await session.scalar(
            sa.select(PersonalDataKey.subject_id).where(PersonalDataKey.subject_id == subject_id)
        )
        return found is not None

    async def is_erased(self, session: AsyncSession, subject_id: uuid.UUID) -> bool:
        erased_at = await session.scalar(
            sa.select(PersonalDataKey.erased_at).where(PersonalDataKey.subject_id == subject_id)
        )
        return erased_at is not None

    async def rewrap(self, session: AsyncSession, batch_size: int = 500) -> int:
        """Re-wrap every data key not wrapped by the newest master key; returns how many.

        Rows are locked as they are taken, so two runs (or a run and live traffic) do not race.
        """
        newest = self._master_keys.newest
        done = 0
        while True:
            rows = (
                await session.execute(
                    sa.select(
                        PersonalDataKey.subject_id,
                        PersonalDataKey.master_kid,
                        PersonalDataKey.wrapped_key,
                    )
                    .where(
                        PersonalDataKey.erased_at.is_(None),
                        PersonalDataKey.master_kid != newest.kid,
                    )
                    .limit(batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not rows:
                return done
            for subject_id, kid, wrapped in rows:
                # Not erased, so a check constraint guarantees both.
                assert kid is not None
                assert wrapped is not None
                dek = _unwrap(self._master_keys.get(kid), subject_id, wrapped)
                await session.execute(
                    sa.update(PersonalDataKey)
                    .where(PersonalDataKey.subject_id == subject_id)
                    .values(master_kid=newest.kid, wrapped_key=_wrap(newest, subject_id, dek))
                )
            await session.flush()
            done += len(rows)

    async def _dek(self, session: AsyncSession, subject_id: uuid.UUID) -> bytes | None:
        """Her data key; None once erased; UnknownSubject if she never had one."""
        cache = self._cache(session)
        if subject_id in cache:
            return cache[subject_id]
        row = (
            await session.execute(
                sa.select(PersonalDataKey.master_kid, PersonalDataKey.wrapped_key).where(
                    PersonalDataKey.subject_id == subject_id
                )
            )
        ).first()
        if row is None:
            raise UnknownSubject()
        kid, wrapped = row
        if wrapped is None or kid is None:
            return None
        dek = _unwrap(self._master_keys.get(kid), subject_id, wrapped)
        cache[subject_id] = dek
        return dek

    @staticmethod
    def _cache(session: AsyncSession) -> dict[uuid.UUID, bytes]:
        cache: dict[uuid.UUID, bytes] = session.info.setdefault(_SESSION_CACHE, {})
        return cache


def master_keys_from_settings(settings: Settings) -> MasterKeyRing:
    if settings.master_keys is not None:
        return MasterKeyRing.parse(settings.master_keys.get_secret_value())
    return MasterKeyRing.development(settings.data_dir)


def vault_from_settings(settings: Settings) -> Vault:
    """The vault the claims services use (`claims.personal_data.PersonalDataVault`)."""
    return Vault(master_keys_from_settings(settings))
