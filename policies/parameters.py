"""Parameters that change over time, each value with its effective date, source and `verified` flag.

Modelled on OpenFisca's parameter files: a value is in force from its `effective_from` until the
next value. Asking for a date before the first value raises `ParameterNotInForce`; nothing is ever
read as a silent zero.
"""

from __future__ import annotations

import bisect
import calendar
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from policies.base import Layer, ParameterInForce, ParameterLapse, ParameterValue
from policies.errors import (
    InvalidPolicyData,
    MissingParameter,
    ParameterExpired,
    ParameterNotInForce,
)

NO_FIGURE = "none"
"""The data-file value for "no figure exists or is known" (a cap the reference lacks)."""

Value = Decimal | str | bool | tuple[str, ...] | None


@dataclass(frozen=True)
class DatedParameter:
    """One named parameter and its values over time, sorted by `effective_from`."""

    name: str
    layer: Layer
    unit: str
    description: str
    values: tuple[ParameterValue, ...]
    valid_for_months: int | None = None
    """For yearly base amounts: the newest value lapses this long after its date, so a year whose
    value nobody entered is an error rather than last year's figure."""

    def __post_init__(self) -> None:
        if not self.values:
            raise InvalidPolicyData(f"parameter {self.name!r} has no values")
        dates = [v.effective_from for v in self.values]
        if dates != sorted(dates) or len(set(dates)) != len(dates):
            raise InvalidPolicyData(f"parameter {self.name!r}: effective dates must increase")
        for v in self.values:
            if not v.source.strip():
                raise InvalidPolicyData(f"parameter {self.name!r}: a value has no source")

    @property
    def first_effective_from(self) -> date:
        return self.values[0].effective_from

    def value_on(self, on: date, country: str) -> ParameterValue:
        index = bisect.bisect_right([v.effective_from for v in self.values], on) - 1
        if index < 0:
            raise ParameterNotInForce(country, self.name, on, self.first_effective_from)
        value = self.values[index]
        if (
            self.valid_for_months is not None
            and index == len(self.values) - 1
            and on >= add_months(value.effective_from, self.valid_for_months)
        ):
            raise ParameterExpired(country, self.name, on, value.effective_from)
        return value

    def lapses_on(self) -> date | None:
        """When the newest value lapses, for a yearly figure; None for a value that stays."""
        if self.valid_for_months is None:
            return None
        return add_months(self.values[-1].effective_from, self.valid_for_months)

    def kind(self) -> Literal["amount", "flag", "list", "text"]:
        """What every value of this parameter is (a "none" amount counts as an amount)."""
        kinds = {kind for v in self.values if (kind := _kind(v.value)) is not None}
        return kinds.pop() if len(kinds) == 1 else "text"

    def with_entered(self, entered: Sequence[ParameterValue]) -> DatedParameter:
        """Entered values merged in by date; on a date both define, the entered one wins."""
        by_date = {v.effective_from: v for v in self.values}
        by_date.update({v.effective_from: v for v in entered})
        return replace(self, values=tuple(by_date[d] for d in sorted(by_date)))


@dataclass(frozen=True)
class ParameterSet:
    """A country's parameters by name; typed accessors fail loudly on a missing or wrong value."""

    country: str
    parameters: Mapping[str, DatedParameter] = field(default_factory=dict)
    reads: list[tuple[str, ParameterValue]] | None = field(default=None, compare=False)
    """When recording: every value read, so an assessment can name the unverified ones it used."""

    def recording(self) -> ParameterSet:
        """A view of the same parameters that records each value read."""
        return ParameterSet(self.country, self.parameters, [])

    def unverified_read(self) -> tuple[str, ...]:
        return tuple(sorted({name for name, value in self.reads or () if not value.verified}))

    def __contains__(self, name: object) -> bool:
        return name in self.parameters

    def __iter__(self) -> Iterator[DatedParameter]:
        return iter(self.parameters.values())

    def get(self, name: str, on: date) -> ParameterValue:
        parameter = self.parameters.get(name)
        if parameter is None:
            raise MissingParameter(self.country, name)
        value = parameter.value_on(on, self.country)
        if self.reads is not None:
            self.reads.append((name, value))
        return value

    def layer(self, name: str) -> Layer:
        parameter = self.parameters.get(name)
        if parameter is None:
            raise MissingParameter(self.country, name)
        return parameter.layer

    def decimal(self, name: str, on: date) -> Decimal:
        value = self.get(name, on).value
        if not isinstance(value, Decimal):
            raise InvalidPolicyData(f"{self.country} parameter {name!r} is not an amount")
        return value

    def optional_decimal(self, name: str, on: date) -> Decimal | None:
        """An amount, or None where the data file says explicitly that no figure is known."""
        value = self.get(name, on).value
        if value is not None and not isinstance(value, Decimal):
            raise InvalidPolicyData(f"{self.country} parameter {name!r} is not an amount")
        return value

    def flag(self, name: str, on: date) -> bool:
        value = self.get(name, on).value
        if not isinstance(value, bool):
            raise InvalidPolicyData(f"{self.country} parameter {name!r} is not true/false")
        return value

    def flag_or_off(self, name: str, on: date) -> bool:
        """A fund rule: off unless the data file (or a ministry override) sets it."""
        if name not in self.parameters:
            return False
        return self.flag(name, on)

    def strings(self, name: str, on: date) -> tuple[str, ...]:
        value = self.get(name, on).value
        if not isinstance(value, tuple):
            raise InvalidPolicyData(f"{self.country} parameter {name!r} is not a list")
        return value

    def in_force(self, on: date) -> tuple[ParameterInForce, ...]:
        """Every parameter's value on `on`; a parameter not yet in force is left out, a lapsed
        yearly figure is shown with `lapsed` set."""
        shown = []
        for p in self.parameters.values():
            if p.first_effective_from > on:
                continue
            try:
                shown.append(
                    ParameterInForce(
                        p.name, p.layer, p.unit, p.description, p.value_on(on, self.country)
                    )
                )
            except ParameterExpired:
                shown.append(
                    ParameterInForce(p.name, p.layer, p.unit, p.description, p.values[-1], True)
                )
        return tuple(shown)

    def first_effective_from(self) -> date:
        return min(p.first_effective_from for p in self.parameters.values())

    def lapses(self, on: date, within_days: int) -> tuple[ParameterLapse, ...]:
        """Yearly figures lapsed on `on` or lapsing before `on` + `within_days`, soonest first."""
        horizon = on + timedelta(days=within_days)
        found = []
        for p in self.parameters.values():
            lapses_on = p.lapses_on()
            if lapses_on is not None and lapses_on <= horizon:
                found.append(
                    ParameterLapse(p.name, p.values[-1].effective_from, lapses_on, lapses_on <= on)
                )
        return tuple(sorted(found, key=lambda lapse: (lapse.lapses_on, lapse.name)))

    def with_entered(self, entered: Mapping[str, Sequence[ParameterValue]]) -> ParameterSet:
        """Values entered at run time merged into the packaged ones (names must exist)."""
        merged = dict(self.parameters)
        for name, values in entered.items():
            parameter = self.parameters.get(name)
            if parameter is None:
                raise MissingParameter(self.country, name)
            if values:
                merged[name] = parameter.with_entered(values)
        return ParameterSet(self.country, merged)

    def kind(self, name: str) -> Literal["amount", "flag", "list", "text"]:
        parameter = self.parameters.get(name)
        if parameter is None:
            raise MissingParameter(self.country, name)
        return parameter.kind()

    def replaced(self, overrides: Mapping[str, DatedParameter]) -> ParameterSet:
        return ParameterSet(self.country, {**self.parameters, **overrides})


def _kind(value: Value) -> Literal["amount", "flag", "list", "text"] | None:
    if value is None or isinstance(value, Decimal):
        return "amount" if value is not None else None
    if isinstance(value, bool):
        return "flag"
    if isinstance(value, tuple):
        return "list"
    return "text"


def add_months(start: date, months: int) -> date:
    """`start` plus whole months; the 31st becomes the month's last day (never overflows)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def parse_value(raw: Any, where: str) -> Value:
    """TOML value -> parameter value: amounts are written as strings so no float ever appears."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, list):
        if not all(isinstance(item, str) for item in raw):
            raise InvalidPolicyData(f"{where}: a list must hold strings")
        return tuple(raw)
    if isinstance(raw, str):
        if raw == NO_FIGURE:
            return None
        try:
            return Decimal(raw)
        except InvalidOperation:
            return raw
    # A TOML float or integer would be silently inexact or ambiguous for money: refuse it.
    raise InvalidPolicyData(f'{where}: write amounts as strings, e.g. "52500"')


def parse_parameter(name: str, raw: Mapping[str, Any]) -> DatedParameter:
    layer = raw.get("layer")
    if layer not in ("statute", "fund"):
        raise InvalidPolicyData(f"parameter {name!r}: layer must be 'statute' or 'fund'")
    values = []
    for index, item in enumerate(raw.get("values", ())):
        where = f"parameter {name!r} value {index}"
        effective = item.get("from")
        if not isinstance(effective, date):
            raise InvalidPolicyData(f"{where}: 'from' must be a date")
        if not isinstance(item.get("verified"), bool):
            raise InvalidPolicyData(f"{where}: 'verified' must be true or false")
        values.append(
            ParameterValue(
                effective_from=effective,
                value=parse_value(item.get("value"), where),
                source=str(item.get("source", "")),
                verified=item["verified"],
                note=str(item.get("note", "")),
            )
        )
    valid_for = raw.get("valid_for_months")
    if valid_for is not None and (not isinstance(valid_for, int) or valid_for <= 0):
        raise InvalidPolicyData(f"parameter {name!r}: valid_for_months must be a positive integer")
    return DatedParameter(
        name=name,
        valid_for_months=valid_for,
        layer=layer,
        unit=str(raw.get("unit", "")),
        description=str(raw.get("description", "")),
        values=tuple(values),
    )
