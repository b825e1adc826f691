"""The greedy construction (solver.construct) checks a doctor's rules only against duties
near in time: the same roster as checking against all of them; with the agreed numbers of
duties then met, rule-clean by the checker (roster.checker), the oracle."""

from __future__ import annotations

from examples.generate import generate
from roster.checker import check
from roster.instance import resolve
from solver.construct import Goals, construct
from solver.moves import keep_agreements
from solver.objectives import fairness_basis
from solver.solve import SolveOptions, build
from solver.start import roster_from


def test_construct_near_duties_only_gives_the_same_rule_clean_roster() -> None:
    ctx, _ = build(resolve(generate(30, 2, 6, 3)), SolveOptions())
    goals = Goals(ctx, fairness_basis(ctx))
    near = construct(ctx, goals)
    goals.longest = 10**9  # every duty of the doctor is looked at
    every = construct(ctx, goals)
    assert near == every and near
    first = keep_agreements(ctx, goals, near)  # as solver.start.first_roster does
    solution = [0] * len(ctx.model.proto.variables)
    for pair, var in ctx.x.items():
        solution[var.index] = 1 if pair in first else 0
    found = check(ctx.instance, roster_from(ctx, solution))
    assert [b.rule for b in found.breaches if b.rule != "coverage"] == []
