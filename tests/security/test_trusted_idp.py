"""An external identity provider's tokens: accepted for users known here, with the roles granted
here, and refused for anything else."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from jose import jwt
from sqlalchemy.engine import URL

from fundadmin.app import create_app
from fundadmin.security.keys import SigningKey, generate_private_pem
from fundadmin.settings import Settings
from tests.http import app_client

IDP = "https://idp.example.gov"


@pytest.fixture(scope="module")
def idp_key() -> SigningKey:
    return SigningKey.from_private_pem(generate_private_pem())


@pytest.fixture
async def idp_client(settings: Settings, database_url: URL, tmp_path: Path, idp_key: SigningKey):
    jwks = tmp_path / "idp-jwks.json"
    jwks.write_text(json.dumps({"keys": [{**idp_key.public_jwk, "kid": "idp-1", "use": "sig"}]}))
    trusted = settings.model_copy(update={"trusted_jwks_file": jwks, "trusted_jwks_issuer": IDP})
    async with app_client(create_app(trusted, database_url)) as client:
        yield client


def _idp_token(key: SigningKey, settings: Settings, **overrides: Any) -> str:
    now = int(time.time())
    claims = {
        "iss": IDP,
        "aud": settings.jwt_audience,
        "sub": "idp-subject-123",
        "iat": now,
        "exp": now + 300,
        "preferred_username": "superuser",
        "scope": "superuser:*",
    }
    claims.update(overrides)
    return jwt.encode(claims, key.private_pem, algorithm="RS256", headers={"kid": "idp-1"})


async def _status(client, token: str, path: str = "/api/v1/users") -> int:
    response = await client.get(path, headers={"Authorization": f"Bearer {token}"})
    return int(response.status_code)


class TestTrustedProvider:
    async def test_a_known_user_gets_her_local_roles(self, idp_client, idp_key, settings) -> None:
        assert await _status(idp_client, _idp_token(idp_key, settings)) == 200

    async def test_roles_claimed_in_the_token_are_ignored(
        self, idp_client, idp_key, settings
    ) -> None:
        token = _idp_token(idp_key, settings, preferred_username="auditor")
        assert await _status(idp_client, token) == 403
        assert await _status(idp_client, token, "/api/v1/audit") == 200

    @pytest.mark.parametrize(
        "overrides",
        [
            {"preferred_username": "nobody-here"},
            {"preferred_username": "ministry-se-system"},
            {"iss": "https://other-idp.example"},
            {"aud": "another-api"},
            {"exp": int(time.time()) - 60},
        ],
        ids=["unknown user", "service account", "wrong issuer", "wrong audience", "expired"],
    )
    async def test_refusals(self, idp_client, idp_key, settings, overrides) -> None:
        assert await _status(idp_client, _idp_token(idp_key, settings, **overrides)) == 401

    async def test_provider_key_cannot_sign_for_this_service(
        self, idp_client, idp_key, settings
    ) -> None:
        token = _idp_token(idp_key, settings, iss=settings.jwt_issuer, sub=str(uuid.uuid4()))
        assert await _status(idp_client, token) == 401

    async def test_without_the_setting_provider_tokens_are_refused(
        self, client, idp_key, settings
    ) -> None:
        assert await _status(client, _idp_token(idp_key, settings)) == 401

    def test_file_without_issuer_refuses_to_start(
        self, settings: Settings, database_url: URL, tmp_path: Path
    ) -> None:
        jwks = tmp_path / "jwks.json"
        jwks.write_text('{"keys": []}')
        with pytest.raises(ValueError, match="ISSUER"):
            create_app(settings.model_copy(update={"trusted_jwks_file": jwks}), database_url)
