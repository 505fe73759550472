"""Entering, confirming and reading parameter values at run time.

The policies stay pure: this module reads the confirmed values of a country and hands them to
its policy (`with_entered_values`), which merges them with its packaged data by date.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from fundadmin.ids import new_id
from fundadmin.parameter_values.errors import (
    CountryNotAdministered,
    InvalidParameterValue,
    ParameterValueAlreadyDecided,
    ParameterValueNotFound,
    SecondAdministratorMustDiffer,
)
from fundadmin.parameter_values.models import EnteredParameterValue
from fundadmin.security.principal import Principal, Role
from policies import (
    POLICIES,
    CountryPolicy,
    InvalidPolicyData,
    MissingParameter,
    ParameterLapse,
    ParameterValue,
    PolicyError,
    get_policy,
)

EARLIEST = date(1990, 1, 1)
"""No fund existed before; an earlier date is a typing error, not law."""
MAX_AMOUNT = Decimal("1e12")

RawValue = str | bool | list[str] | None


@dataclass(frozen=True)
class NewValue:
    name: str
    effective_from: date
    value: RawValue
    legal_source: str
    source_document: str | None = None
    note: str | None = None


def _administers(principal: Principal, country: str) -> None:
    if not principal.reaches(Role.ADMINISTRATOR, country):
        raise CountryNotAdministered()


def _stored_value(policy: CountryPolicy, name: str, raw: RawValue) -> Any:
    """The JSON stored for `raw`, once it fits the parameter's kind (an amount stays a string)."""
    try:
        kind = policy.parameter_kind(name)
    except MissingParameter as exc:
        raise InvalidParameterValue("name", f"{policy.code} has no parameter {name!r}") from exc
    if kind == "amount":
        if not isinstance(raw, str):
            raise InvalidParameterValue("value", 'an amount is a decimal string, e.g. "130160"')
        try:
            amount = Decimal(raw)
        except InvalidOperation as exc:
            raise InvalidParameterValue("value", "is not a decimal number") from exc
        if not amount.is_finite() or amount < 0 or amount >= MAX_AMOUNT:
            raise InvalidParameterValue("value", "must be a finite amount, zero or more")
        if amount.as_tuple().exponent < -6:  # type: ignore[operator]
            raise InvalidParameterValue("value", "at most six decimals")
        return str(amount)
    if kind == "flag":
        if not isinstance(raw, bool):
            raise InvalidParameterValue("value", "must be true or false")
        return raw
    if kind == "list":
        if not isinstance(raw, list) or not raw:
            raise InvalidParameterValue("value", "must be a non-empty list of strings")
        return raw
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidParameterValue("value", "must be a non-empty string")
    return raw


def _policy_value(row: EnteredParameterValue) -> ParameterValue:
    raw = row.value
    value: Decimal | str | bool | tuple[str, ...] | None
    if isinstance(raw, list):
        value = tuple(raw)
    elif isinstance(raw, str):
        try:
            value = Decimal(raw)
        except InvalidOperation:
            value = raw
    else:
        value = raw
    return ParameterValue(
        effective_from=row.effective_from,
        value=value,
        source=row.legal_source,
        verified=True,
        note=row.note or "",
        entered_by=row.entered_by_name,
        confirmed_by=row.decided_by_name,
        source_document=row.source_document,
    )


async def confirmed_values(session: AsyncSession, country: str) -> dict[str, list[ParameterValue]]:
    """The confirmed values of `country` by name, in the order they were confirmed (a later
    confirmation for the same date wins: that is how a correction takes effect)."""
    rows = await session.scalars(
        sa.select(EnteredParameterValue)
        .where(
            EnteredParameterValue.country == country, EnteredParameterValue.status == "confirmed"
        )
        .order_by(EnteredParameterValue.decided_at, EnteredParameterValue.id)
    )
    found: dict[str, list[ParameterValue]] = defaultdict(list)
    for row in rows:
        found[row.name].append(_policy_value(row))
    return dict(found)


async def policy_for(session: AsyncSession, country: str) -> CountryPolicy:
    """The country's policy with its confirmed entered values in force."""
    policy = get_policy(country)
    entered = await confirmed_values(session, policy.code)
    return policy.with_entered_values(entered) if entered else policy


def _merged(policy: CountryPolicy, name: str, value: ParameterValue) -> None:
    """Refuse a value that would leave the country's data inconsistent (shares not summing)."""
    try:
        policy.with_entered_values({name: [value]})
    except InvalidPolicyData as exc:
        raise InvalidParameterValue("value", str(exc)) from exc
    except PolicyError as exc:
        raise InvalidParameterValue("name", str(exc)) from exc


async def enter_value(
    session: AsyncSession, principal: Principal, country: str, data: NewValue, *, now: datetime
) -> EnteredParameterValue:
    """A pending value; it counts only once a second administrator confirms it."""
    policy = get_policy(country)
    _administers(principal, policy.code)
    if not data.legal_source.strip():
        raise InvalidParameterValue("legal_source", "name the regulation or publication")
    if data.effective_from < EARLIEST:
        raise InvalidParameterValue("effective_from", f"must be {EARLIEST.isoformat()} or later")
    current = await policy_for(session, policy.code)
    stored = _stored_value(current, data.name, data.value)
    row = EnteredParameterValue(
        id=new_id(),
        country=policy.code,
        name=data.name,
        effective_from=data.effective_from,
        value=stored,
        legal_source=data.legal_source.strip(),
        source_document=data.source_document,
        note=data.note,
        entered_by=principal.user_id,
        entered_by_name=principal.username,
        entered_at=now,
        status="pending",
    )
    _merged(current, data.name, _policy_value(row))
    session.add(row)
    await session.flush()
    return row


async def _pending(
    session: AsyncSession, principal: Principal, country: str, value_id: uuid.UUID
) -> EnteredParameterValue:
    # Entered values are public (every reader lists them), so another country's administrator
    # learns nothing from a 403 that a 404 would hide.
    _administers(principal, get_policy(country).code)
    row = await session.get(EnteredParameterValue, value_id, with_for_update=True)
    if row is None or row.country != country.upper():
        raise ParameterValueNotFound()
    if row.status != "pending":
        raise ParameterValueAlreadyDecided(row.status)
    return row


async def decide_value(
    session: AsyncSession,
    principal: Principal,
    country: str,
    value_id: uuid.UUID,
    *,
    confirm: bool,
    reason: str | None,
    now: datetime,
) -> EnteredParameterValue:
    """A second, different administrator of the country confirms or rejects a pending value."""
    row = await _pending(session, principal, country, value_id)
    if row.entered_by == principal.user_id:
        raise SecondAdministratorMustDiffer()
    if not confirm and not (reason and reason.strip()):
        raise InvalidParameterValue("reason", "is required when rejecting a value")
    if confirm:
        _merged(await policy_for(session, row.country), row.name, _policy_value(row))
    row.status = "confirmed" if confirm else "rejected"
    row.decided_by = principal.user_id
    row.decided_by_name = principal.username
    row.decided_at = now
    row.decision_reason = reason
    await session.flush()
    return row


async def get_value(
    session: AsyncSession, country: str, value_id: uuid.UUID
) -> EnteredParameterValue:
    row = await session.get(EnteredParameterValue, value_id)
    if row is None or row.country != get_policy(country).code:
        raise ParameterValueNotFound()
    return row


async def list_values(
    session: AsyncSession, country: str, *, status: str | None = None
) -> Sequence[EnteredParameterValue]:
    query = sa.select(EnteredParameterValue).where(
        EnteredParameterValue.country == get_policy(country).code
    )
    if status is not None:
        query = query.where(EnteredParameterValue.status == status)
    rows = await session.scalars(
        query.order_by(EnteredParameterValue.entered_at, EnteredParameterValue.id)
    )
    return rows.all()


async def lapses(
    session: AsyncSession, on: date, within_days: int
) -> dict[str, tuple[ParameterLapse, ...]]:
    """Per country, the yearly figures lapsed on `on` or lapsing within `within_days`, with the
    entered values taken into account; countries with none are left out."""
    found = {}
    for country in POLICIES:
        policy = await policy_for(session, country)
        country_lapses = policy.lapses(on, within_days)
        if country_lapses:
            found[country] = country_lapses
    return found


async def proposals_impossible(session: AsyncSession, on: date) -> dict[str, list[str]]:
    """Countries whose proposals are impossible on `on`, with the lapsed figures."""
    return {
        country: [lapse.name for lapse in country_lapses if lapse.lapsed]
        for country, country_lapses in (await lapses(session, on, 0)).items()
        if any(lapse.lapsed for lapse in country_lapses)
    }
