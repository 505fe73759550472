"""All configuration, read once from the environment.

Nothing else in the code base reads ``os.environ``: ask :func:`get_settings` instead.
Every field is documented here and in the README's settings table.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_DEMO_PASSWORD = "demo"  # noqa: S105 - documented demo credential, refused in production


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FUNDADMIN_", extra="ignore", frozen=True)

    environment: Environment = Environment.DEVELOPMENT
    """`development` (safe local defaults), `test`, or `production` (refuses development keys)."""

    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "FUNDADMIN_DATABASE_URL")
    )
    """PostgreSQL URL (`postgresql://user:pw@host:port/db`, `?host=/socket/dir` accepted).
    Unset: an embedded PostgreSQL server is started in `data_dir`."""

    data_dir: Path = Path(".fundadmin")
    """Local folder for the embedded database and development keys; kept between runs."""

    host: str = "127.0.0.1"
    """Interface the HTTP server binds to."""

    port: int = Field(default=8000, ge=1, le=65535)
    """TCP port of the HTTP server."""

    log_level: str = "INFO"
    """Minimum level of the JSON log lines written to standard output."""

    max_request_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    """Largest request body accepted, in bytes; larger requests get 413."""

    db_pool_size: int = Field(default=10, ge=1, le=200)
    """Connections kept open per service instance."""

    db_wait_seconds: float = Field(default=5.0, gt=0, le=60)
    """Longest a request waits for the database (a pooled connection, a new connection, a
    statement, a row lock) before it answers 503 with Retry-After (409 for a row lock)."""

    demo_password: SecretStr = SecretStr(DEVELOPMENT_DEMO_PASSWORD)
    """Password of the demo users created by `fundadmin serve --demo`."""

    public_url: str = "http://127.0.0.1:8000"
    """Address the service is reached at from outside: letters print its verification route."""

    worker_stalled_seconds: float = Field(default=30, ge=1, le=3600)
    """A letters worker silent this long is taken as dead: its jobs go back to the queue."""

    cors_allowed_origins: list[str] = []
    """Origins allowed to call the API from a browser; empty means CORS is closed."""

    jwt_issuer: str = "fundadmin"
    """`iss` of the access tokens this service issues, and required on tokens it accepts."""

    jwt_audience: str = "fundadmin-api"
    """`aud` of the access tokens this service issues, and required on tokens it accepts."""

    access_token_ttl_seconds: int = Field(default=900, ge=60, le=3600)
    """Lifetime of an access token, in seconds (15 minutes by default)."""

    web_session_idle_seconds: int = Field(default=900, ge=60, le=3600)
    """A web session ends after this many seconds without a page (15 minutes by default)."""

    web_session_max_seconds: int = Field(default=43_200, ge=300, le=86_400)
    """A web session ends this many seconds after sign-in however active (12 hours by default):
    a working day, after which she signs in again."""

    jwt_private_keys: SecretStr | None = None
    """PEM RSA private keys that sign tokens, concatenated, newest first; the first one signs,
    all verify. Unset outside production: a development key is generated in `data_dir`."""

    master_keys: SecretStr | None = None
    """Key-encryption keys for personal data, as `kid:base64key` pairs separated by commas,
    newest first. Unset outside production: a development key is generated in `data_dir`."""

    trusted_jwks_file: Path | None = None
    """JWKS (JSON file, read at start) of an external identity provider whose RS256 tokens are
    also accepted. Its users must exist here (same username, from `preferred_username`) and get
    the roles granted here. Unset: only this service's own tokens are accepted."""

    trusted_jwks_issuer: str | None = None
    """`iss` the external identity provider's tokens must carry; required with the file."""

    erasure_log: Path | None = None
    """File listing the ids of destroyed personal-data keys, re-applied after a database
    restore. Keep it outside the database and its backups. Unset: `data_dir/erased-subjects`."""

    pg_bin_dir: Path | None = None
    """Folder of pg_dump, pg_restore and psql for `fundadmin db backup` and `restore` with
    DATABASE_URL (of the server's major version). Unset: PATH. The embedded server always uses
    its own programs."""

    fixed_now: datetime | None = None
    """Stop the business clock at this moment (ISO 8601 with a zone): the service then sees this
    date as today for effective dates, deadlines and ages. For tests and reproducible
    demonstrations; refused in production. Token expiry and throttling keep real time; a web
    session's inactivity follows this clock (it does not lapse while the clock stands still)."""

    @model_validator(mode="after")
    def _refuse_development_secrets_in_production(self) -> Settings:
        if self.environment is not Environment.PRODUCTION:
            return self
        problems = []
        if self.database_url is None:
            problems.append("DATABASE_URL must point at a managed PostgreSQL server")
        if self.jwt_private_keys is None:
            problems.append("FUNDADMIN_JWT_PRIVATE_KEYS must be set (development keys are refused)")
        if self.master_keys is None:
            problems.append("FUNDADMIN_MASTER_KEYS must be set (development keys are refused)")
        if self.demo_password.get_secret_value() == DEVELOPMENT_DEMO_PASSWORD:
            problems.append("FUNDADMIN_DEMO_PASSWORD must not be the development default")
        if self.fixed_now is not None:
            problems.append("FUNDADMIN_FIXED_NOW must not be set (the clock must run)")
        if problems:
            raise ValueError("production mode refuses to start: " + "; ".join(problems))
        return self

    @property
    def erasure_log_path(self) -> Path:
        return self.erasure_log or self.data_dir / "erased-subjects"

    @property
    def is_production(self) -> bool:
        return self.environment is Environment.PRODUCTION

    @model_validator(mode="after")
    def _fixed_now_has_a_zone(self) -> Settings:
        if self.fixed_now is not None and self.fixed_now.tzinfo is None:
            raise ValueError("FUNDADMIN_FIXED_NOW needs a zone, e.g. 2026-11-24T12:00:00Z")
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
