"""Passwords are argon2id hashes, checked off the event loop."""

from __future__ import annotations

import asyncio

from fundadmin.security.passwords import hash_password_async, verify_password_async

PASSWORD = "correct horse battery staple"


class TestPasswords:
    async def test_hash_is_argon2id_and_verifies(self) -> None:
        hashed = await hash_password_async(PASSWORD)
        assert hashed.startswith("$argon2id$")
        assert PASSWORD not in hashed
        assert await verify_password_async(hashed, PASSWORD)
        assert not await verify_password_async(hashed, PASSWORD.upper())

    async def test_no_user_never_verifies(self) -> None:
        assert not await verify_password_async(None, "no user has this password")

    async def test_garbage_hash_is_a_no_not_an_error(self) -> None:
        assert not await verify_password_async("not-a-hash", PASSWORD)

    async def test_many_at_once_all_complete(self) -> None:
        hashed = await hash_password_async(PASSWORD)
        results = await asyncio.gather(*(verify_password_async(hashed, PASSWORD) for _ in range(8)))
        assert all(results)
