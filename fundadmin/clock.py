"""Business time: what "now" and "today" are for effective dates, deadlines, expiries and ages.

Domain code never reads the wall clock; it takes `now` or `today` as an argument, and the shell
hands it the application's clock (a handler's `clock` dependency). Tests and demonstrations fix
the clock, so a figure that lapses next year does not break them. Security time (token expiry,
sign-in throttling) is real elapsed time and stays on the system clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from fundadmin.settings import Settings


@runtime_checkable  # Litestar checks a dependency's value against its annotation
class Clock(Protocol):
    def now(self) -> datetime:
        """The current moment, timezone-aware, in UTC."""
        ...


def today(clock: Clock) -> date:
    """The current date in UTC: the books and the deadlines follow UTC dates."""
    return clock.now().date()


class SystemClock:
    """The wall clock: the service's clock in production."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class FixedClock:
    """A clock that stands still until moved: for tests and reproducible demonstrations."""

    moment: datetime

    def __post_init__(self) -> None:
        if self.moment.tzinfo is None:
            raise ValueError("a fixed clock needs a timezone-aware moment")

    def now(self) -> datetime:
        return self.moment

    def advance(self, delta: timedelta) -> None:
        self.moment += delta


def clock_from_settings(settings: Settings) -> Clock:
    """The system clock, or a fixed one where `FUNDADMIN_FIXED_NOW` is set (never in production)."""
    if settings.fixed_now is not None:
        return FixedClock(settings.fixed_now)
    return SystemClock()
