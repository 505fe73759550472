"""Finland: the statute and fund rules are data, in fi.toml beside this module."""

from policies.engine import StandardPolicy

POLICY = StandardPolicy.from_package(__package__ or __name__, "fi.toml")
