"""Small-number suppression of claim statistics, so no report lets anyone recognise a person.

Method (named in the README): **threshold rule with linear-algebra secondary suppression**.

1. Primary: a cell derived from 1 to 4 claims is suppressed (count and amount alike). Zero
   cells are published: they describe nobody.
2. Secondary: the published cells and the table's additive relations (a total equals the sum of
   its parts) form a linear system in the suppressed cells. A suppressed cell is recoverable when
   its column in that system is not in the span of the other suppressed cells' columns (then
   every solution gives it the same value). While any suppressed cell is recoverable, the
   smallest published cell of a relation it appears in is suppressed too, and the test repeats.
3. Across reports: the cells are fixed calendar quarters and years, and each year's pattern is
   decided on that whole year's quarter-and-year hierarchy, whatever period was asked for. Two
   reports, for adjacent or overlapping periods, therefore publish the same value or the same
   suppression for the same cell, and never a total over any other range of dates.

Pure: no I/O. `recoverable` is also the attacker the tests use.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import reduce
from math import gcd

THRESHOLD = 5
"""Fewest claims a published figure may be derived from."""

Key = Hashable


@dataclass(frozen=True, slots=True)
class Relation:
    """`total` = sum of `parts`, for every measure of the table (counts and amounts)."""

    total: Key
    parts: tuple[Key, ...]

    @property
    def terms(self) -> tuple[tuple[Key, int], ...]:
        return ((self.total, 1), *((part, -1) for part in self.parts))


@dataclass(frozen=True, slots=True)
class Balance:
    """Sum of `coefficient * cell` over `terms` is published (or known): money in minus money
    out of a fund equals its closing minus its opening balance, for instance."""

    terms: tuple[tuple[Key, int], ...]


Linear = Relation | Balance


Row = dict[int, int]
"""A sparse row of integer coefficients: column -> non-zero coefficient."""


def _normal(row: Row) -> Row:
    """`row` divided by the gcd of its coefficients, its first coefficient positive: integers
    stay as small as the system allows (fraction-free elimination without growth)."""
    divisor = reduce(gcd, row.values())
    if row[min(row)] < 0:
        divisor = -divisor
    return {column: value // divisor for column, value in row.items()}


def _eliminate(row: Row, pivot_row: Row, column: int) -> Row:
    """`row` with `column` cancelled by an integer combination with `pivot_row`."""
    a, b = pivot_row[column], row[column]
    combined = {c: a * v for c, v in row.items()}
    for c, v in pivot_row.items():
        value = combined.get(c, 0) - b * v
        if value:
            combined[c] = value
        else:
            combined.pop(c, None)
    return _normal(combined) if combined else combined


def _reduced(rows: Iterable[Row]) -> dict[int, Row]:
    """Gauss-Jordan over the integers on sparse rows: pivot column -> its row, each row zero in
    every other pivot column. Exact (no floats, no fractions: small integer rows, which is what
    makes the audit cheap) and the same row space as the rational reduced echelon form."""
    pivots: dict[int, Row] = {}
    for original in rows:
        row = dict(original)
        for column in [c for c in row if c in pivots]:
            if column in row:
                row = _eliminate(row, pivots[column], column)
        if not row:
            continue
        row = _normal(row)
        column = min(row)
        for other, pivot_row in pivots.items():
            if column in pivot_row:
                pivots[other] = _eliminate(pivot_row, row, column)
        pivots[column] = row
    return pivots


def recoverable(suppressed: set[Key], relations: Sequence[Linear]) -> set[Key]:
    """The suppressed cells whose value follows from the published cells and the relations.

    With the published values moved to the right-hand side, the relations are a linear system
    in the suppressed cells; a cell is determined exactly when its unit vector lies in the
    system's row space: in reduced form, its column is a pivot whose row has no other entry
    (every other entry of a reduced row is in a free column).
    """
    unknowns = sorted(suppressed, key=repr)
    if not unknowns:
        return set()
    index = {key: i for i, key in enumerate(unknowns)}
    rows = []
    for relation in relations:
        row: Row = {}
        for key, coefficient in relation.terms:
            if key in index:
                row[index[key]] = row.get(index[key], 0) + coefficient
        row = {column: value for column, value in row.items() if value}
        if row:
            rows.append(row)
    return {unknowns[column] for column, row in _reduced(rows).items() if len(row) == 1}


def suppress(
    counts: Mapping[Key, int], relations: Sequence[Linear], *, each: bool = False
) -> set[Key]:
    """The cells to withhold: primary (1 to 4 claims) and secondary, until none is recoverable.
    `each`: a partner for every exposed cell per round, not one (fewer rounds on large tables,
    at the price of sometimes withholding a cell more)."""
    hidden = {key for key, count in counts.items() if 0 < count < THRESHOLD}
    while True:
        exposed = recoverable(hidden, relations)
        if not exposed:
            return hidden
        chosen = set()
        for target in sorted(exposed, key=repr) if each else [sorted(exposed, key=repr)]:
            targets = target if isinstance(target, list) else [target]
            candidates = [
                key
                for one in targets
                for relation in relations
                if any(one == key for key, _ in relation.terms)
                for key, _ in relation.terms
                if key not in hidden and key not in chosen and key in counts
            ]
            if candidates:
                # The smallest non-zero partner costs the least information; a zero last.
                chosen.add(
                    min(
                        candidates, key=lambda k: (counts.get(k, 0) == 0, counts.get(k, 0), repr(k))
                    )
                )
        if not chosen:  # pragma: no cover - a recoverable cell always has a published partner
            return hidden
        hidden |= chosen
