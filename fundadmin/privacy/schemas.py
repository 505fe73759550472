"""The wire shapes of erasure, legal holds, retention and export."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec

Reason = Annotated[str, msgspec.Meta(min_length=10, max_length=1000)]


class ErasureRequestCreate(msgspec.Struct, forbid_unknown_fields=True):
    received_on: date
    """The day she asked to be erased."""
    when_free: bool = False
    """If the law requires keeping her data now, schedule the erasure for when that ends
    (instead of being refused)."""


class ErasureRequestView(msgspec.Struct):
    id: uuid.UUID
    claimant_id: uuid.UUID
    basis: str
    status: str
    countries: list[str]
    received_on: date | None
    when_free: bool
    kept_for: list[str]
    """Legal grounds for keeping her data found at the last check."""
    requested_by: uuid.UUID | None
    requested_at: datetime
    confirmed_by: uuid.UUID | None
    confirmed_at: datetime | None
    erased_at: datetime | None
    cancelled_by: uuid.UUID | None
    cancelled_at: datetime | None
    version: int
    """Send it back as If-Match to confirm or cancel the request."""


class LegalHoldCreate(msgspec.Struct, forbid_unknown_fields=True):
    kind: Literal["court_case", "investigation", "other"]
    reason: Reason
    """Court and case number, or the authority's request: a reference, never her data."""


class LegalHoldLift(msgspec.Struct, forbid_unknown_fields=True):
    reason: Reason


class LegalHoldView(msgspec.Struct):
    id: uuid.UUID
    claimant_id: uuid.UUID
    kind: str
    reason: str
    country: str
    placed_by: uuid.UUID
    placed_at: datetime
    lifted_by: uuid.UUID | None
    lifted_at: datetime | None
    lift_reason: str | None
    version: int
    """Send it back as If-Match to lift the hold."""


class RetentionRunView(msgspec.Struct):
    id: uuid.UUID
    ran_at: datetime
    erased: int
    held: int
    kept: int
    by_country: dict[str, Any]


class RetentionPeriodView(msgspec.Struct):
    country: str
    months: int
    effective_from: date
    source: str
    verified: bool
    note: str
