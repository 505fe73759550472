"""Every table of the service, gathered so Alembic and the tests see one complete metadata."""

from advanced_alchemy.base import orm_registry

import claims.models
import claims.returns.models  # noqa: F401
import fundadmin.demo
import fundadmin.funding.models
import fundadmin.idempotency
import fundadmin.letters.models
import fundadmin.parameter_values.models
import fundadmin.privacy.models
import fundadmin.reports.models
import fundadmin.security.models  # noqa: F401
import ledger.models  # noqa: F401

metadata = orm_registry.metadata

__all__ = ["metadata"]
