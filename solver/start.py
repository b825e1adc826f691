"""The roster every solve starts from: the greedy construction toward the count plan, then
brought to the plan by the targeted search; when re-planning, the previous roster kept as
far as the rules and the re-plan allowance let it."""

from __future__ import annotations

import logging
import math
import time
from collections import defaultdict

from roster.fairness import Basis
from roster.formats.exchange import Assignment, Roster
from roster.model import Role
from solver.construct import Goals, construct, deviation
from solver.context import BuildCtx, Pair
from solver.moves import fill_holes, keep_agreements, lift, rebalance
from solver.objectives import Stage, plan_distance
from solver.plan import CountPlan
from solver.polish import objective_value, polish
from solver.result import SolveOptions
from solver.scores import plan_score
from solver.search import Outcome, complete, large, rounds_for

log = logging.getLogger("solver")

#: Share of the time limit for bringing the first roster to the count plan.
REALIZE_SHARE = 0.2
#: Share of the time left for the local search on a large plan (rebalance with improve).
IMPROVE_SHARE = 0.2
#: Share of the time left for the greedy construction before it ranks by points alone.
CONSTRUCT_SHARE = 0.3


def realize(
    ctx: BuildCtx, counts: CountPlan, options: SolveOptions, seconds: float, start: list[int]
) -> list[int]:
    """Bring the first roster to the count plan's numbers with the targeted search (every
    rule kept, nothing else fixed): its counts are in every band and its points as close to
    target as whole counts allow, so the fairness stages start from there. Not on a large
    model (solver.search.large): there each round of the search costs seconds and the
    stages need the time (measured on L and XL: no duty nearer the plan in 16 s and 76 s)."""
    if large(ctx):
        log.debug("count plan not followed: %d variables", len(ctx.x))
        return start
    until = min(time.monotonic() + seconds, ctx.deadline)
    objective = plan_distance(ctx, counts)
    done = complete(ctx.model, Stage("plan", objective), ctx, start, seconds)
    if done is None or done.solution is None:
        return start
    solution, value = polish(
        ctx,
        ctx.model,
        objective,
        done.solution,
        ctx.deadline if options.deterministic else until,
        plan_score(ctx, counts),
        seed=options.seed,
        workers=max(1, options.workers),
        done=lambda sol: (objective_value(objective, sol) or 0) <= 0,
        rounds=rounds_for(options, seconds),
    )
    log.debug("count plan: %s duties away from it, then %s", done.value, value)
    return solution


def start_if_allowed(ctx: BuildCtx, stage: Stage, start: list[int]) -> Outcome | None:
    """The re-plan's starting roster (the previous one, repaired), completed for `stage`, if
    it keeps what earlier stages fixed: the changes stage then starts from few changes."""
    return complete(ctx.model, stage, ctx, start, ctx.deadline - time.monotonic())


def rule_clean(ctx: BuildCtx, solution: list[int]) -> bool:
    """True when the checker (the independent oracle) finds no hard-rule breach other than
    holes in this solution's roster."""
    from roster.checker import check

    found = check(ctx.instance, roster_from(ctx, solution))
    return all(f.rule == "coverage" for f in found.breaches)


def missing(ctx: BuildCtx, pairs: set[tuple[int, int]]) -> int:
    seated: dict[int, int] = {}
    for _, si in pairs:
        seated[si] = seated.get(si, 0) + 1
    return sum(
        max(0, s.doctors - seated.get(si, 0)) for si, s in enumerate(ctx.shifts) if s.needed_always
    )


def covered(ctx: BuildCtx, solution: list[int]) -> int:
    """Missing doctors in a solution's roster."""
    return missing(ctx, {p for p, v in ctx.x.items() if solution[v.index]})


def unavoidable_holes(ctx: BuildCtx) -> int:
    """Missing doctors no roster can avoid: always-needed shifts with too few eligible
    doctors. The coverage stage stops as soon as it reaches this."""
    return sum(
        max(0, s.doctors - len(ctx.by_shift.get(si, [])))
        for si, s in enumerate(ctx.shifts)
        if s.needed_always
    )


def roster_from(ctx: BuildCtx, solution: list[int]) -> Roster:
    out = [
        Assignment(shift_id=ctx.shifts[si].id, doctor_id=ctx.doctors[di].id)
        for (di, si), var in ctx.x.items()
        if solution[var.index]
    ]
    out.sort(key=lambda a: (a.shift_id, a.doctor_id))
    return Roster(assignments=tuple(out))


def beyond(ctx: BuildCtx, b: Basis, pairs: set[tuple[int, int]], allowance: float) -> float:
    """Points beyond `allowance` from target, summed over the compared doctors."""
    points = dict.fromkeys(b.compared, 0)
    for di, si in pairs:
        d = ctx.doctors[di].id
        if d in points:
            points[d] += ctx.shifts[si].points
    return sum(max(0.0, abs(points[d] - b.points[d]) - allowance) for d in points)


def kept_pairs(ctx: BuildCtx, previous: Roster) -> set[Pair]:
    """The previous roster's duties that the plan still allows, as (doctor, shift) indices,
    without back-up duties no longer needed (without_idle_backups)."""
    keep = {(a.doctor_id, a.shift_id) for a in previous.assignments}
    pairs = {(di, si) for (di, si) in ctx.x if (ctx.doctors[di].id, ctx.shifts[si].id) in keep}
    return without_idle_backups(ctx, pairs)


def without_idle_backups(ctx: BuildCtx, pairs: set[Pair]) -> set[Pair]:
    """`pairs` without the kompetansebakvakter no primary they cover needs any more. The plan
    staffs a back-up only when a doctor who may not work alone is on a duty it covers (rule
    competence_backup); a re-plan's kept roster can hold one whose primary fell ill or went
    to a doctor who may work alone. The checker has nothing against such a duty, but the
    model does, and a start it rejects leaves the re-plan's stages without a roster (a sick
    leave on Innherred: every stage after coverage found nothing, and 41 duties moved)."""
    covers = ctx.covers
    needing = {si for di, si in pairs if not ctx.competent.get((di, si), True)}
    return {
        (di, si)
        for di, si in pairs
        if ctx.shifts[si].role != Role.backup_competence
        or any(p in needing for p in covers.get(si, ()))
    }


def replan_allowance(ctx: BuildCtx, b: Basis, best: float, previous: Roster) -> float:
    """Re-planning: how far a doctor's points may be from target before duties change hands
    for it: the re-plan tolerance beyond the best the plan can reach (`best`), or beyond what
    the published plan already had for a doctor the change leaves alone (every duty kept),
    where that was more. A re-plan never asks more of fairness than the plan it changes, so a
    plan made in a hurry is not torn up to even it out."""
    points: dict[str, int] = defaultdict(int)
    kept: dict[str, int] = defaultdict(int)
    for di, si in kept_pairs(ctx, previous):
        points[ctx.doctors[di].id] += ctx.shifts[si].points
        kept[ctx.doctors[di].id] += 1
    before: dict[str, int] = defaultdict(int)
    for a in previous.assignments:
        before[a.doctor_id] += 1
    alone = [d for d in b.compared if before[d] and kept[d] == before[d]]
    had = max((abs(points[d] - b.points[d]) for d in alone), default=0.0)
    return ctx.instance.fairness.replan_tolerance_points + max(best, had)


def first_roster(ctx: BuildCtx, options: SolveOptions, goals: Goals, allowance: float) -> list[int]:
    """A starting point for the search: when re-planning, the best start built from the
    previous roster (_replan_start; `allowance`: replan_allowance, computed once by the
    caller); else the greedy construction, rebalanced. Agreed numbers of duties are then met
    where the rules let them (solver.moves.keep_agreements). Holes fill what is missing."""
    b = goals.b
    # The construction may use a third of what is left and the local search after it up to
    # half in all: the search after them needs the rest.
    left = max(0.0, ctx.deadline - time.monotonic())
    hurry, until = time.monotonic() + CONSTRUCT_SHARE * left, time.monotonic() + 0.5 * left
    if options.deterministic:  # the same work whatever the clock says: the same roster
        hurry = until = left = math.inf
    if options.previous is not None:
        pairs = _replan_start(ctx, goals, options.previous, allowance, until)
    else:
        big = large(ctx)  # not brought to the plan by realize
        if big and goals.plan is not None and not goals.plan.settled:
            # A count plan cut short before its counts were in their bands is not followed
            # (L under load: 683 counts outside, one doctor 13 back-up duties from target).
            log.debug("count plan cut short (%d outside): targets only", goals.plan.outside)
            goals = Goals(ctx, b)
        built = construct(ctx, goals, until=hurry)
        log.debug("greedy construction done")
        if big:
            # The local search moves toward the plan and the targets for a share of the time
            # instead of realize (L: 2.7 s CPU took the roster from 6.6 to the plan's own 3.7
            # points in one measured run).
            until = min(until, time.monotonic() + IMPROVE_SHARE * left)
            pairs = rebalance(ctx, goals, built, until=until, improve=True)
        else:
            pairs = rebalance(ctx, goals, built, until=until)
        log.debug("rebalanced")
    return solution_of(ctx, keep_agreements(ctx, goals, pairs))


def _replan_start(
    ctx: BuildCtx, goals: Goals, previous: Roster, allowance: float, until: float
) -> set[Pair]:
    """The best start built from the previous roster, by the stage order (holes, points
    beyond the re-plan allowance, changes, then fairness). Candidates: what the previous
    roster still allows, kept whole (as is, and lifted toward the allowance); kept only up to
    each doctor's new fair share (as is, and rebalanced); and, when none of these is whole
    and within the allowance, a fresh greedy roster. Empty seats are filled greedily in
    each, then by passing a duty on (solver.moves.fill_holes)."""
    b = goals.b
    kept = kept_pairs(ctx, previous)
    top = max((s.points for s in ctx.shifts), default=0)
    up_to = {di: b.points[d.id] + top / 2 for di, d in enumerate(ctx.doctors) if d.id in b.points}
    candidates = [construct(ctx, goals, kept), construct(ctx, goals, kept, up_to)]
    candidates.append(rebalance(ctx, goals, candidates[1], until=until))
    candidates.append(lift(ctx, goals, candidates[0], allowance))
    floor = unavoidable_holes(ctx)

    def finished(c: set[Pair]) -> tuple[tuple[int, float, int, float], set[Pair]]:
        """The candidate without back-ups no longer needed (kept only up to the fair share
        may have dropped a primary that needed one), its seats filled where a duty can pass
        on, and its rank."""
        c = without_idle_backups(ctx, c)
        if missing(ctx, c) > floor:
            c = fill_holes(ctx, goals, c)
        rank = (
            missing(ctx, c),
            round(beyond(ctx, b, c, allowance), 3),
            len(kept - c),
            round(deviation(ctx, b, c), 3),
        )
        return rank, c

    ranked = [finished(c) for c in candidates]
    if min(rank[:2] for rank, _ in ranked) > (floor, 0.0):
        # The previous roster leaves holes or points beyond the allowance that keeping it
        # cannot mend: a fresh roster may do better.
        ranked.append(finished(construct(ctx, goals)))
    log.debug("re-plan starts (allowance %.2f): %s", allowance, [rank for rank, _ in ranked])
    return min(ranked, key=lambda rc: rc[0])[1]


def solution_of(ctx: BuildCtx, pairs: set[Pair]) -> list[int]:
    """The model's values for a roster given as (doctor, shift) pairs: its assignments and
    the holes they leave (other variables 0, for the stages to complete)."""
    solution = [0] * len(ctx.model.proto.variables)
    for pair, var in ctx.x.items():
        solution[var.index] = 1 if pair in pairs else 0
    for si, hole in ctx.holes.items():
        taken = sum(1 for di, _ in ctx.by_shift.get(si, []) if (di, si) in pairs)
        solution[hole.index] = max(0, ctx.shifts[si].doctors - taken)
    return solution
