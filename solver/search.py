"""Running one stage: CP-SAT from a complete roster, the targeted search first where the
stage knows where each doctor stands (solver.polish), always within the stage's time and the
overall deadline, stopping at a proven floor."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from ortools.sat.python import cp_model

from solver.context import BuildCtx
from solver.objectives import Stage
from solver.polish import ROUND_SECONDS, fix, objective_value, polish
from solver.result import Progress, SolveOptions
from solver.scores import Score

log = logging.getLogger("solver")

#: Share of a fairness stage's time for the targeted search before CP-SAT's own.
POLISH_SHARE = 0.85


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


def parameters(
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
class Outcome:
    code: Any  # cp_model status
    value: float = 0.0
    bound: float = 0.0
    solution: list[int] | None = None
    seconds: float = 0.0


#: Above this many assignment variables a plan is large (L has 215 000, XL 511 000;
#: Innherred and M about 37 000): the total stage comes right after coverage, the first
#: roster is not brought to the count plan by CP-SAT, and no step is started that the time
#: left cannot hold (load_seconds). Smaller plans run as before.
LARGE_MODEL = 150_000


def large(ctx: BuildCtx) -> bool:
    return len(ctx.x) > LARGE_MODEL


def load_seconds(ctx: BuildCtx) -> float:
    """What a CP-SAT run on a large model costs before it searches (copying, loading and
    presolving it): about a second per 100 000 assignment variables (2.3 s CPU on L, with
    every assignment fixed), times how much slower than its own CPU time the solve has
    run so far (a shared machine: 2.6 on XL at a load average of 8). A run given less
    than this finds nothing. 0 for a model that is not large (a moment there)."""
    return loading(ctx) if large(ctx) else 0.0


def loading(ctx: BuildCtx) -> float:
    """What any CP-SAT run costs before it searches, as load_seconds, for a model of every
    size: a stage given less keeps its starting roster (Innherred: 0.4 s went to a run of
    0.04 s that found nothing, at the end of a 3 s what-if)."""
    return len(ctx.x) / 100_000 * slowdown(ctx)


def slowdown(ctx: BuildCtx) -> float:
    """Wall time over the process's CPU time since the solve began (`ctx.clock`, set by
    solver.solve), at least 1: a loaded machine makes every step slower by about this."""
    clock: tuple[float, float] | None = getattr(ctx, "clock", None)
    if clock is None:
        return 1.0
    wall, cpu = time.monotonic() - clock[0], time.process_time() - clock[1]
    return max(1.0, wall / cpu) if cpu > 1.0 else 1.0


def stage_seconds(ctx: BuildCtx) -> float:
    """Time left below which a stage is not started: on a large model, building a stage
    objective and completing the roster for it take seconds (6 s and 2 s CPU on L);
    otherwise a moment."""
    return 4 * load_seconds(ctx) if large(ctx) else 0.3


def complete(
    model: cp_model.CpModel, stage: Stage, ctx: BuildCtx, hint: list[int], wall: float = 10.0
) -> Outcome | None:
    """Complete a hint for a stage's new variables: fix the assignment, minimise the stage
    objective (fast: almost everything is fixed). CP-SAT then starts from the true value."""
    if wall <= max(0.3, load_seconds(ctx)):
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
    return Outcome(cp_model.FEASIBLE, value, 0.0, solution)


def run_stage(
    ctx: BuildCtx,
    model: cp_model.CpModel,
    stage: Stage,
    options: SolveOptions,
    budget: float,
    started: float,
    hint: list[int] | None,
    floor: int = 0,
    fallback: Outcome | None = None,
    complete_hint: bool = True,
) -> Outcome:
    """Minimise the stage objective on `model`; stop early at `floor` (a proven bound).
    Never runs past the overall deadline (options.time_limit after `started`). `fallback`:
    the hint already completed for this stage (else it is completed here, unless
    `complete_hint` is False: that was tried and took too long)."""
    wall = ctx.deadline - time.monotonic()
    if fallback is None and hint is not None and complete_hint:
        fallback = complete(model, stage, ctx, hint, min(wall, max(budget, 1.0)))
    if fallback is not None:
        if fallback.value <= floor:  # the starting roster already reaches a proven bound
            return Outcome(cp_model.OPTIMAL, fallback.value, float(floor), fallback.solution)
        hint = fallback.solution
    wall = ctx.deadline - time.monotonic()
    if fallback is not None and not options.deterministic and min(budget, wall) < loading(ctx):
        return fallback  # CP-SAT would spend the time loading the model: the hint stands
    model.minimize(stage.objective)
    if hint is not None:
        _hint_all(model, hint)
    solver = cp_model.CpSolver()
    wall = ctx.deadline - time.monotonic()
    if wall <= 0.05:
        return fallback or Outcome(cp_model.UNKNOWN)
    parameters(solver, options, budget, wall)
    t0 = time.monotonic()
    cb = _Callback(stage, options.progress, started, floor)
    code = solver.solve(model, cb)
    spent = time.monotonic() - t0
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        if fallback is not None and code != cp_model.INFEASIBLE:
            fallback.seconds = spent  # no time to improve: the hint itself stands
            return fallback
        return Outcome(code, seconds=spent)
    solution = list(solver.response_proto.solution)
    value = stage.value_in(solution, solver.objective_value)
    bound = solver.best_objective_bound if stage.measure is None else 0.0
    if cb.hit_floor or value <= floor:
        code, bound = cp_model.OPTIMAL, float(floor)
    elif stage.measure is not None:
        code = cp_model.FEASIBLE  # optimal for the steered objective, not proven for the measure
    return Outcome(code, value, bound, solution, spent)


def targeted(
    ctx: BuildCtx,
    stage: Stage,
    options: SolveOptions,
    budget: float,
    started: float,
    hint: list[int],
    floor: int,
    score: Score,
    done: Outcome | None = None,
) -> Outcome:
    """Most of the stage's time on the targeted search (solver.polish: a few doctors at a
    time), the rest on CP-SAT's own search from there, which may also prove the bound.
    `done`: the hint already completed for this stage (else it is completed here)."""
    entered = time.monotonic()
    until = entered + POLISH_SHARE * budget
    if done is None:
        wall = min(ctx.deadline - time.monotonic(), max(budget, 1.0))
        done = complete(ctx.model, stage, ctx, hint, wall)
    if done is None:  # not completed in its time: CP-SAT from the hint as it is
        left = budget if options.deterministic else budget - (time.monotonic() - entered)
        return run_stage(
            ctx, ctx.model, stage, options, left, started, hint, floor, complete_hint=False
        )
    assert done.solution is not None
    if finished(stage, done.solution, floor):
        return Outcome(cp_model.OPTIMAL, done.value, float(floor), done.solution)
    solution, _ = polish(
        ctx,
        ctx.model,
        stage.objective,
        done.solution,
        # a round costs at least the model's loading: none is started that would overrun
        ctx.deadline if options.deterministic else min(until, ctx.deadline) - load_seconds(ctx),
        score,
        seed=options.seed,
        workers=max(1, options.workers),
        done=lambda sol: finished(stage, sol, floor),
        rounds=rounds_for(options, POLISH_SHARE * budget),
    )
    left = max(0.0, budget - (time.monotonic() - entered))
    if options.deterministic:
        left = (1 - POLISH_SHARE) * budget
    value = stage.value_in(solution, objective_value(stage.objective, solution) or 0.0)
    polished = Outcome(cp_model.FEASIBLE, value, 0.0, solution)
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
    return run_stage(ctx, ctx.model, stage, options, left, started, solution, floor, polished)


def finished(stage: Stage, solution: list[int], floor: int) -> bool:
    objective = objective_value(stage.objective, solution) or 0.0
    if stage.done_at is not None:
        return objective <= stage.done_at
    return stage.value_in(solution, objective) <= floor


def rounds_for(options: SolveOptions, seconds: float) -> int | None:
    """Rounds of the targeted search for reproducible runs (None: until time is up). A round
    costs more than its CP-SAT effort (copying the model), so fewer than the seconds allow."""
    return max(1, int(seconds / (3 * ROUND_SECONDS))) if options.deterministic else None


def _hint_all(model: cp_model.CpModel, solution: list[int]) -> None:
    """Hint every variable the previous stage solved (new stage variables follow from them)."""
    model.clear_hints()  # type: ignore[no-untyped-call]
    for index, value in enumerate(solution):
        model.add_hint(model.get_int_var_from_proto_index(index), value)
