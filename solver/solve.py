"""solve(): an Instance in, a SolveResult out. Never raises for an impossible plan.

Lexicographic fairness: each stage is optimised, its value fixed (within the configured
tolerance) and the next stage solved with the previous solution as hint. Stages: coverage
(no holes), total (largest deviation from target), [changes, when re-planning], categories
(nights, weekends, big holidays, holiday rotation), municipalities (burden vs key), spread
(no clusters), wishes.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from ortools.sat.python import cp_model

from roster.fairness import targets
from roster.formats.exchange import Assignment, Roster
from roster.instance import Instance
from solver.builders import BUILDERS, Penalty
from solver.construct import construct, deviation, rebalance
from solver.context import BuildCtx, create_variables
from solver.objectives import (
    Stage,
    TotalInfo,
    categories_stage,
    fairness_basis,
    municipalities_stage,
    penalty_stage,
    scale_for,
    spread_stage,
    total_stage,
)

STATUS: dict[Any, str] = {
    cp_model.OPTIMAL: "optimal",
    cp_model.FEASIBLE: "feasible",
    cp_model.INFEASIBLE: "infeasible",
    cp_model.MODEL_INVALID: "model_invalid",
    cp_model.UNKNOWN: "unknown",
}

#: Share of the time limit each stage may use (unused time rolls over to later stages).
TIME_SHARES = {
    "coverage": 0.05,
    "total": 0.65,
    "changes": 0.08,
    "categories": 0.1,
    "municipalities": 0.06,
    "spread": 0.07,
    "wishes": 0.07,
}

Progress = Callable[[str, float | None, float | None, float], None]


@dataclass(frozen=True)
class SolveOptions:
    time_limit: float = 60.0
    seed: int = 0
    workers: int = 2
    deterministic: bool = False  # True: one worker, deterministic clock (reproducible)
    previous: Roster | None = None  # re-plan: hint and penalty per changed assignment
    freeze_before: dt.date | None = None  # keep previous assignments on shifts before this date
    progress: Progress | None = None
    log: bool = False


@dataclass
class StageResult:
    name: str
    status: str
    value: float | None  # in points (deviation stages) or units (counts)
    bound: float | None
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "stage": self.name,
            "status": self.status,
            "value": None if self.value is None else round(self.value, 4),
            "bound": None if self.bound is None else round(self.bound, 4),
            "seconds": round(self.seconds, 3),
        }


@dataclass
class SolveResult:
    status: str  # optimal | feasible | infeasible | no_solution
    roster: Roster | None
    stages: list[StageResult] = field(default_factory=list)
    explanation: list[str] = field(default_factory=list)
    seconds: float = 0.0
    variables: int = 0

    def stage(self, name: str) -> StageResult | None:
        return next((s for s in self.stages if s.name == name), None)


class _Callback(cp_model.CpSolverSolutionCallback):
    """Reports progress, and stops a stage once it reaches its known floor (e.g. no holes)."""

    def __init__(
        self, stage: Stage, report: Progress | None, started: float, floor: int = 0
    ) -> None:
        super().__init__()
        self.stage, self.report, self.started, self.floor = stage, report, started, floor
        self.hit_floor = False

    def on_solution_callback(self) -> None:
        value = self.objective_value
        if self.report is not None:
            self.report(
                self.stage.name,
                value / self.stage.scale,
                self.best_objective_bound / self.stage.scale,
                time.monotonic() - self.started,
            )
        if value <= self.floor:
            self.hit_floor = True
            self.stop_search()


def build(instance: Instance, options: SolveOptions) -> tuple[BuildCtx, dict[str, list[Penalty]]]:
    ctx = BuildCtx(instance)
    frozen = _frozen(instance, options)
    create_variables(ctx, frozen)
    penalties = {rule: builder(ctx) for rule, builder in BUILDERS.items()}
    if options.previous is not None and options.freeze_before is not None:
        _freeze(ctx, options.previous, options.freeze_before)
    return ctx, penalties


def _frozen(instance: Instance, options: SolveOptions) -> Callable[[Any, Any], bool] | None:
    if options.previous is None or options.freeze_before is None:
        return None
    keep = {(a.doctor_id, a.shift_id) for a in options.previous.assignments}
    cutoff = options.freeze_before

    def allowed(doctor: Any, shift: Any) -> bool:
        return shift.date >= cutoff or (doctor.id, shift.id) in keep

    return allowed


def _freeze(ctx: BuildCtx, previous: Roster, cutoff: dt.date) -> None:
    for a in previous.assignments:
        di, si = ctx.doctor_index.get(a.doctor_id), ctx.shift_index.get(a.shift_id)
        if di is None or si is None or ctx.shifts[si].date >= cutoff:
            continue
        var = ctx.x.get((di, si))
        if var is not None:
            ctx.model.add(var == 1)


def _changes_stage(ctx: BuildCtx, previous: Roster) -> Stage:
    """Count previous assignments the new roster drops (each is a change for someone)."""
    terms: list[cp_model.LinearExprT] = []
    lost = 0
    for a in previous.assignments:
        di, si = ctx.doctor_index.get(a.doctor_id), ctx.shift_index.get(a.shift_id)
        var = ctx.x.get((di, si)) if di is not None and si is not None else None
        if var is None:
            lost += 1
        else:
            terms.append(1 - var)
    return Stage("changes", sum(terms) + lost if terms else lost, 1)


def _stages(
    ctx: BuildCtx, penalties: dict[str, list[Penalty]], options: SolveOptions
) -> list[tuple[str, Callable[[], Stage]]]:
    """The stages in order, each built only when its turn comes (keeps early solves small)."""
    b = fairness_basis(ctx)
    q = scale_for(ctx, b)

    def holes_found() -> int:
        return int(getattr(ctx, "holes_total", 0))

    made: dict[str, Callable[[], Stage]] = {
        "coverage": lambda: penalty_stage("coverage", penalties["coverage"]),
        "total": lambda: total_stage(ctx, b, q, holes_found()),
        "categories": lambda: categories_stage(
            ctx,
            b,
            q,
            {str(k): v for k, v in ctx.instance.fairness.category_weights.items()},
            penalties["big_holiday_rotation"],
        ),
        "municipalities": lambda: municipalities_stage(ctx, b, q),
        "spread": lambda: spread_stage(ctx, b),
        "wishes": lambda: penalty_stage("wishes", penalties["wishes"]),
    }
    order: list[str] = list(ctx.instance.fairness.stages)
    if "coverage" not in order:
        order.insert(0, "coverage")
    if options.previous is not None:
        previous = options.previous
        made["changes"] = lambda: _changes_stage(ctx, previous)
        at = order.index("total") + 1 if "total" in order else 1
        order.insert(at, "changes")
    return [(name, made[name]) for name in order]


def _fix_enforcement(ctx: BuildCtx) -> None:
    for lit in ctx.enforce.values():
        ctx.model.add(lit == 1)


def _roster_from(ctx: BuildCtx, solution: list[int]) -> Roster:
    out = [
        Assignment(shift_id=ctx.shifts[si].id, doctor_id=ctx.doctors[di].id)
        for (di, si), var in ctx.x.items()
        if solution[var.index]
    ]
    out.sort(key=lambda a: (a.shift_id, a.doctor_id))
    return Roster(assignments=tuple(out))


def _parameters(
    solver: cp_model.CpSolver, options: SolveOptions, seconds: float, wall: float
) -> None:
    """Deterministic mode runs one worker on CP-SAT's deterministic clock, so the same input,
    seed and time limit give the same roster on any machine; the wall clock stays a cap."""
    p = solver.parameters
    p.random_seed = options.seed
    p.log_search_progress = options.log
    if options.deterministic:
        p.num_workers = 1
        p.max_deterministic_time = max(0.05, seconds)
        p.max_time_in_seconds = max(0.05, min(seconds * 3, wall))
    else:
        p.num_workers = max(1, options.workers)
        p.max_time_in_seconds = max(0.05, min(seconds, wall))


@dataclass
class _Outcome:
    code: Any  # cp_model status
    value: float = 0.0
    bound: float = 0.0
    solution: list[int] | None = None
    seconds: float = 0.0


def _complete(
    model: cp_model.CpModel, stage: Stage, ctx: BuildCtx, hint: list[int], wall: float = 10.0
) -> _Outcome | None:
    """Complete a hint for a stage's new variables: fix the assignment, minimise the stage
    objective (fast: almost everything is fixed). CP-SAT then starts from the true value."""
    if wall <= 1.0:
        return None
    trial = model.clone()
    for var in [*ctx.x.values(), *ctx.holes.values()]:
        if var.index < len(hint):
            trial.add(trial.get_int_var_from_proto_index(var.index) == hint[var.index])
    trial.minimize(stage.objective)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = min(10.0, wall)
    solver.parameters.num_workers = 1
    code = solver.solve(trial)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    value = solver.objective_value
    return _Outcome(cp_model.FEASIBLE, value, 0.0, list(solver.response_proto.solution))


def _run(
    ctx: BuildCtx,
    model: cp_model.CpModel,
    stage: Stage,
    options: SolveOptions,
    budget: float,
    started: float,
    hint: list[int] | None,
    floor: int = 0,
) -> _Outcome:
    """Minimise the stage objective on `model`; stop early at `floor` (a proven bound).
    Never runs past the overall deadline (options.time_limit after `started`)."""
    wall = ctx.deadline - time.monotonic()
    fallback = _complete(model, stage, ctx, hint, wall) if hint is not None else None
    if fallback is not None:
        if fallback.value <= floor:  # the starting roster already reaches a proven bound
            return _Outcome(cp_model.OPTIMAL, fallback.value, float(floor), fallback.solution)
        hint = fallback.solution
    model.minimize(stage.objective)
    if hint is not None:
        _hint_all(model, hint)
    solver = cp_model.CpSolver()
    wall = ctx.deadline - time.monotonic()
    if wall <= 0.05:
        return fallback or _Outcome(cp_model.UNKNOWN)
    _parameters(solver, options, budget, wall)
    t0 = time.monotonic()
    cb = _Callback(stage, options.progress, started, floor)
    code = solver.solve(model, cb)
    spent = time.monotonic() - t0
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        if fallback is not None and code != cp_model.INFEASIBLE:
            fallback.seconds = spent  # no time to improve: the hint itself stands
            return fallback
        return _Outcome(code, seconds=spent)
    value = solver.objective_value
    bound = solver.best_objective_bound
    if cb.hit_floor:
        code, bound = cp_model.OPTIMAL, float(floor)
    return _Outcome(code, value, bound, list(solver.response_proto.solution), spent)


def _solve_guided(
    ctx: BuildCtx,
    stage: Stage,
    options: SolveOptions,
    budget: float,
    started: float,
    hint: list[int] | None,
    slack: int = 0,
) -> _Outcome:
    """Steer first, on a copy of the model, with the stage's guide (deviations from targets
    held constant); then minimise the exact objective from there, stopping at a proven bound."""
    assert stage.guide is not None
    deadline = time.monotonic() + budget
    if hint is not None:
        done = _complete(ctx.model, stage, ctx, hint, ctx.deadline - time.monotonic())
        if done is None:  # no time to prepare a guide: polish the exact objective directly
            out = _run(ctx, ctx.model, stage, options, budget, started, hint)
            if out.solution is not None:
                ctx.model.add(stage.objective <= int(round(out.value)) + slack)
            return out
        hint = done.solution
    guide = ctx.model.clone()
    steer = Stage(stage.name, stage.guide(guide, hint or []), 10)
    # The guide's value is not the stage's (a sum, not the largest deviation): not reported.
    quiet = replace(options, progress=None)
    out = _run(ctx, guide, steer, quiet, budget * 0.6, started, hint, floor=0)
    if out.solution is not None:
        hint = out.solution[: len(ctx.model.proto.variables)]
    left = budget * 0.4 if options.deterministic else max(0.2, deadline - time.monotonic())
    info = stage.total
    if info is not None and hint is not None:
        fixed = _total_at_fixed_b(ctx, stage, info, options, left, started, hint)
        if fixed is not None:
            return fixed
    out = _run(ctx, ctx.model, stage, options, left, started, hint)
    if out.solution is None:
        return out
    ctx.model.add(stage.objective <= int(round(out.value)) + slack)
    if info is not None:
        value = out.value / stage.scale
        bound = info.proven_bound(value)
        out.bound = max(out.bound, bound * stage.scale)
        if value <= bound + 0.0015:
            out.code = cp_model.OPTIMAL
    return out


def _total_at_fixed_b(
    ctx: BuildCtx,
    stage: Stage,
    info: TotalInfo,
    options: SolveOptions,
    budget: float,
    started: float,
    hint: list[int],
) -> _Outcome | None:
    """Polish the guide's roster with the compared doctors' total B held at its value: the
    targets are then constants, which CP-SAT handles far better than targets moving with B.
    Stops at the integer bound for that B; the result is pinned in the model for later stages.
    """
    from roster.fairness import integer_lower_bound

    total = _compared_total(ctx, info, hint)
    floor_b = integer_lower_bound(info.basis, (total, total))
    trial = ctx.model.clone()
    m = trial.new_int_var(0, stage.scale * (total + 1_000), "max_dev_total_at_b")
    pinned = info.fixed_total_devs(total)
    for var, target in pinned:
        dev = stage.scale * trial.get_int_var_from_proto_index(var.index) - target
        trial.add(m >= dev)
        trial.add(m >= -dev)
    trial.add(trial.get_int_var_from_proto_index(info.burden_total.index) == total)
    floor = max(0, math.floor((floor_b - 0.0015) * stage.scale))
    out = _run(ctx, trial, Stage(stage.name, m, stage.scale), options, budget, started, hint, floor)
    if out.solution is None:
        return None
    limit = int(round(out.value))
    ctx.model.add(info.burden_total == total)
    for var, target in pinned:
        ctx.model.add(stage.scale * var - target <= limit)
        ctx.model.add(stage.scale * var - target >= -limit)
    solution = out.solution[: len(ctx.model.proto.variables)]
    value = _exact_value(ctx, info, solution)
    bound = info.proven_bound(value)
    code = cp_model.OPTIMAL if value <= bound + 0.0015 else cp_model.FEASIBLE
    done = _complete(ctx.model, stage, ctx, solution, ctx.deadline - time.monotonic())
    return _Outcome(
        code,
        value * stage.scale,
        bound * stage.scale,
        done.solution if done is not None else solution,
        out.seconds,
    )


def _compared_total(ctx: BuildCtx, info: TotalInfo, solution: list[int]) -> int:
    return sum(
        ctx.shifts[si].points
        for (di, si), var in ctx.x.items()
        if ctx.doctors[di].id in info.basis.weights and solution[var.index]
    )


def _exact_value(ctx: BuildCtx, info: TotalInfo, solution: list[int]) -> float:
    """Largest deviation from target for the compared doctors in a solution (points)."""
    from roster.fairness import targets

    burdens = {d: 0 for d in info.basis.compared}
    for (di, si), var in ctx.x.items():
        d = ctx.doctors[di].id
        if d in burdens and solution[var.index]:
            burdens[d] += ctx.shifts[si].points
    tg = targets(info.basis, sum(burdens.values()))
    return max((abs(burdens[d] - tg[d]) for d in burdens), default=0.0)


def solve(instance: Instance, options: SolveOptions | None = None) -> SolveResult:
    """Solve stage by stage within options.time_limit; return what was found."""
    options = options or SolveOptions()
    started = time.monotonic()
    ctx, penalties = build(instance, options)
    ctx.deadline = deadline = _deadline(started, options, len(ctx.x))
    _fix_enforcement(ctx)
    stages = _stages(ctx, penalties, options)
    result = SolveResult(status="no_solution", roster=None, variables=len(ctx.x))
    start = _first_roster(ctx, options)
    best: list[int] | None = None
    remaining_share = sum(TIME_SHARES.get(name, 0.1) for name, _ in stages)
    total_share = remaining_share
    tolerance = instance.fairness.tolerance_points
    for name, make in stages:
        share = TIME_SHARES.get(name, 0.1)
        left = deadline - time.monotonic()
        if left <= 0.5 and best is not None:
            result.stages.append(StageResult(name, "skipped", None, None, 0.0))
            remaining_share -= share
            continue
        if options.deterministic:  # planned shares: budgets must not depend on the wall clock
            budget = options.time_limit * share / total_share
        else:
            budget = left * share / remaining_share if remaining_share > 0 else left
            if name == "coverage":  # a hole matters more than any fairness: take what it needs
                budget = max(budget, 0.5 * left)
        remaining_share -= share
        stage = make()
        slack = int(round(tolerance * stage.scale)) if stage.scale > 1 else 0
        floor = unavoidable_holes(ctx) if name == "coverage" else 0
        if stage.guide is not None and best is not None:
            out = _solve_guided(ctx, stage, options, budget, started, best, slack)
        else:
            out = _run(ctx, ctx.model, stage, options, budget, started, best or start, floor)
            if out.solution is not None:
                ctx.model.add(stage.objective <= int(round(out.value)) + slack)
        status = STATUS.get(out.code, "unknown")
        if out.solution is not None:
            value, bound = out.value / stage.scale, out.bound / stage.scale
            if stage.bound is not None:
                bound = max(bound, stage.bound)
            result.stages.append(StageResult(name, status, value, bound, out.seconds))
            if name == "coverage":
                ctx.holes_total = int(round(out.value))  # type: ignore[attr-defined]
            best = out.solution
            if options.progress:
                options.progress(name, value, bound, time.monotonic() - started)
            continue
        result.stages.append(StageResult(name, status, None, None, out.seconds))
        if best is None and out.code != cp_model.INFEASIBLE and _rule_clean(ctx, start):
            # No time left to search, but the starting roster keeps every rule (the checker
            # says so): it stands, as the greedy peer's roster would.
            holes = _missing(ctx, {p for p, v in ctx.x.items() if start[v.index]})
            result.stages[-1] = StageResult(name, "start", float(holes), None, out.seconds)
            best = start
            break
        if best is None:
            result.status = "infeasible" if out.code == cp_model.INFEASIBLE else "no_solution"
            if out.code == cp_model.INFEASIBLE:
                from solver.explain import explain_infeasible

                result.explanation = explain_infeasible(instance, options)
            result.seconds = time.monotonic() - started
            return result
        break  # keep the previous stage's roster
    assert best is not None
    result.roster = _roster_from(ctx, best)
    solved = [s for s in result.stages if s.status != "skipped"]
    all_optimal = all(s.status == "optimal" for s in solved) and len(solved) == len(stages)
    result.status = "optimal" if all_optimal else "feasible"
    result.seconds = time.monotonic() - started
    return result


def _rule_clean(ctx: BuildCtx, solution: list[int]) -> bool:
    """True when the checker (the independent oracle) finds no hard-rule breach other than
    holes in this solution's roster."""
    from roster.checker import check

    found = check(ctx.instance, _roster_from(ctx, solution))
    return all(f.rule == "coverage" for f in found.breaches)


def _missing(ctx: BuildCtx, pairs: set[tuple[int, int]]) -> int:
    seated: dict[int, int] = {}
    for _, si in pairs:
        seated[si] = seated.get(si, 0) + 1
    return sum(
        max(0, s.doctors - seated.get(si, 0)) for si, s in enumerate(ctx.shifts) if s.needed_always
    )


def unavoidable_holes(ctx: BuildCtx) -> int:
    """Missing doctors no roster can avoid: always-needed shifts with too few eligible
    doctors. The coverage stage stops as soon as it reaches this."""
    return sum(
        max(0, s.doctors - len(ctx.by_shift.get(si, [])))
        for si, s in enumerate(ctx.shifts)
        if s.needed_always
    )


def _deadline(started: float, options: SolveOptions, variables: int) -> float:
    """When the search must stop: the time limit less a margin for building stage objectives
    and reading the roster back out, which grows with the model (about 1 s per 100 000
    variables)."""
    margin = 0.5 + 0.03 * options.time_limit + variables / 100_000
    return started + options.time_limit - min(margin, 0.25 * options.time_limit)


def _hint_all(model: cp_model.CpModel, solution: list[int]) -> None:
    """Hint every variable the previous stage solved (new stage variables follow from them)."""
    model.clear_hints()  # type: ignore[no-untyped-call]
    for index, value in enumerate(solution):
        model.add_hint(model.get_int_var_from_proto_index(index), value)


def _first_roster(ctx: BuildCtx, options: SolveOptions) -> list[int]:
    """A starting point for the search: when re-planning, the best start built from the
    previous roster; else the greedy construction, rebalanced. Holes fill what is missing."""
    if options.previous is not None:
        keep = {(a.doctor_id, a.shift_id) for a in options.previous.assignments}
        kept = {(di, si) for (di, si) in ctx.x if (ctx.doctors[di].id, ctx.shifts[si].id) in keep}
        # Candidates, best by the stage order (holes, then fairness, then changes): what the
        # previous roster still allows, kept whole; kept only up to each doctor's new fair
        # share (as is, and rebalanced); and a fresh greedy roster. Empty seats are filled
        # greedily in each.
        b = fairness_basis(ctx)
        needed = sum(s.points * s.doctors for s in ctx.shifts if s.needed_always)
        share = targets(b, needed)
        top = max((s.points for s in ctx.shifts), default=0)
        up_to = {di: share[d.id] + top / 2 for di, d in enumerate(ctx.doctors) if d.id in share}
        candidates = [
            construct(ctx, b, kept),
            construct(ctx, b, kept, up_to),
            construct(ctx, b),
        ]
        candidates.append(rebalance(ctx, b, candidates[1]))
        pairs = min(
            candidates,
            key=lambda c: (_missing(ctx, c), round(deviation(ctx, b, c), 3), len(kept - c)),
        )
    else:
        b = fairness_basis(ctx)
        pairs = rebalance(ctx, b, construct(ctx, b))
    solution = [0] * len(ctx.model.proto.variables)
    for pair, var in ctx.x.items():
        solution[var.index] = 1 if pair in pairs else 0
    for si, hole in ctx.holes.items():
        taken = sum(1 for di, _ in ctx.by_shift.get(si, []) if (di, si) in pairs)
        solution[hole.index] = max(0, ctx.shifts[si].doctors - taken)
    return solution
