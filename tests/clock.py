"""The business moment every test runs at, whatever the wall clock says.

The app under test gets a fixed clock at NOW (through FUNDADMIN_FIXED_NOW), the demo data is
written as of NOW, and tests that call the ledger or claims directly pass NOW. Packaged figures in
force on this date are what the tests rely on, so the suite gives the same answer on any day.
"""

from datetime import UTC, datetime

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
