"""solve(): an Instance in, a SolveResult out. Never raises for an impossible plan.

Before the stages: the fair targets (roster.targets) are rounded to whole counts for every
doctor at once (solver.plan), and the first roster is built toward that plan and brought to
it (solver.start). Then lexicographic fairness, as configured: each stage is optimised from
the previous stage's roster (solver.search), its value held (the total within a stated
tolerance, the others exactly) and the next stage solved. Default order: coverage (no
holes), categories (each doctor's duties per shift type and category within the whole
numbers next to the target; big-holiday rotation), total (largest deviation from target
points, with its proven bound), municipalities (points against the key), spread (no
clusters), wishes; a re-plan puts the fewest changes right after coverage. Every stage gets
a share of the time limit and starts from a complete roster, so every stage ends with one.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ortools.sat.python import cp_model

from roster.formats.exchange import Roster
from roster.instance import Instance
from roster.pairs import pair_facts
from solver.builders import BUILDERS, Penalty
from solver.construct import Goals
from solver.context import BuildCtx, create_variables
from solver.objectives import (
    Stage,
    categories_stage,
    changes_stage,
    fairness_basis,
    municipalities_stage,
    penalty_stage,
    scale_for,
    spread_stage,
    total_stage,
)
from solver.plan import CountPlan, cells, count_plan
from solver.polish import fix, objective_value
from solver.result import STATUS, Progress, SolveOptions, SolveResult, StageResult
from solver.scores import (
    Score,
    band_score,
    crowding_score,
    municipality_score,
    points_score,
)
from solver.search import Outcome, large, run_stage, stage_seconds, targeted
from solver.start import (
    REALIZE_SHARE,
    covered,
    first_roster,
    realize,
    replan_allowance,
    roster_from,
    rule_clean,
    start_if_allowed,
    unavoidable_holes,
)

log = logging.getLogger("solver")

__all__ = [
    "Progress",
    "SolveOptions",
    "SolveResult",
    "StageResult",
    "build",
    "solve",
    "unavoidable_holes",
]


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

#: Share of the time limit for rounding the targets to whole counts (solver.plan).
PLAN_SHARE = 0.08
#: At most this long for finding which rules keep counts outside their bands.
EXPLAIN_SECONDS = 6.0
#: A re-plan with a shorter time limit (a what-if) makes no count plan: it keeps what it can
#: of the previous roster instead of following a plan, and its seconds go to the stages.
REPLAN_PLAN_SECONDS = 15.0


def build(instance: Instance, options: SolveOptions) -> tuple[BuildCtx, dict[str, list[Penalty]]]:
    ctx = BuildCtx(instance)
    previous, cutoff = options.previous, options.freeze_before
    if previous is None or cutoff is None:
        create_variables(ctx)
        return ctx, {rule: builder(ctx) for rule, builder in BUILDERS.items()}
    reopened = _reopened(ctx, previous)
    create_variables(ctx, _frozen(previous, cutoff, reopened))
    penalties = {rule: builder(ctx) for rule, builder in BUILDERS.items()}
    _freeze(ctx, previous, cutoff, reopened)
    return ctx, penalties


def _frozen(previous: Roster, cutoff: dt.date, reopened: set[str]) -> Callable[[Any, Any], bool]:
    """Before the freeze date only the previous roster's pairs, but on a reopened shift."""
    keep = {(a.doctor_id, a.shift_id) for a in previous.assignments}

    def allowed(doctor: Any, shift: Any) -> bool:
        return shift.date >= cutoff or shift.id in reopened or (doctor.id, shift.id) in keep

    return allowed


def _reopened(ctx: BuildCtx, previous: Roster) -> set[str]:
    """Kept shifts (before the freeze date) whose doctor can no longer take them: an absence
    or exemption entered since, or the doctor gone. Their seat is open to every doctor, so
    the night before a sick leave that runs into its first morning is staffed, not left
    empty because it started before the date the leader keeps. The kompetansebakvakter
    covering such a shift are reopened with it: whether one is needed depends on who takes
    the seat. A reopened shift is planned afresh as a whole (its other doctors are not held,
    only kept by the changes stage)."""
    facts = pair_facts(ctx.instance)
    reopened: set[int] = set()
    for a in previous.assignments:
        di, si = ctx.doctor_index.get(a.doctor_id), ctx.shift_index.get(a.shift_id)
        if si is not None and (di is None or facts.static(di, si) is not None):
            reopened.add(si)
    backups = {b for b, covers in ctx.covers.items() if reopened & set(covers)}
    return {ctx.shifts[si].id for si in reopened | backups}


def _freeze(ctx: BuildCtx, previous: Roster, cutoff: dt.date, reopened: set[str]) -> None:
    for a in previous.assignments:
        di, si = ctx.doctor_index.get(a.doctor_id), ctx.shift_index.get(a.shift_id)
        if di is None or si is None or ctx.shifts[si].date >= cutoff or a.shift_id in reopened:
            continue
        var = ctx.x.get((di, si))
        if var is not None:
            ctx.model.add(var == 1)
            ctx.frozen.append(var)


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
    ctx: BuildCtx, penalties: dict[str, list[Penalty]], options: SolveOptions, allowance: float
) -> list[StagePlan]:
    """The stages in the order the legevakt configured (coverage always first); `allowance`
    is the re-plan allowance (solver.start.replan_allowance) when re-planning."""
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
    if large(ctx) and not replan and "total" in order:
        # A large plan: the stages before the total cannot finish in their time there (L and
        # XL, bench/RESULTS.md), so the total, which has the proven bound, comes first.
        order = ["coverage", "total", *(n for n in order if n not in ("coverage", "total"))]
    if options.previous is not None:
        # Re-planning: the fewest changes that keep every doctor's points within the re-plan
        # tolerance of what the plan can reach at best, before counts and the rest are
        # evened out among what changes anyway.
        previous = options.previous
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


def solve(instance: Instance, options: SolveOptions | None = None) -> SolveResult:
    """Solve stage by stage within options.time_limit; return what was found."""
    options = options or SolveOptions()
    started, cpu = time.monotonic(), time.process_time()
    ctx, penalties = build(instance, options)
    ctx.clock = (started, cpu)  # type: ignore[attr-defined]  # solver.search.slowdown
    log.debug("model built at %.1fs: %d variables", time.monotonic() - started, len(ctx.x))
    ctx.deadline = deadline = _deadline(started, options, len(ctx.x))
    _fix_enforcement(ctx)
    result = SolveResult(status="no_solution", roster=None, variables=len(ctx.x))
    plans, start = _prepare(ctx, penalties, options, started)
    best: list[int] | None = None
    remaining_share = total_share = sum(p.share for p in plans)
    for plan in plans:
        left = deadline - time.monotonic()
        budget = _budget(options, plan, left, remaining_share, total_share)
        remaining_share -= plan.share
        if left <= stage_seconds(ctx) and best is not None:
            result.stages.append(StageResult(plan.name, "skipped", None, None, 0.0))
            continue
        made_at = time.monotonic()
        stage = plan.make()
        log.debug("stage %s built in %.2fs", plan.name, time.monotonic() - made_at)
        out = _search(ctx, plan, stage, options, budget, started, best or start, start)
        status = STATUS.get(out.code, "unknown")
        log.debug(
            "stage %s done at %.1fs: %s %s",
            plan.name,
            time.monotonic() - started,
            status,
            None if out.solution is None else out.value / stage.scale,
        )
        if out.solution is not None:
            _record(ctx, plan, stage, out, status, options, result, started)
            best = out.solution[: len(ctx.model.proto.variables)]
            continue
        result.stages.append(StageResult(plan.name, status, None, None, out.seconds))
        if best is None and out.code != cp_model.INFEASIBLE and rule_clean(ctx, start):
            # No time left to search, but the starting roster keeps every rule (the checker
            # says so): it stands, as the greedy peer's roster would.
            holes = covered(ctx, start)
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
        if out.code == cp_model.INFEASIBLE:
            break
        # No roster in the stage's time (a large plan): the previous stage's roster stands and
        # the later stages start from it (the total stage gives the bound).
    assert best is not None
    done = {s.name for s in result.stages}
    result.stages += [
        StageResult(p.name, "skipped", None, None, 0.0) for p in plans if p.name not in done
    ]
    result.roster = roster_from(ctx, best)
    solved = [s for s in result.stages if s.status != "skipped"]
    all_optimal = all(s.status == "optimal" for s in solved) and len(solved) == len(plans)
    result.status = "optimal" if all_optimal else "feasible"
    result.seconds = time.monotonic() - started
    return result


def _prepare(
    ctx: BuildCtx, penalties: dict[str, list[Penalty]], options: SolveOptions, started: float
) -> tuple[list[StagePlan], list[int]]:
    """The steps before the stages: the count plan (the targets rounded to whole counts, and
    the bound it proves), the stages in their order, and the first roster, brought to the
    count plan when not re-planning."""
    b = fairness_basis(ctx)
    weights = {str(k): v for k, v in ctx.instance.fairness.category_weights.items()}
    if options.previous is not None and options.time_limit < REPLAN_PLAN_SECONDS:
        counts = CountPlan(*cells(ctx))  # nothing planned: no bound, no counts to follow
    else:
        counts = count_plan(
            ctx,
            b,
            _pre_budget(options, PLAN_SHARE, ctx.deadline, 0.15),
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
    allowance = 0.0
    if options.previous is not None:
        allowance = replan_allowance(ctx, b, counts.value, options.previous)
    plans = _stages(ctx, penalties, options, allowance)
    start = first_roster(ctx, options, Goals(ctx, b, counts), allowance)
    log.debug("first roster at %.1fs", time.monotonic() - started)
    if counts.counts and options.previous is None:  # a re-plan keeps what it can instead
        seconds = _pre_budget(options, REALIZE_SHARE, ctx.deadline, 0.3)
        start = realize(ctx, counts, options, seconds, start)
        log.debug("count plan followed at %.1fs", time.monotonic() - started)
    return plans, start


def _budget(
    options: SolveOptions, plan: StagePlan, left: float, remaining_share: float, total_share: float
) -> float:
    """A stage's seconds: its share of what is left (time a stage before did not use rolls
    over); coverage at least half of it, since a hole matters more than any fairness.
    Reproducible runs plan their shares of the time limit instead, so budgets do not depend
    on the wall clock."""
    if options.deterministic:
        stages_time = options.time_limit * (1 - PLAN_SHARE - REALIZE_SHARE)
        return stages_time * plan.share / total_share
    budget = left * plan.share / remaining_share if remaining_share > 0 else left
    if plan.name == "coverage":
        budget = max(budget, 0.5 * left)
    return budget


def _search(
    ctx: BuildCtx,
    plan: StagePlan,
    stage: Stage,
    options: SolveOptions,
    budget: float,
    started: float,
    hint: list[int],
    start: list[int],
) -> Outcome:
    """One stage's search from `hint` (the last stage's roster, or the first roster `start`):
    settled without a search when the first roster leaves only holes no roster can fill;
    the targeted search then CP-SAT when the stage says where each doctor stands; CP-SAT
    alone otherwise. A re-plan's changes stage starts from the previous roster, repaired."""
    floor = unavoidable_holes(ctx) if plan.name == "coverage" else stage.floor
    floor = max(floor, stage.stop or 0)  # stop there
    completed = start_if_allowed(ctx, stage, start) if plan.name == "changes" else None
    if completed is not None:
        hint = completed.solution or hint
    settled = _settled_holes(ctx, start, floor) if plan.name == "coverage" else None
    if settled is not None:
        # The starting roster keeps every rule and leaves only holes no roster can fill:
        # proven, no search.
        return Outcome(cp_model.OPTIMAL, float(settled), float(floor), start)
    if plan.score is not None:
        return targeted(ctx, stage, options, budget, started, hint, floor, plan.score, completed)
    return run_stage(ctx, ctx.model, stage, options, budget, started, hint, floor)


def _record(
    ctx: BuildCtx,
    plan: StagePlan,
    stage: Stage,
    out: Outcome,
    status: str,
    options: SolveOptions,
    result: SolveResult,
    started: float,
) -> None:
    """A stage that found a roster: its value is held (within the stage's slack) for the
    stages after it, and its result, bound and notes are recorded."""
    assert out.solution is not None
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
        # Only duties outside the bands are explained by rules; the big-holiday
        # rotation in the same value is a wish weighed against them.
        part = stage.explained
        outside = out.value if part is None else out.solution[part.index]
        if outside > 0 and status == "optimal":
            from solver.explain import explain_bands

            seconds = min(EXPLAIN_SECONDS, 0.1 * options.time_limit)
            result.notes += explain_bands(
                ctx, stage.fixed() if part is None else part, int(round(outside)), seconds
            )
    if options.progress:
        options.progress(plan.name, value, bound, time.monotonic() - started)


def _settled_holes(ctx: BuildCtx, start: list[int], floor: int) -> int | None:
    """The starting roster's holes when they settle the coverage stage: it keeps the duties
    before a freeze, leaves no hole a roster could fill, and the checker (the oracle) finds
    no other breach in it. None otherwise."""
    if not all(start[v.index] for v in ctx.frozen):
        return None
    holes = covered(ctx, start)
    return holes if holes <= floor and rule_clean(ctx, start) else None


def _pre_budget(options: SolveOptions, share: float, deadline: float, most: float) -> float:
    """Seconds for a step before the stages: its share of the time limit, but never more than
    `most` of what is left (a short limit leaves the stages their time). Reproducible runs
    use the planned share alone (on CP-SAT's deterministic clock)."""
    planned = share * options.time_limit
    if options.deterministic:
        return planned
    return max(0.2, min(planned, most * (deadline - time.monotonic())))


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
