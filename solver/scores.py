"""Where each doctor stands in a solution, per stage: for each goal, how far above (+) or
below (-) it the doctor is. The targeted search (solver.polish) re-solves the worst doctors
together with those who complement them (too much where they have too little).

Read straight from a CP-SAT solution vector, so it is cheap to call every round.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from roster.fairness import Basis
from roster.targets import band, categories_of
from solver.context import BuildCtx
from solver.plan import CountPlan

Score = Callable[[list[int]], dict[int, dict[str, float]]]


def _held(ctx: BuildCtx, solution: list[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = defaultdict(list)
    for (di, si), var in ctx.x.items():
        if solution[var.index]:
            out[di].append(si)
    return out


def points_score(ctx: BuildCtx, b: Basis) -> Score:
    """Points above (+) or below (-) target, per compared doctor."""
    idx = ctx.doctor_index

    def score(solution: list[int]) -> dict[int, dict[str, float]]:
        held = _held(ctx, solution)
        return {
            idx[d]: {
                "points": sum(ctx.shifts[si].points for si in held.get(idx[d], [])) - b.points[d]
            }
            for d in b.compared
        }

    return score


def plan_score(ctx: BuildCtx, plan: CountPlan) -> Score:
    """Duties above (+) or below (-) the count plan, per cell."""

    def score(solution: list[int]) -> dict[int, dict[str, float]]:
        have: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        for (di, si), var in ctx.x.items():
            if solution[var.index]:
                have[di][plan.cell_of[si]] += 1
        out: dict[int, dict[str, float]] = {}
        for di in set(plan.counts) | set(have):
            cells = set(plan.counts.get(di, {})) | set(have.get(di, {}))
            vec = {f"{c}": float(have[di][c] - plan.planned(di, c)) for c in cells}
            out[di] = {k: v for k, v in vec.items() if v}
        return out

    return score


def band_score(ctx: BuildCtx, b: Basis, weights: dict[str, int]) -> Score:
    """Duties above (+) or below (-) the band of each shift type and category, weighted."""
    idx = ctx.doctor_index
    bands = {
        idx[d]: [
            *((f"type:{t}", band(v), weights.get("types", 1)) for t, v in b.types[d].items()),
            *((f"category:{c}", band(v), weights.get(c, 1)) for c, v in b.categories[d].items()),
        ]
        for d in b.doctors
    }

    def score(solution: list[int]) -> dict[int, dict[str, float]]:
        held = _held(ctx, solution)
        out: dict[int, dict[str, float]] = {}
        for di, items in bands.items():
            have: dict[str, int] = defaultdict(int)
            for si in held.get(di, []):
                s = ctx.shifts[si]
                have[f"type:{s.type_id}"] += 1
                for c in categories_of(s):
                    have[f"category:{c}"] += 1
            vec: dict[str, float] = {}
            for key, (lo, hi), w in items:
                n = have[key]
                off = max(0, n - hi) - max(0, lo - n)
                if off:
                    vec[key] = float(w * off)
            out[di] = vec
        return out

    return score


def municipality_score(ctx: BuildCtx, b: Basis) -> Score:
    """Each doctor carries their municipality's points above (+) or below (-) its key."""

    def score(solution: list[int]) -> dict[int, dict[str, float]]:
        held = _held(ctx, solution)
        points: dict[str, float] = defaultdict(float)
        for di, sis in held.items():
            points[ctx.doctors[di].municipality] += sum(ctx.shifts[si].points for si in sis)
        dev = {m: points[m] - t for m, t in b.municipalities.items()}
        return {
            di: {"municipality": dev.get(d.municipality, 0.0)}
            for di, d in enumerate(ctx.doctors)
            if d.id in b.points
        }

    return score


def crowding_score(ctx: BuildCtx, b: Basis) -> Score:
    """Duty days closer to the previous one than half the doctor's even gap (+)."""
    idx = ctx.doctor_index
    days = (ctx.instance.period.end - ctx.instance.period.start).days + 1
    gap = {idx[d]: days / max(1.0, sum(b.types[d].values())) / 2 for d in b.doctors}

    def score(solution: list[int]) -> dict[int, dict[str, float]]:
        held = _held(ctx, solution)
        out: dict[int, dict[str, float]] = {}
        for di, g in gap.items():
            dates = sorted({ctx.shifts[si].date.toordinal() for si in held.get(di, [])})
            close = sum(1 for a, c in zip(dates, dates[1:], strict=False) if c - a < g)
            out[di] = {"crowded": float(close)} if close else {}
        return out

    return score


def combined(*scores: Score) -> Score:
    """Several scores side by side (their keys kept apart)."""

    def score(solution: list[int]) -> dict[int, dict[str, float]]:
        out: dict[int, dict[str, float]] = defaultdict(dict)
        for k, one in enumerate(scores):
            for di, vec in one(solution).items():
                out[di].update({f"{k}:{key}": v for key, v in vec.items()})
        return dict(out)

    return score
