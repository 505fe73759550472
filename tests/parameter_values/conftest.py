"""The claims tests' HTTP driver, for the stories that run claims through entered values."""

from tests.claims.conftest import driver

__all__ = ["driver"]
