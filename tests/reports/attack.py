"""The attacker the suppression tests use, written independently of the audit in
`fundadmin/reports/suppression.py`: exact rational Gauss-Jordan elimination (Fractions, dense),
the textbook method, so a faster audit that got the algebra wrong fails the tests."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from fractions import Fraction

from fundadmin.reports.suppression import Linear


def determined(unknowns: Sequence[Hashable], equations: Sequence[dict], targets: Sequence[dict]):
    """Which of `targets` (linear combinations of `unknowns`, as {unknown: coefficient}) have a
    value fixed by `equations` (each a known linear combination): those whose coefficient
    vector lies in the equations' row space."""
    index = {key: i for i, key in enumerate(unknowns)}

    def vector(combination: dict) -> list[Fraction]:
        row = [Fraction(0)] * len(unknowns)
        for key, coefficient in combination.items():
            if key in index:
                row[index[key]] += coefficient
        return row

    basis = _reduced([vector(e) for e in equations], len(unknowns))
    found = []
    for target in targets:
        rest = vector(target)
        for column, row in basis:
            if rest[column]:
                factor = rest[column]
                rest = [a - factor * b for a, b in zip(rest, row, strict=True)]
        found.append(not any(rest))
    return found


def _reduced(rows: list[list[Fraction]], columns: int) -> list[tuple[int, list[Fraction]]]:
    matrix = [row[:] for row in rows if any(row)]
    pivots: list[int] = []
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
        pivots.append(column)
        rank += 1
    return [(column, matrix[i]) for i, column in enumerate(pivots)]


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
