"""Attacks on access tokens, on the real app: every forged or misused token is a 401 problem."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
import uuid
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from jose import jwt
from pydantic import SecretStr

from fundadmin.app import create_app
from fundadmin.security.keys import KeyRing, SigningKey, generate_private_pem
from fundadmin.settings import Settings
from tests.http import app_client

PROTECTED = "/api/v1/users"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segments(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"


def _claims(settings: Settings, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": str(uuid.uuid4()),
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "jti": str(uuid.uuid4()),
        "preferred_username": "superuser",
        "roles": ["superuser"],
        "scope": "superuser:*",
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


async def _superuser_claims(client, auth, settings: Settings) -> dict[str, Any]:
    """The claims of a real superuser token, so only the attack differs from a good token."""
    token = (await auth("superuser"))["Authorization"].split()[1]
    return jwt.get_unverified_claims(token)


def _rs256(claims: dict[str, Any], key: SigningKey, kid: str | None = None) -> str:
    headers = {"kid": kid if kid is not None else key.kid}
    return jwt.encode(claims, key.private_pem, algorithm="RS256", headers=headers)


def _hs256(claims: dict[str, Any], secret: bytes, kid: str) -> str:
    signing_input = _segments({"alg": "HS256", "typ": "JWT", "kid": kid}, claims)
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


async def _assert_refused(client, token: str) -> None:
    response = await client.get(PROTECTED, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == 401
    assert body["type"].endswith("/unauthenticated")
    assert response.headers["www-authenticate"].startswith("Bearer")


class TestAGoodToken:
    async def test_is_accepted(self, client, auth) -> None:
        response = await client.get(PROTECTED, headers=await auth("superuser"))
        assert response.status_code == 200

    async def test_carries_the_required_claims(self, auth, app, settings) -> None:
        token = (await auth("superuser"))["Authorization"].split()[1]
        header = jwt.get_unverified_header(token)
        claims = jwt.get_unverified_claims(token)
        assert header["alg"] == "RS256"
        assert header["kid"] == app.state.tokens.keys.signing.kid
        assert {"iss", "aud", "sub", "exp", "iat", "jti", "roles", "scope"} <= set(claims)
        assert claims["exp"] - claims["iat"] == settings.access_token_ttl_seconds


class TestForgedTokens:
    async def test_signature_of_another_key_under_our_kid(
        self, client, auth, app, settings
    ) -> None:
        claims = await _superuser_claims(client, auth, settings)
        intruder = SigningKey.from_private_pem(generate_private_pem())
        await _assert_refused(
            client, _rs256(claims, intruder, kid=app.state.tokens.keys.signing.kid)
        )

    async def test_expired(self, client, auth, app, settings) -> None:
        claims = await _superuser_claims(client, auth, settings)
        claims.update(
            iat=int(time.time()) - 3600, nbf=int(time.time()) - 3600, exp=int(time.time()) - 60
        )
        await _assert_refused(client, _rs256(claims, app.state.tokens.keys.signing))

    async def test_an_accepted_token_is_refused_once_it_expires(
        self, client, auth, app, settings
    ) -> None:
        """A checked token is remembered, but only until its expiry."""
        claims = await _superuser_claims(client, auth, settings)
        now = int(time.time())
        claims.update(iat=now, nbf=now, exp=now + 1)
        token = _rs256(claims, app.state.tokens.keys.signing)
        headers = {"Authorization": f"Bearer {token}"}
        assert (await client.get(PROTECTED, headers=headers)).status_code == 200
        await asyncio.sleep(now + 2.1 - time.time())
        await _assert_refused(client, token)

    async def test_without_expiry(self, client, auth, app, settings) -> None:
        claims = await _superuser_claims(client, auth, settings)
        del claims["exp"]
        await _assert_refused(client, _rs256(claims, app.state.tokens.keys.signing))

    async def test_wrong_audience(self, client, auth, app, settings) -> None:
        claims = {**await _superuser_claims(client, auth, settings), "aud": "another-api"}
        await _assert_refused(client, _rs256(claims, app.state.tokens.keys.signing))

    async def test_wrong_issuer(self, client, auth, app, settings) -> None:
        claims = {**await _superuser_claims(client, auth, settings), "iss": "https://evil.example"}
        await _assert_refused(client, _rs256(claims, app.state.tokens.keys.signing))

    async def test_alg_none(self, client, auth, app, settings) -> None:
        claims = await _superuser_claims(client, auth, settings)
        kid = app.state.tokens.keys.signing.kid
        for alg in ("none", "None", "NONE"):
            await _assert_refused(client, _segments({"alg": alg, "kid": kid}, claims) + ".")

    async def test_hs256_signed_with_the_public_key_in_pem(
        self, client, auth, app, settings
    ) -> None:
        claims = await _superuser_claims(client, auth, settings)
        key = app.state.tokens.keys.signing
        await _assert_refused(client, _hs256(claims, key.public_pem.encode(), key.kid))

    async def test_hs256_signed_with_the_public_key_in_der(
        self, client, auth, app, settings
    ) -> None:
        claims = await _superuser_claims(client, auth, settings)
        key = app.state.tokens.keys.signing
        public = serialization.load_pem_public_key(key.public_pem.encode())
        for fmt in (
            serialization.PublicFormat.SubjectPublicKeyInfo,
            serialization.PublicFormat.PKCS1,
        ):
            der = public.public_bytes(serialization.Encoding.DER, fmt)
            await _assert_refused(client, _hs256(claims, der, key.kid))

    async def test_tampered_payload(self, client, auth) -> None:
        token = (await auth("ministry-se"))["Authorization"].split()[1]
        header, _, signature = token.split(".")
        claims = jwt.get_unverified_claims(token)
        claims.update(roles=["superuser"], scope="superuser:*")
        payload = _b64(json.dumps(claims).encode())
        await _assert_refused(client, f"{header}.{payload}.{signature}")

    async def test_unknown_kid(self, client, auth, settings) -> None:
        claims = await _superuser_claims(client, auth, settings)
        stranger = SigningKey.from_private_pem(generate_private_pem())
        await _assert_refused(client, _rs256(claims, stranger))

    async def test_no_kid(self, client, auth, app, settings) -> None:
        claims = await _superuser_claims(client, auth, settings)
        key = app.state.tokens.keys.signing
        await _assert_refused(client, jwt.encode(claims, key.private_pem, algorithm="RS256"))

    async def test_jwe_looking_token(self, client, app) -> None:
        header = {"alg": "RSA-OAEP-256", "enc": "A256GCM", "kid": app.state.tokens.keys.signing.kid}
        token = ".".join(
            [
                _b64(json.dumps(header).encode()),
                _b64(b"k" * 256),
                _b64(b"iv" * 6),
                _b64(b"ct"),
                _b64(b"t" * 16),
            ]
        )
        await _assert_refused(client, token)

    @pytest.mark.parametrize("token", ["", "garbage", "a.b.c", "e30.e30.", "Basic abc"])
    async def test_malformed(self, client, token: str) -> None:
        await _assert_refused(client, token)

    async def test_no_authorization_header(self, client) -> None:
        response = await client.get(PROTECTED)
        assert response.status_code == 401

    async def test_a_token_for_a_user_that_does_not_exist(self, client, app, settings) -> None:
        await _assert_refused(client, _rs256(_claims(settings), app.state.tokens.keys.signing))


class TestKeyRotation:
    async def test_old_key_verifies_while_in_the_ring_and_not_after(
        self, settings: Settings, database_url, signing_keys: str, auth
    ) -> None:
        old_token = (await auth("superuser"))["Authorization"]
        new_pem = generate_private_pem()
        rotated = settings.model_copy(
            update={"jwt_private_keys": SecretStr(new_pem + "\n" + signing_keys)}
        )
        app = create_app(rotated, database_url)
        new_kid, old_kid = (k.kid for k in app.state.tokens.keys.keys)
        async with app_client(app) as client:
            jwks = (await client.get("/.well-known/jwks.json")).json()
            assert [k["kid"] for k in jwks["keys"]] == [new_kid, old_kid]
            assert all(k["alg"] == "RS256" and "d" not in k for k in jwks["keys"])
            signed = await client.post(
                "/api/v1/auth/token",
                json={"username": "superuser", "password": "demo-test-password"},
            )
            new_token = signed.json()["access_token"]
            assert jwt.get_unverified_header(new_token)["kid"] == new_kid
            assert (
                await client.get(PROTECTED, headers={"Authorization": old_token})
            ).status_code == 200
        retired = settings.model_copy(update={"jwt_private_keys": SecretStr(new_pem)})
        async with app_client(create_app(retired, database_url)) as client:
            assert (
                await client.get(PROTECTED, headers={"Authorization": old_token})
            ).status_code == 401
            new_headers = {"Authorization": f"Bearer {new_token}"}
            assert (await client.get(PROTECTED, headers=new_headers)).status_code == 200

    def test_key_ring_refuses_small_or_missing_keys(self) -> None:
        with pytest.raises(ValueError, match="at least"):
            KeyRing.from_pem_bundle("")
