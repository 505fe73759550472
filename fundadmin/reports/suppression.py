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

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

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


def _reduced(rows: list[list[Fraction]], columns: int) -> list[tuple[int, list[Fraction]]]:
    """Reduced row echelon form: (pivot column, row) for each non-zero row."""
    matrix = [row[:] for row in rows if any(row)]
    pivots: list[tuple[int, list[Fraction]]] = []
    rank = 0
    for column in range(columns):
        pivot = next((r for r in range(rank, len(matrix)) if matrix[r][column] != 0), None)
        if pivot is None:
            continue
        matrix[rank], matrix[pivot] = matrix[pivot], matrix[rank]
        lead = matrix[rank][column]
        matrix[rank] = [value / lead for value in matrix[rank]]
        for r in range(len(matrix)):
            if r != rank and matrix[r][column] != 0:
                factor = matrix[r][column]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[rank], strict=True)]
        pivots.append((column, matrix[rank]))
        rank += 1
    return [(column, matrix[i]) for i, (column, _) in enumerate(pivots)]


def recoverable(suppressed: set[Key], relations: Sequence[Linear]) -> set[Key]:
    """The suppressed cells whose value follows from the published cells and the relations.

    With the published values moved to the right-hand side, the relations are a linear system
    in the suppressed cells; a cell is determined exactly when no vector of the system's null
    space moves it: in reduced echelon form, its column is a pivot whose row has no entry in a
    free column.
    """
    unknowns = sorted(suppressed, key=repr)
    if not unknowns:
        return set()
    index = {key: i for i, key in enumerate(unknowns)}
    rows = []
    for relation in relations:
        row = [Fraction(0)] * len(unknowns)
        for key, coefficient in relation.terms:
            if key in index:
                row[index[key]] += coefficient
        rows.append(row)
    reduced = _reduced(rows, len(unknowns))
    pivot_columns = {column for column, _ in reduced}
    free = [c for c in range(len(unknowns)) if c not in pivot_columns]
    return {unknowns[column] for column, row in reduced if all(row[f] == 0 for f in free)}


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
