"""solve(): an Instance in, a SolveResult out. Never raises for an impossible plan.

Lexicographic fairness: each stage is optimised from the previous stage's roster, its value
fixed (the total within a stated tolerance, the others exactly) and the next stage solved.
Stages: coverage (no holes), total (largest deviation from target points), [changes, when
re-planning], categories (each doctor's duties per shift type and category held to the whole
numbers next to the target; big-holiday rotation), municipalities (points against the key),
spread (no clusters), wishes. Every stage gets a share of the time limit and starts from a
complete roster, so every stage ends with one.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ortools.sat.python import cp_model

from roster.fairness import Basis
from roster.formats.exchange import Assignment, Roster
from roster.instance import Instance
from solver.builders import BUILDERS, Penalty
from solver.construct import Goals, construct, deviation, lift, rebalance
from solver.context import BuildCtx, create_variables
from solver.objectives import (
    Stage,
    categories_stage,
    changes_stage,
    fairness_basis,
    municipalities_stage,
    penalty_stage,
    plan_distance,
    scale_for,
    spread_stage,
    total_stage,
)
from solver.plan import CountPlan, count_plan
from solver.polish import ROUND_SECONDS, fix, objective_value, polish
from solver.scores import (
    Score,
    band_score,
    crowding_score,
    municipality_score,
    plan_score,
    points_score,
)

log = logging.getLogger("solver")

STATUS: dict[Any, str] = {
    cp_model.OPTIMAL: "optimal",
    cp_model.FEASIBLE: "feasible",
    cp_model.INFEASIBLE: "infeasible",
    cp_model.MODEL_INVALID: "model_invalid",
    cp_model.UNKNOWN: "unknown",
}

#: Share of the time limit each stage may use (unused time rolls over to later stages).
TIME_SHARES = {
    "coverage": 0.04,
    "total": 0.25,
    "changes": 0.15,
    "categories": 0.2,
    "municipalities": 0.1,
    "spread": 0.25,
    "wishes": 0.1,
}

#: Share of the time limit for rounding the targets to whole counts (solver.plan), and share
#: of a fairness stage's time for the targeted search before CP-SAT's own.
PLAN_SHARE = 0.08
#: At most this long for finding which rules keep counts outside their bands.
EXPLAIN_SECONDS = 6.0
POLISH_SHARE = 0.85
#: Share of the time limit for bringing the first roster to the count plan.
REALIZE_SHARE = 0.2

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
    notes: list[str] = field(default_factory=list)  # what the rules forced, in Norwegian
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
        measure = self.stage.measure
        value = self.objective_value if measure is None else self.value(measure)
        if self.report is not None:
            bound = self.best_objective_bound if measure is None else 0.0
            self.report(
                self.stage.name,
                value / self.stage.scale,
                max(bound / self.stage.scale, self.stage.bound or 0.0),
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


@dataclass(frozen=True)
class StagePlan:
    """One stage of the solve: its name, how to build its objective (when its turn comes, so
    early solves stay small), its share of the time, and the slack its value is fixed with
    for the stages after it (objective units)."""

    name: str
    make: Callable[[], Stage]
    share: float
    slack: Callable[[Stage], int]
    score: Score | None = None  # where each doctor stands: enables the targeted search


def _stages(
    ctx: BuildCtx, penalties: dict[str, list[Penalty]], options: SolveOptions
) -> list[StagePlan]:
    """The stages in the order the legevakt configured (coverage always first)."""
    b = fairness_basis(ctx)
    q = scale_for(ctx, b)
    fairness = ctx.instance.fairness
    replan = options.previous is not None
    tolerance = fairness.replan_tolerance_points if replan else fairness.tolerance_points

    def holes_found() -> int:
        return int(getattr(ctx, "holes_total", 0))

    counts: CountPlan | None = getattr(ctx, "count_plan", None)

    def plan_bound() -> tuple[float, float | None] | None:
        """The count plan bounds the total once every count is in its band (the categories
        stage reached 0 and holds it): its proven bound, and its value when that is as good
        as proven (the total stage may stop there)."""
        if counts is None or not counts.exact or not getattr(ctx, "bands_kept", False):
            return None
        return counts.bound, counts.value if counts.optimal else None

    made: dict[str, Callable[[], Stage]] = {
        "coverage": lambda: penalty_stage("coverage", penalties["coverage"]),
        "total": lambda: total_stage(ctx, b, q, holes_found(), *(plan_bound() or (None, None))),
        "categories": lambda: categories_stage(
            ctx,
            b,
            {str(k): v for k, v in fairness.category_weights.items()},
            penalties["big_holiday_rotation"],
        ),
        "municipalities": lambda: municipalities_stage(ctx, b, q),
        "spread": lambda: spread_stage(ctx, b),
        "wishes": lambda: penalty_stage("wishes", penalties["wishes"]),
    }
    order: list[str] = list(fairness.stages)
    if "coverage" not in order:
        order.insert(0, "coverage")
    if options.previous is not None:
        # Re-planning: the fewest changes that keep every doctor's points within the re-plan
        # tolerance of what the plan can reach at best, before counts and the rest are
        # evened out among what changes anyway.
        previous = options.previous
        allowance = (counts.value if counts is not None else 0.0) + fairness.replan_tolerance_points
        made["changes"] = lambda: changes_stage(ctx, b, q, previous, allowance)
        order = ["coverage", "changes", *(n for n in order if n != "coverage")]

    def slack(stage: Stage) -> int:
        """What later stages may give back: the total its tolerance, nothing else."""
        return round(tolerance * stage.scale) if stage.name == "total" else 0

    weights = {str(k): v for k, v in fairness.category_weights.items()}
    scores: dict[str, Score] = {
        "total": points_score(ctx, b),
        "changes": points_score(ctx, b),
        "categories": band_score(ctx, b, weights),
        "municipalities": municipality_score(ctx, b),
        "spread": crowding_score(ctx, b),
    }

    return [StagePlan(n, made[n], TIME_SHARES.get(n, 0.1), slack, scores.get(n)) for n in order]


def _fix_enforcement(ctx: BuildCtx) -> None:
    """Every rule group holds (a fixed domain, so a copy of the model can free one group to
    see what that rule costs: solver.explain.explain_bands)."""
    for lit in ctx.enforce.values():
        fix(ctx.model, lit.index, 1)


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
    # Every stage starts from a complete roster: time is better spent improving it than on
    # probing the model, which costs seconds per stage on a legevakt of fifty doctors.
    p.cp_model_probing_level = 0
    p.symmetry_level = 0
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
    if wall <= 0.3:
        return None
    trial = model.clone()
    for var in [*ctx.x.values(), *ctx.holes.values()]:
        if var.index < len(hint):
            fix(trial, var.index, hint[var.index])
    trial.minimize(stage.objective)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = min(10.0, wall)
    solver.parameters.num_workers = 1
    code = solver.solve(trial)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    solution = list(solver.response_proto.solution)
    value = stage.value_in(solution, solver.objective_value)
    return _Outcome(cp_model.FEASIBLE, value, 0.0, solution)


def _run(
    ctx: BuildCtx,
    model: cp_model.CpModel,
    stage: Stage,
    options: SolveOptions,
    budget: float,
    started: float,
    hint: list[int] | None,
    floor: int = 0,
    fallback: _Outcome | None = None,
) -> _Outcome:
    """Minimise the stage objective on `model`; stop early at `floor` (a proven bound).
    Never runs past the overall deadline (options.time_limit after `started`). `fallback`:
    the hint already completed for this stage (else it is completed here)."""
    wall = ctx.deadline - time.monotonic()
    if fallback is None and hint is not None:
        fallback = _complete(model, stage, ctx, hint, min(wall, max(budget, 1.0)))
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
    solution = list(solver.response_proto.solution)
    value = stage.value_in(solution, solver.objective_value)
    bound = solver.best_objective_bound if stage.measure is None else 0.0
    if cb.hit_floor or value <= floor:
        code, bound = cp_model.OPTIMAL, float(floor)
    elif stage.measure is not None:
        code = cp_model.FEASIBLE  # optimal for the steered objective, not proven for the measure
    return _Outcome(code, value, bound, solution, spent)


def solve(instance: Instance, options: SolveOptions | None = None) -> SolveResult:
    """Solve stage by stage within options.time_limit; return what was found."""
    options = options or SolveOptions()
    started = time.monotonic()
    ctx, penalties = build(instance, options)
    ctx.deadline = deadline = _deadline(started, options, len(ctx.x))
    _fix_enforcement(ctx)
    result = SolveResult(status="no_solution", roster=None, variables=len(ctx.x))
    b = fairness_basis(ctx)
    weights = {str(k): v for k, v in instance.fairness.category_weights.items()}
    counts = count_plan(
        ctx,
        b,
        _pre_budget(options, PLAN_SHARE, deadline, 0.15),
        options.workers,
        weights,
        options.deterministic,
    )
    ctx.count_plan = counts  # type: ignore[attr-defined]
    log.debug(
        "count plan at %.1fs: largest deviation %.2f, outside bands %d, optimal %s, exact %s",
        time.monotonic() - started,
        counts.value,
        counts.outside,
        counts.optimal,
        counts.exact,
    )
    plans = _stages(ctx, penalties, options)
    start = _first_roster(ctx, options, Goals(ctx, b, counts))
    log.debug("first roster at %.1fs", time.monotonic() - started)
    if counts.counts and options.previous is None:  # a re-plan keeps what it can instead
        seconds = _pre_budget(options, REALIZE_SHARE, deadline, 0.3)
        start = _realize(ctx, counts, options, seconds, start)
        log.debug("count plan followed at %.1fs", time.monotonic() - started)
    best: list[int] | None = None
    remaining_share = total_share = sum(p.share for p in plans)
    for plan in plans:
        left = deadline - time.monotonic()
        if options.deterministic:  # planned shares: budgets must not depend on the wall clock
            stages_time = options.time_limit * (1 - PLAN_SHARE - REALIZE_SHARE)
            budget = stages_time * plan.share / total_share
        else:
            budget = left * plan.share / remaining_share if remaining_share > 0 else left
            if plan.name == "coverage":  # a hole matters more than any fairness
                budget = max(budget, 0.5 * left)
        remaining_share -= plan.share
        if left <= 0.3 and best is not None:
            result.stages.append(StageResult(plan.name, "skipped", None, None, 0.0))
            continue
        made_at = time.monotonic()
        stage = plan.make()
        log.debug("stage %s built in %.2fs", plan.name, time.monotonic() - made_at)
        floor = unavoidable_holes(ctx) if plan.name == "coverage" else stage.floor
        floor = max(floor, stage.stop or 0)  # stop there
        hint = best or start
        if plan.name == "changes":
            hint = _start_if_allowed(ctx, stage, start) or hint
        if plan.score is not None:
            out = _targeted(ctx, stage, options, budget, started, hint, floor, plan.score)
        else:
            out = _run(ctx, ctx.model, stage, options, budget, started, hint, floor)
        status = STATUS.get(out.code, "unknown")
        log.debug(
            "stage %s done at %.1fs: %s %s",
            plan.name,
            time.monotonic() - started,
            status,
            None if out.solution is None else out.value / stage.scale,
        )
        if out.solution is not None:
            held = out.value
            if stage.hold is not None:
                held = objective_value(stage.hold, out.solution) or 0.0
            ctx.model.add(stage.fixed() <= int(round(held)) + plan.slack(stage))
            value, bound = out.value / stage.scale, out.bound / stage.scale
            if stage.stop is not None and out.value <= stage.stop:
                # as good as the count plan, which is proven best to within its search step
                bound, status = stage.bound or 0.0, "optimal"
            elif stage.bound is not None:
                bound = max(bound, stage.bound)
                if value <= bound + 0.0015:
                    status = "optimal"
            result.stages.append(StageResult(plan.name, status, value, bound, out.seconds))
            if plan.name == "coverage":
                ctx.holes_total = int(round(out.value))  # type: ignore[attr-defined]
            if plan.name == "categories":
                ctx.bands_kept = out.value == 0  # type: ignore[attr-defined]
                if out.value > 0 and status == "optimal":
                    from solver.explain import explain_bands

                    seconds = min(EXPLAIN_SECONDS, 0.1 * options.time_limit)
                    result.notes += explain_bands(
                        ctx, stage.fixed(), int(round(out.value)), seconds
                    )
            best = out.solution[: len(ctx.model.proto.variables)]
            if options.progress:
                options.progress(plan.name, value, bound, time.monotonic() - started)
            continue
        result.stages.append(StageResult(plan.name, status, None, None, out.seconds))
        if best is None and out.code != cp_model.INFEASIBLE and _rule_clean(ctx, start):
            # No time left to search, but the starting roster keeps every rule (the checker
            # says so): it stands, as the greedy peer's roster would.
            holes = _missing(ctx, {p for p, v in ctx.x.items() if start[v.index]})
            result.stages[-1] = StageResult(plan.name, "start", float(holes), None, out.seconds)
            best = start
            if options.progress:
                options.progress(plan.name, float(holes), None, time.monotonic() - started)
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
    done = {s.name for s in result.stages}
    result.stages += [
        StageResult(p.name, "skipped", None, None, 0.0) for p in plans if p.name not in done
    ]
    result.roster = _roster_from(ctx, best)
    solved = [s for s in result.stages if s.status != "skipped"]
    all_optimal = all(s.status == "optimal" for s in solved) and len(solved) == len(plans)
    result.status = "optimal" if all_optimal else "feasible"
    result.seconds = time.monotonic() - started
    return result


def _targeted(
    ctx: BuildCtx,
    stage: Stage,
    options: SolveOptions,
    budget: float,
    started: float,
    hint: list[int],
    floor: int,
    score: Score,
) -> _Outcome:
    """Most of the stage's time on the targeted search (solver.polish: a few doctors at a
    time), the rest on CP-SAT's own search from there, which may also prove the bound."""
    entered = time.monotonic()
    until = entered + POLISH_SHARE * budget
    done = _complete(
        ctx.model, stage, ctx, hint, min(ctx.deadline - time.monotonic(), max(budget, 1.0))
    )
    if done is None:
        return _run(ctx, ctx.model, stage, options, budget, started, hint, floor)
    assert done.solution is not None
    if _finished(stage, done.solution, floor):
        return _Outcome(cp_model.OPTIMAL, done.value, float(floor), done.solution)
    solution, _ = polish(
        ctx,
        ctx.model,
        stage.objective,
        done.solution,
        ctx.deadline if options.deterministic else min(until, ctx.deadline),
        score,
        seed=options.seed,
        workers=max(1, options.workers),
        done=lambda sol: _finished(stage, sol, floor),
        rounds=_rounds(options, POLISH_SHARE * budget),
    )
    left = max(0.0, budget - (time.monotonic() - entered))
    if options.deterministic:
        left = (1 - POLISH_SHARE) * budget
    value = stage.value_in(solution, objective_value(stage.objective, solution) or 0.0)
    polished = _Outcome(cp_model.FEASIBLE, value, 0.0, solution)
    log.debug(
        "%s: start %s, targeted search %s (%.1fs; objective %s -> %s), then CP-SAT %.1fs",
        stage.name,
        done.value / stage.scale,
        value / stage.scale,
        time.monotonic() - entered,
        objective_value(stage.objective, done.solution),
        objective_value(stage.objective, solution),
        left,
    )
    return _run(ctx, ctx.model, stage, options, left, started, solution, floor, polished)


def _finished(stage: Stage, solution: list[int], floor: int) -> bool:
    objective = objective_value(stage.objective, solution) or 0.0
    if stage.done_at is not None:
        return objective <= stage.done_at
    return stage.value_in(solution, objective) <= floor


def _pre_budget(options: SolveOptions, share: float, deadline: float, most: float) -> float:
    """Seconds for a step before the stages: its share of the time limit, but never more than
    `most` of what is left (a short limit leaves the stages their time). Reproducible runs
    use the planned share alone (on CP-SAT's deterministic clock)."""
    planned = share * options.time_limit
    if options.deterministic:
        return planned
    return max(0.2, min(planned, most * (deadline - time.monotonic())))


def _rounds(options: SolveOptions, seconds: float) -> int | None:
    """Rounds of the targeted search for reproducible runs (None: until time is up). A round
    costs more than its CP-SAT effort (copying the model), so fewer than the seconds allow."""
    return max(1, int(seconds / (3 * ROUND_SECONDS))) if options.deterministic else None


def _realize(
    ctx: BuildCtx, counts: CountPlan, options: SolveOptions, seconds: float, start: list[int]
) -> list[int]:
    """Bring the first roster to the count plan's numbers with the targeted search (every
    rule kept, nothing else fixed): its counts are in every band and its points as close to
    target as whole counts allow, so the fairness stages start from there."""
    objective = plan_distance(ctx, counts)
    done = _complete(ctx.model, Stage("plan", objective), ctx, start, seconds)
    if done is None or done.solution is None:
        return start
    solution, value = polish(
        ctx,
        ctx.model,
        objective,
        done.solution,
        ctx.deadline if options.deterministic else min(time.monotonic() + seconds, ctx.deadline),
        plan_score(ctx, counts),
        seed=options.seed,
        workers=max(1, options.workers),
        done=lambda sol: (objective_value(objective, sol) or 0) <= 0,
        rounds=_rounds(options, seconds),
    )
    log.debug("count plan: %s duties away from it, then %s", done.value, value)
    return solution


def _start_if_allowed(ctx: BuildCtx, stage: Stage, start: list[int]) -> list[int] | None:
    """The re-plan's starting roster (the previous one, repaired), completed for `stage`, if
    it keeps what earlier stages fixed: the changes stage then starts from few changes."""
    done = _complete(ctx.model, stage, ctx, start, ctx.deadline - time.monotonic())
    return done.solution if done is not None else None


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
    variables). Reproducible runs plan their work on CP-SAT's deterministic clock; the wall
    clock only caps them, at three times the limit, so a busy machine does not change the
    roster."""
    if options.deterministic:
        return started + 3 * options.time_limit
    margin = 0.5 + 0.03 * options.time_limit + variables / 100_000
    return started + options.time_limit - min(margin, 0.25 * options.time_limit)


def _hint_all(model: cp_model.CpModel, solution: list[int]) -> None:
    """Hint every variable the previous stage solved (new stage variables follow from them)."""
    model.clear_hints()  # type: ignore[no-untyped-call]
    for index, value in enumerate(solution):
        model.add_hint(model.get_int_var_from_proto_index(index), value)


def _beyond(ctx: BuildCtx, b: Basis, pairs: set[tuple[int, int]], allowance: float) -> float:
    """Points beyond `allowance` from target, summed over the compared doctors."""
    points = dict.fromkeys(b.compared, 0)
    for di, si in pairs:
        d = ctx.doctors[di].id
        if d in points:
            points[d] += ctx.shifts[si].points
    return sum(max(0.0, abs(points[d] - b.points[d]) - allowance) for d in points)


def _first_roster(ctx: BuildCtx, options: SolveOptions, goals: Goals) -> list[int]:
    """A starting point for the search: when re-planning, the best start built from the
    previous roster; else the greedy construction, rebalanced. Holes fill what is missing."""
    b = goals.b
    if options.previous is not None:
        keep = {(a.doctor_id, a.shift_id) for a in options.previous.assignments}
        kept = {(di, si) for (di, si) in ctx.x if (ctx.doctors[di].id, ctx.shifts[si].id) in keep}
        # Candidates, best by the stage order (holes, points beyond the re-plan allowance,
        # changes, then fairness): what the
        # previous roster still allows, kept whole; kept only up to each doctor's new fair
        # share (as is, and rebalanced); and a fresh greedy roster. Empty seats are filled
        # greedily in each.
        top = max((s.points for s in ctx.shifts), default=0)
        up_to = {
            di: b.points[d.id] + top / 2 for di, d in enumerate(ctx.doctors) if d.id in b.points
        }
        candidates = [
            construct(ctx, goals, kept),
            construct(ctx, goals, kept, up_to),
            construct(ctx, goals),
        ]
        candidates.append(rebalance(ctx, goals, candidates[1]))
        allowance = ctx.instance.fairness.replan_tolerance_points
        allowance += goals.plan.value if goals.plan is not None else 0.0
        candidates.append(lift(ctx, goals, candidates[0], allowance))
        pairs = min(
            candidates,
            key=lambda c: (
                _missing(ctx, c),
                round(_beyond(ctx, b, c, allowance), 3),
                len(kept - c),
                round(deviation(ctx, b, c), 3),
            ),
        )
    else:
        pairs = rebalance(ctx, goals, construct(ctx, goals))
    solution = [0] * len(ctx.model.proto.variables)
    for pair, var in ctx.x.items():
        solution[var.index] = 1 if pair in pairs else 0
    for si, hole in ctx.holes.items():
        taken = sum(1 for di, _ in ctx.by_shift.get(si, []) if (di, si) in pairs)
        solution[hole.index] = max(0, ctx.shifts[si].doctors - taken)
    return solution
