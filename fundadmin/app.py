"""The Litestar application factory: routes, security, errors and the database, wired once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.middleware import DefineMiddleware
from litestar.types import ControllerRouterHandler
from sqlalchemy.engine import URL

from fundadmin.api.audit import AuditController
from fundadmin.api.auth import AuthController, TokenRequestSchemaPlugin
from fundadmin.api.claimants import ClaimantsController
from fundadmin.api.claims import ClaimsController
from fundadmin.api.conventions import allow_every_method
from fundadmin.api.funding import ROUTERS as FUNDING_ROUTERS
from fundadmin.api.funding import ConfiscationsController
from fundadmin.api.health import HealthController
from fundadmin.api.ledger import LedgerController
from fundadmin.api.letters import (
    ClaimLettersController,
    LetterJobsController,
    LetterRequestController,
    LetterVerificationController,
)
from fundadmin.api.openapi import (
    MoneySchemaPlugin,
    TextMappingSchemaPlugin,
    documentation_assets,
    openapi_config,
)
from fundadmin.api.policies import PoliciesController
from fundadmin.api.privacy import PrivacyController
from fundadmin.api.reports import ReportsController
from fundadmin.api.return_assistance import ReturnAssistanceController
from fundadmin.api.strict import strict_input
from fundadmin.api.users import OwnAccountController, UserController
from fundadmin.clock import Clock, clock_from_settings
from fundadmin.database import create_engine, create_session_factory
from fundadmin.dependencies import DEPENDENCIES
from fundadmin.errors import EXCEPTION_HANDLERS
from fundadmin.logging import (
    configure_logging,
    request_context_middleware,
    stamp_and_log_response,
)
from fundadmin.parameter_values.routes import ParameterValuesController
from fundadmin.security.authentication import BearerTokenMiddleware
from fundadmin.security.headers import add_security_headers
from fundadmin.security.keys import KeyRing
from fundadmin.security.tokens import TokenService
from fundadmin.security.trusted_idp import trusted_idp_from_settings
from fundadmin.security.users import ActiveUsers
from fundadmin.settings import Settings
from fundadmin.web import WEB_ROUTER
from fundadmin.web.rendering import template_config

ROUTE_HANDLERS: list[ControllerRouterHandler] = [
    HealthController,
    AuthController,
    UserController,
    OwnAccountController,
    AuditController,
    PoliciesController,
    ParameterValuesController,
    LedgerController,
    ClaimantsController,
    ClaimsController,
    ReturnAssistanceController,
    PrivacyController,
    ClaimLettersController,
    LetterJobsController,
    LetterRequestController,
    LetterVerificationController,
    ConfiscationsController,
    *FUNDING_ROUTERS,
    ReportsController,
]
"""Every controller of the API; each area appends its own in its module under fundadmin/api."""


def _key_ring(settings: Settings) -> KeyRing:
    if settings.jwt_private_keys is not None:
        return KeyRing.from_pem_bundle(settings.jwt_private_keys.get_secret_value())
    return KeyRing.development(settings.data_dir)


def create_app(settings: Settings, database_url: URL, clock: Clock | None = None) -> Litestar:
    """The application on `database_url`; `clock` (default: from the settings) is the business
    clock every handler receives as its `clock` dependency."""
    configure_logging(settings.log_level)
    tokens = TokenService(
        keys=_key_ring(settings),
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        ttl_seconds=settings.access_token_ttl_seconds,
    )

    @asynccontextmanager
    async def database(app: Litestar) -> AsyncIterator[None]:
        engine = create_engine(
            database_url, pool_size=settings.db_pool_size, wait_seconds=settings.db_wait_seconds
        )
        app.state.engine = engine
        app.state.session_factory = create_session_factory(engine)
        app.state.active_users = ActiveUsers(app.state.session_factory)
        try:
            yield
        finally:
            await engine.dispose()

    return Litestar(
        route_handlers=[*ROUTE_HANDLERS, documentation_assets(), WEB_ROUTER],
        template_config=template_config(),
        dependencies=DEPENDENCIES,
        exception_handlers=dict(EXCEPTION_HANDLERS),
        lifespan=[database],
        state=State(
            {
                "settings": settings,
                "clock": clock or clock_from_settings(settings),
                "tokens": tokens,
                "trusted_idp": trusted_idp_from_settings(
                    settings.trusted_jwks_file, settings.trusted_jwks_issuer, settings.jwt_audience
                ),
            }
        ),
        middleware=[
            request_context_middleware,
            DefineMiddleware(
                BearerTokenMiddleware, exclude_from_auth_key="public", exclude=["^/schema", "^/web"]
            ),
        ],
        cors_config=CORSConfig(allow_origins=settings.cors_allowed_origins)
        if settings.cors_allowed_origins
        else None,
        before_send=[stamp_and_log_response, add_security_headers, allow_every_method],
        request_max_body_size=settings.max_request_bytes,
        openapi_config=openapi_config(),
        plugins=[MoneySchemaPlugin(), TextMappingSchemaPlugin(), TokenRequestSchemaPlugin()],
        before_request=strict_input,
        # Logging is configured once by configure_logging (JSON); Litestar must not reconfigure it.
        logging_config=None,
        debug=False,
    )
