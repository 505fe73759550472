"""The claims tests' HTTP driver, for the policy rules proven on stored claims."""

from tests.claims.conftest import driver

__all__ = ["driver"]
