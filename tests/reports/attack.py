"""The attacker the suppression tests use, written independently of the audit in
`fundadmin/reports/suppression.py`: exact rational Gauss-Jordan elimination (Fractions), the
textbook method, so a faster audit that got the algebra wrong fails the tests."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from fractions import Fraction

from fundadmin.reports.suppression import Linear


def determined(
    unknowns: Sequence[Hashable], equations: Sequence[dict], targets: Sequence[dict]
) -> list[bool]:
    """Which of `targets` (linear combinations of `unknowns`, as {unknown: coefficient}) have a
    value fixed by `equations` (each a linear combination whose value the attacker knows):
    those whose coefficient vector lies in the equations' row space."""
    order = {key: i for i, key in enumerate(unknowns)}

    def vector(combination: dict) -> dict[int, Fraction]:
        row: dict[int, Fraction] = {}
        for key, coefficient in combination.items():
            if key in order:
                row[order[key]] = row.get(order[key], Fraction(0)) + coefficient
        return {c: v for c, v in row.items() if v}

    basis: dict[int, dict[int, Fraction]] = {}  # pivot column -> row with 1 there, 0 at others
    for equation in equations:
        row = _reduce(vector(equation), basis)
        if not row:
            continue
        column = min(row)
        lead = row[column]
        row = {c: v / lead for c, v in row.items()}
        for other, pivot_row in basis.items():
            if column in pivot_row:
                basis[other] = _subtract(pivot_row, row, pivot_row[column])
        basis[column] = row
    return [not _reduce(vector(target), basis) for target in targets]


def _subtract(row: dict, other: dict, factor: Fraction) -> dict:
    result = dict(row)
    for column, value in other.items():
        updated = result.get(column, Fraction(0)) - factor * value
        if updated:
            result[column] = updated
        else:
            result.pop(column, None)
    return result


def _reduce(row: dict, basis: dict) -> dict:
    for column in [c for c in row if c in basis]:
        if column in row:
            row = _subtract(row, basis[column], row[column])
    return row


def recovered(suppressed: set, relations: Sequence[Linear]) -> set:
    """The suppressed cells an attacker computes from the published cells and `relations`."""
    unknowns = sorted(suppressed, key=repr)
    equations = [
        {key: c for key, c in relation.terms if key in suppressed} for relation in relations
    ]
    targets = [{key: 1} for key in unknowns]
    return {
        key
        for key, found in zip(unknowns, determined(unknowns, equations, targets), strict=True)
        if found
    }
