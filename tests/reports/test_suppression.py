"""Small-number suppression: an attacker with every published cell and every total recovers no
withheld cell, in one report or across reports for adjacent periods."""

from __future__ import annotations

import random

import pytest

from fundadmin.reports.suppression import THRESHOLD, Balance, Relation, recoverable, suppress
from tests.reports.attack import recovered


def _year_table(rng: random.Random, rows: list[str]) -> tuple[dict, list[Relation]]:
    """Counts per row and quarter with year totals and a row total per period."""
    periods = ["Q1", "Q2", "Q3", "Q4"]
    counts = {}
    for row in rows[1:]:
        for p in periods:
            counts[row, p] = rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 9, 14, 30])
        counts[row, "Y"] = sum(counts[row, p] for p in periods)
    for p in [*periods, "Y"]:
        counts[rows[0], p] = sum(counts[r, p] for r in rows[1:])
    relations = [Relation((row, "Y"), tuple((row, p) for p in periods)) for row in rows]
    relations += [Relation((rows[0], p), tuple((r, p) for r in rows[1:])) for p in [*periods, "Y"]]
    return counts, relations


def _solve_by_attack(counts: dict, hidden: set, relations: list[Relation]) -> set:
    """The attacker: repeatedly fill any relation with exactly one unknown (and then try the
    exact linear-algebra attack on what is left)."""
    known = {k: v for k, v in counts.items() if k not in hidden}
    unknown = set(hidden)
    progress = True
    while progress:
        progress = False
        for relation in relations:
            cells = (relation.total, *relation.parts)
            missing = [c for c in cells if c in unknown]
            if len(missing) == 1:
                (cell,) = missing
                parts = sum(known[p] for p in relation.parts if p != cell)
                known[cell] = known[relation.total] - parts if cell != relation.total else parts
                unknown.discard(cell)
                progress = True
    return (hidden - unknown) | recovered(unknown, relations)


class TestSuppression:
    @pytest.mark.parametrize("seed", range(60))
    def test_no_withheld_cell_can_be_recovered(self, seed: int) -> None:
        rng = random.Random(seed)
        counts, relations = _year_table(rng, ["total", "a", "b", "c"])
        hidden = suppress(counts, relations)
        assert {k for k, n in counts.items() if 0 < n < THRESHOLD} <= hidden
        assert _solve_by_attack(counts, hidden, relations) == set()

    def test_a_lone_small_cell_takes_a_partner(self) -> None:
        counts = {"q1": 10, "q2": 2, "q3": 10, "q4": 7, "y": 29}
        relations = [Relation("y", ("q1", "q2", "q3", "q4"))]
        hidden = suppress(counts, relations)
        assert hidden == {"q2", "q4"}

    def test_zero_and_large_cells_are_published(self) -> None:
        counts = {"q1": 0, "q2": 5, "y": 5}
        assert suppress(counts, [Relation("y", ("q1", "q2"))]) == set()


class TestTheAuditAgreesWithTheTextbookAttack:
    """The audit's integer elimination finds exactly the cells rational elimination finds."""

    @pytest.mark.parametrize("seed", range(200))
    def test_random_systems(self, seed: int) -> None:
        rng = random.Random(seed)
        keys = [f"c{i}" for i in range(rng.randint(2, 14))]
        relations: list = []
        for _ in range(rng.randint(1, 10)):
            chosen = rng.sample(keys, rng.randint(1, min(6, len(keys))))
            if rng.random() < 0.5:
                relations.append(Relation(chosen[0], tuple(chosen[1:])))
            else:
                relations.append(Balance(tuple((k, rng.choice([1, -1, 2, -3])) for k in chosen)))
        hidden = set(rng.sample(keys, rng.randint(1, len(keys))))
        assert recoverable(hidden, relations) == recovered(hidden, relations)
