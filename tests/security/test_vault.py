"""The personal-data vault: encrypted field by field, bound to person and field, erasable."""

from __future__ import annotations

import base64
import os
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from fundadmin.security.errors import (
    CiphertextRejected,
    InvalidMasterKeys,
    MasterKeyMissing,
    UnknownSubject,
)
from fundadmin.security.vault import MasterKeyRing, Vault, vault_from_settings
from fundadmin.settings import Settings

NAME = b"Anna Berzina"


def ring(*kids: str) -> MasterKeyRing:
    return MasterKeyRing.parse(
        ",".join(f"{kid}:{base64.b64encode(os.urandom(32)).decode()}" for kid in kids)
    )


def _key_entry(keys: MasterKeyRing, kid: str) -> str:
    return f"{kid}:{base64.b64encode(keys.get(kid).key).decode()}"


class TestRoundTrip:
    async def test_encrypt_then_decrypt_gives_the_value_back(self, session: AsyncSession) -> None:
        vault = Vault(ring("k1"))
        subject = await vault.new_subject(session)
        ciphertext = await vault.encrypt(session, subject, "full_name", NAME)
        assert NAME not in ciphertext
        assert await vault.decrypt(session, subject, "full_name", ciphertext) == NAME

    async def test_a_new_session_reads_it_from_the_database(self, sessions) -> None:
        vault = Vault(ring("k1"))
        async with sessions() as session, session.begin():
            subject = await vault.new_subject(session)
            ciphertext = await vault.encrypt(session, subject, "full_name", NAME)
        async with sessions() as session:
            assert await vault.decrypt(session, subject, "full_name", ciphertext) == NAME

    async def test_same_value_encrypts_differently_each_time(self, session: AsyncSession) -> None:
        vault = Vault(ring("k1"))
        subject = await vault.new_subject(session)
        first = await vault.encrypt(session, subject, "full_name", NAME)
        assert first != await vault.encrypt(session, subject, "full_name", NAME)

    async def test_vault_from_settings_uses_the_configured_master_key(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        vault = vault_from_settings(settings)
        subject = await vault.new_subject(session)
        kid = await session.scalar(
            sa.text("SELECT master_kid FROM personal_data_key WHERE subject_id = :s"),
            {"s": subject},
        )
        assert kid == "test-1"


class TestRefusals:
    async def test_tampered_ciphertext_is_refused(self, session: AsyncSession) -> None:
        vault = Vault(ring("k1"))
        subject = await vault.new_subject(session)
        ciphertext = bytearray(await vault.encrypt(session, subject, "full_name", NAME))
        ciphertext[-1] ^= 1
        with pytest.raises(CiphertextRejected):
            await vault.decrypt(session, subject, "full_name", bytes(ciphertext))

    async def test_ciphertext_of_another_field_is_refused(self, session: AsyncSession) -> None:
        vault = Vault(ring("k1"))
        subject = await vault.new_subject(session)
        ciphertext = await vault.encrypt(session, subject, "full_name", NAME)
        with pytest.raises(CiphertextRejected):
            await vault.decrypt(session, subject, "address", ciphertext)

    async def test_ciphertext_of_another_person_is_refused(self, session: AsyncSession) -> None:
        vault = Vault(ring("k1"))
        anna, other = await vault.new_subject(session), await vault.new_subject(session)
        ciphertext = await vault.encrypt(session, anna, "full_name", NAME)
        with pytest.raises(CiphertextRejected):
            await vault.decrypt(session, other, "full_name", ciphertext)

    async def test_unknown_subject_is_refused(self, session: AsyncSession) -> None:
        with pytest.raises(UnknownSubject):
            await Vault(ring("k1")).encrypt(session, uuid.uuid4(), "full_name", NAME)

    def test_malformed_master_keys_are_refused(self) -> None:
        for setting in ("", "k1", "k1:not-base64!", "k1:" + base64.b64encode(b"short").decode()):
            with pytest.raises(InvalidMasterKeys):
                MasterKeyRing.parse(setting)

    def test_master_key_repr_hides_the_key(self) -> None:
        keys = ring("k1")
        assert base64.b64encode(keys.newest.key).decode() not in repr(keys)


class TestErasure:
    async def test_erased_subject_reads_none_and_her_row_stays(self, sessions) -> None:
        vault = Vault(ring("k1"))
        async with sessions() as session, session.begin():
            subject = await vault.new_subject(session)
            ciphertext = await vault.encrypt(session, subject, "full_name", NAME)
        async with sessions() as session, session.begin():
            await vault.erase(session, subject)
            assert await vault.decrypt(session, subject, "full_name", ciphertext) is None
        async with sessions() as session:
            assert await vault.decrypt(session, subject, "full_name", ciphertext) is None
            row = (
                await session.execute(
                    sa.text(
                        "SELECT wrapped_key, master_kid, erased_at FROM personal_data_key "
                        "WHERE subject_id = :s"
                    ),
                    {"s": subject},
                )
            ).one()
        assert row.wrapped_key is None
        assert row.master_kid is None
        assert row.erased_at is not None

    async def test_erasing_twice_is_harmless(self, session: AsyncSession) -> None:
        vault = Vault(ring("k1"))
        subject = await vault.new_subject(session)
        await vault.erase(session, subject)
        await vault.erase(session, subject)
        assert await vault.is_erased(session, subject)

    async def test_the_database_refuses_to_restore_or_delete_a_key(
        self, session: AsyncSession
    ) -> None:
        vault = Vault(ring("k1"))
        subject = await vault.new_subject(session)
        await vault.erase(session, subject)
        await session.commit()
        for statement in (
            "UPDATE personal_data_key SET wrapped_key = '\\x00', erased_at = NULL",
            "DELETE FROM personal_data_key",
        ):
            with pytest.raises(sa.exc.DBAPIError, match=r"erased|kept"):
                await session.execute(sa.text(statement))
            await session.rollback()


class TestAtRest:
    async def test_select_shows_no_clear_value(self, session: AsyncSession) -> None:
        keys = ring("k1")
        vault = Vault(keys)
        subject = await vault.new_subject(session)
        ciphertext = await vault.encrypt(session, subject, "full_name", NAME)
        await session.execute(
            sa.text("CREATE TABLE scratch_person (subject_id uuid, full_name bytea)")
        )
        await session.execute(
            sa.text("INSERT INTO scratch_person VALUES (:s, :c)"),
            {"s": subject, "c": ciphertext},
        )
        await session.commit()
        dump = ""
        for table in ("personal_data_key", "scratch_person"):
            rows = await session.execute(sa.text(f"SELECT *, t::text FROM {table} t"))
            dump += " ".join(repr(tuple(row)) for row in rows)
        assert "Anna" not in dump
        assert "Berzina" not in dump
        assert NAME.hex() not in dump
        assert keys.newest.key.hex() not in dump


class TestRotation:
    async def test_new_subjects_use_the_newest_master_key(self, session: AsyncSession) -> None:
        old = ring("old")
        subject_before = await Vault(old).new_subject(session)
        rotated = MasterKeyRing.parse(
            "new:" + base64.b64encode(os.urandom(32)).decode() + "," + _key_entry(old, "old")
        )
        subject_after = await Vault(rotated).new_subject(session)
        kids = dict(
            (
                await session.execute(
                    sa.text("SELECT subject_id, master_kid FROM personal_data_key")
                )
            ).all()
        )
        assert kids[subject_before] == "old"
        assert kids[subject_after] == "new"

    async def test_rewrap_moves_old_keys_so_the_old_master_key_can_go(
        self, session: AsyncSession, master_keys: str
    ) -> None:
        old = ring("old")
        subject = await Vault(old).new_subject(session)
        ciphertext = await Vault(old).encrypt(session, subject, "full_name", NAME)
        new_entry = "new:" + base64.b64encode(os.urandom(32)).decode()
        # The demo data's subjects are wrapped by the test settings' key: it is in the ring too.
        every = MasterKeyRing.parse(f"{new_entry},{_key_entry(old, 'old')},{master_keys}")
        session.info.clear()
        assert await Vault(every).rewrap(session) >= 1
        assert await Vault(every).rewrap(session) == 0
        session.info.clear()
        only_new = Vault(MasterKeyRing.parse(new_entry))
        assert await only_new.decrypt(session, subject, "full_name", ciphertext) == NAME

    async def test_a_removed_master_key_is_named_not_guessed(self, session: AsyncSession) -> None:
        subject = await Vault(ring("old")).new_subject(session)
        session.info.clear()
        with pytest.raises(MasterKeyMissing, match="old"):
            await Vault(ring("new")).decrypt(session, subject, "full_name", b"\x01" + bytes(40))

    def test_development_key_is_made_once_and_kept(self, tmp_path: Path) -> None:
        first = MasterKeyRing.development(tmp_path)
        assert MasterKeyRing.development(tmp_path) == first
        assert (tmp_path / "keys" / "master-keys").stat().st_mode & 0o077 == 0
