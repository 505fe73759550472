from __future__ import annotations

import pydantic
import pytest

from fundadmin.database import DatabaseUrlError, normalise_database_url
from fundadmin.settings import Settings


class TestProductionRefusesDevelopmentSecrets:
    def test_production_without_keys_is_refused_naming_each_missing_setting(self) -> None:
        with pytest.raises(pydantic.ValidationError) as info:
            Settings(environment="production", database_url="postgresql://u:p@db/fundadmin")
        message = str(info.value)
        assert "FUNDADMIN_JWT_PRIVATE_KEYS" in message
        assert "FUNDADMIN_MASTER_KEYS" in message
        assert "FUNDADMIN_DEMO_PASSWORD" in message

    def test_production_with_its_own_secrets_starts(self) -> None:
        settings = Settings(
            environment="production",
            database_url="postgresql://u:p@db/fundadmin",
            jwt_private_keys="pem",
            master_keys="k1:abc",
            demo_password="not-the-default",
        )
        assert settings.is_production

    def test_development_defaults_are_safe_for_local_use(self) -> None:
        settings = Settings(_env_file=None)
        assert settings.host == "127.0.0.1"
        assert settings.cors_allowed_origins == []
        assert settings.access_token_ttl_seconds == 900

    def test_out_of_range_port_is_refused(self) -> None:
        with pytest.raises(pydantic.ValidationError):
            Settings(port=70000)

    def test_database_url_is_read_from_the_unprefixed_variable(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db:5433/funds")
        assert Settings().database_url == "postgresql://u:p@db:5433/funds"


class TestDatabaseUrl:
    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("postgresql://u:p@h:5432/db", "postgresql+asyncpg://u:p@h:5432/db"),
            ("postgres://u:p@h/db", "postgresql+asyncpg://u:p@h/db"),
            ("postgresql+asyncpg://u:p@h/db", "postgresql+asyncpg://u:p@h/db"),
            (
                "postgresql://u@/db?host=/run/postgresql",
                "postgresql+asyncpg://u@/db?host=%2Frun%2Fpostgresql",
            ),
            ("postgresql://u:p@h/db?sslmode=require", "postgresql+asyncpg://u:p@h/db?ssl=require"),
        ],
    )
    def test_accepted_forms(self, raw: str, expected: str) -> None:
        rendered = normalise_database_url(raw).render_as_string(hide_password=False)
        assert rendered == expected

    @pytest.mark.parametrize("raw", ["mysql://u:p@h/db", "postgresql://u:p@h", "not a url"])
    def test_refused_forms(self, raw: str) -> None:
        with pytest.raises(DatabaseUrlError):
            normalise_database_url(raw)
