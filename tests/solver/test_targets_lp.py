"""The fair targets can all be met at once: a fractional roster the solver could choose (the
model's own eligible pairs, holidays and every static rule included) meets every doctor's
target for each shift type, each category and in points exactly. Checked with an LP (GLOP),
apart from the code that computes the targets."""

from __future__ import annotations

from pathlib import Path

import pytest
from ortools.linear_solver import pywraplp

from examples.generate import generate
from roster.instance import Instance, load_instance, resolve
from roster.model import Role
from roster.targets import CATEGORIES, basis, categories_of
from solver.solve import SolveOptions, build

ROOT = Path(__file__).resolve().parents[2]


def largest_miss(inst: Instance) -> float:
    """The smallest possible largest gap between a fractional roster and the targets."""
    b = basis(inst)
    ctx, _ = build(inst, SolveOptions())
    lp = pywraplp.Solver.CreateSolver("GLOP")
    assert lp is not None
    x = {pair: lp.NumVar(0, 1, f"x{pair}") for pair in ctx.x}
    by_shift: dict[int, list[tuple[int, pywraplp.Variable]]] = {}
    for (di, si), v in x.items():
        by_shift.setdefault(si, []).append((di, v))
    for si, s in enumerate(ctx.shifts):
        seated = [v for _, v in by_shift.get(si, [])]
        if s.needed_always:
            if len(seated) >= s.doctors:  # a shift nobody can take is in nobody's target
                lp.Add(sum(seated) == s.doctors)
            continue
        # a kompetansebakvakt is needed as often as doctors who may not be alone are on
        # the duties it covers
        covered = [p for p, t in enumerate(ctx.shifts) if t.role == Role.primary and s.backs_up(t)]
        need = [v for p in covered for di, v in by_shift.get(p, []) if not ctx.competent[(di, p)]]
        lp.Add(sum(seated) == sum(need))
    gap = lp.NumVar(0, lp.infinity(), "gap")

    def meet(expr: object, target: float) -> None:
        lp.Add(expr - target <= gap)  # type: ignore[operator]
        lp.Add(target - expr <= gap)  # type: ignore[operator]

    for d in b.doctors:
        di = ctx.doctor_index[d]
        mine = [(ctx.shifts[si], v) for (dj, si), v in x.items() if dj == di]
        meet(sum(s.points * v for s, v in mine), b.points[d])
        for t, target in b.types[d].items():
            meet(sum(v for s, v in mine if s.type_id == t), target)
        for c in CATEGORIES:
            meet(sum(v for s, v in mine if c in categories_of(s)), b.categories[d][c])
    lp.Minimize(gap)
    assert lp.Solve() == pywraplp.Solver.OPTIMAL
    return float(gap.solution_value())


def test_targets_are_consistent_on_innherred() -> None:
    assert largest_miss(load_instance(ROOT / "examples" / "innherred" / "instance.yaml")) < 1e-6


@pytest.mark.parametrize(
    ("doctors", "municipalities", "weeks", "seed"), [(12, 1, 8, 3), (40, 4, 8, 5)]
)
def test_targets_are_consistent_on_generated_legevakter(
    doctors: int, municipalities: int, weeks: int, seed: int
) -> None:
    inst = resolve(generate(doctors, municipalities, weeks, seed=seed))
    assert largest_miss(inst) < 1e-6
