"""Large plans (issue 15, solver goals): every step before the stages has a time bound and the
solve still returns a rule-clean roster with the total stage's bound. The large-plan path is
taken on a small generated instance by lowering the size thresholds; "out of time" is a
bound already in the past, so nothing here depends on how fast the machine is. Every roster
goes through the checker (roster.checker), the oracle."""

from __future__ import annotations

import math
from collections.abc import Iterator

import pytest
from ortools.sat.python import cp_model

import solver.search
import solver.solve
import solver.start
from examples.generate import generate
from roster.checker import check
from roster.instance import Instance, resolve
from solver.construct import Goals, construct
from solver.context import BuildCtx, Pair
from solver.moves import keep_agreements, rebalance
from solver.objectives import fairness_basis
from solver.plan import count_plan
from solver.search import Outcome
from solver.solve import SolveOptions, build, solve
from solver.start import roster_from, solution_of


@pytest.fixture(scope="module")
def instance() -> Instance:
    return resolve(generate(24, 2, 6, 5))


@pytest.fixture
def large(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every model counts as large (the L/XL path: total after coverage, no realize)."""
    monkeypatch.setattr(solver.search, "LARGE_MODEL", 0)
    yield


def _breaches(ctx: BuildCtx, pairs: set[Pair]) -> list[str]:
    found = check(ctx.instance, roster_from(ctx, solution_of(ctx, pairs)))
    return [f.rule for f in found.breaches]


def test_construction_out_of_time_still_fills_every_seat_rule_clean(instance: Instance) -> None:
    ctx, _ = build(instance, SolveOptions())
    goals = Goals(ctx, fairness_basis(ctx))
    hurried = keep_agreements(ctx, goals, construct(ctx, goals, until=0.0))  # already past
    assert _breaches(ctx, hurried) == []  # no hole either (rule `coverage`)


def test_construction_with_time_left_is_the_full_construction(instance: Instance) -> None:
    ctx, _ = build(instance, SolveOptions())
    goals = Goals(ctx, fairness_basis(ctx))
    assert construct(ctx, goals, until=math.inf) == construct(ctx, goals)


def test_rebalance_improve_out_of_time_keeps_the_roster_rule_clean(instance: Instance) -> None:
    ctx, _ = build(instance, SolveOptions())
    b = fairness_basis(ctx)
    weights = {str(k): v for k, v in instance.fairness.category_weights.items()}
    goals = Goals(ctx, b, count_plan(ctx, b, 2.0, 1, weights, deterministic=True))
    built = construct(ctx, goals)
    assert rebalance(ctx, goals, built, until=0.0, improve=True) == built  # no move made
    moved = rebalance(ctx, goals, built, improve=True)
    assert moved != built  # the moves after the plan's ran
    assert _breaches(ctx, keep_agreements(ctx, goals, moved)) == []


def test_large_plan_total_after_coverage_with_bound_and_rule_clean(
    instance: Instance, large: None
) -> None:
    result = solve(instance, SolveOptions(time_limit=10, seed=1, deterministic=True))
    assert [s.name for s in result.stages][:2] == ["coverage", "total"]
    total = result.stage("total")
    assert total is not None and total.value is not None and total.bound is not None
    assert total.bound <= total.value + 1e-6
    assert result.roster is not None
    assert check(instance, result.roster).breaches == ()


def test_large_plan_out_of_time_before_the_stages_returns_the_first_roster(
    instance: Instance, large: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The deadline already passed when the stages would start (a slow machine): the first
    roster, built in a hurry, is returned, rule-clean."""
    real = solver.solve._deadline
    monkeypatch.setattr(solver.solve, "_deadline", lambda s, o, v: real(s, o, v) - 3 * o.time_limit)
    result = solve(instance, SolveOptions(time_limit=5, seed=1))
    assert result.roster is not None
    assert check(instance, result.roster).breaches == ()
    assert all(s.status in ("start", "skipped", "optimal") for s in result.stages)


def test_stage_without_a_roster_does_not_stop_the_later_stages(
    instance: Instance, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stage that finds nothing in its time (as categories on XL) keeps the previous
    stage's roster, and the stages after it still run from there."""
    real = solver.solve.targeted

    def no_roster_for_categories(ctx: BuildCtx, stage: object, *args: object) -> Outcome:
        if getattr(stage, "name", "") == "categories":
            return Outcome(cp_model.UNKNOWN)
        return real(ctx, stage, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(solver.solve, "targeted", no_roster_for_categories)
    result = solve(instance, SolveOptions(time_limit=10, seed=1, deterministic=True))
    status = {s.name: s.status for s in result.stages}
    assert status["categories"] == "unknown"
    assert status["total"] in ("optimal", "feasible")  # after categories in the default order
    assert result.roster is not None
    assert check(instance, result.roster).breaches == ()


def test_large_plan_count_plan_cut_short_is_not_followed_and_stays_rule_clean(
    instance: Instance, large: None
) -> None:
    """A count plan whose first solve ran out of time (not `settled`) may be far from every
    band: a large plan's first roster then aims at the targets alone, rule-clean."""
    ctx, _ = build(instance, SolveOptions())
    b = fairness_basis(ctx)
    weights = {str(k): v for k, v in instance.fairness.category_weights.items()}
    plan = count_plan(ctx, b, 2.0, 1, weights, deterministic=True)
    assert plan.settled  # a small plan's bands are proven at once
    plan.settled = False
    start = solver.start.first_roster(ctx, SolveOptions(), Goals(ctx, b, plan), 0.0)
    pairs = {p for p, var in ctx.x.items() if start[var.index]}
    assert _breaches(ctx, pairs) == []
    followed = solver.start.first_roster(ctx, SolveOptions(), Goals(ctx, b, None), 0.0)
    assert start == followed  # the same as a first roster without a plan


def test_stage_with_less_time_than_loading_keeps_its_start(
    instance: Instance, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a model of any size, a stage given less time than CP-SAT needs to load the model
    keeps the roster it starts from, without starting CP-SAT (a 3 s what-if spent 0.4 s on a
    run that could find nothing)."""
    import time

    from solver.objectives import penalty_stage

    ctx, penalties = build(instance, SolveOptions())
    ctx.deadline = time.monotonic() + 60
    stage = penalty_stage("wishes", penalties["wishes"])
    start = Outcome(cp_model.FEASIBLE, 1.0, 0.0, [0] * len(ctx.model.proto.variables))

    def no_cp_sat() -> None:
        raise AssertionError("CP-SAT started with no time to search")

    monkeypatch.setattr(solver.search.cp_model, "CpSolver", no_cp_sat)
    options = SolveOptions(time_limit=10)
    out = solver.search.run_stage(ctx, ctx.model, stage, options, 1e-6, 0.0, None, 0, start)
    assert out is start
    assert 0 < solver.search.loading(ctx) < 1  # a moment on this small model, but not none
