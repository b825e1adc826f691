"""The count plan: how many duties of each kind each doctor gets, in whole numbers, before any
date is chosen.

The fair targets (roster.targets) are fractions. The count plan rounds them, all at once, in a
small model over "cells" (duties alike in shift type, categories and points): every doctor's
count per shift type and per category within the whole numbers next to the target, every
cell's duties all given out, kompetansebakvakter where doctors who may not work alone are
planned, agreed numbers kept, and the largest points deviation from target as small as
possible. Dates come after, in the full model; the plan is what the first roster and the
search steer toward.

The plan's largest deviation is solved to optimality when the model is small enough (it
usually is: tens of doctors times a dozen cells), and then it is a proven lower bound on the
largest points deviation of any roster that keeps every count within its band.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from roster.fairness import Basis
from roster.model import Role
from roster.targets import (
    CATEGORIES,
    band,
    categories_of,
    integer_lower_bound,
)
from solver.context import BuildCtx

#: Weights of the plan's first objective: a duty nobody is planned for weighs more than any
#: number of counts outside their band.
_SHORT, _OUTSIDE = 100_000, 1
_Q = 100  # hundredths of a point


@dataclass(frozen=True)
class Cell:
    type_id: str
    categories: frozenset[str]
    points: int
    role: Role
    shifts: tuple[int, ...]
    seats: int  # doctors needed on these duties together (back-ups: at most)


@dataclass
class CountPlan:
    cells: list[Cell]
    cell_of: dict[int, int]  # shift index -> cell index
    counts: dict[int, dict[int, int]] = field(default_factory=dict)  # doctor -> cell -> count
    value: float = 0.0  # largest points deviation of the plan
    outside: int = 0  # counts outside their band in the plan
    optimal: bool = False
    bound: float = 0.0  # proven: no plan has a smaller largest deviation
    #: The plan's model is a relaxation of the roster's: every roster with all counts in
    #: their bands is a plan, so an optimal plan's value bounds the roster's deviation.
    exact: bool = False
    #: The fewest counts outside their bands is proven (the first of the plan's solves ended
    #: optimal); when not, the plan ran out of time and may be far from any band.
    settled: bool = False

    def planned(self, di: int, ci: int) -> int:
        return self.counts.get(di, {}).get(ci, 0)


def cells(ctx: BuildCtx) -> tuple[list[Cell], dict[int, int]]:
    keyed: dict[tuple[object, ...], list[int]] = defaultdict(list)
    for si, s in enumerate(ctx.shifts):
        keyed[(s.type_id, categories_of(s), s.points, s.role)].append(si)
    out: list[Cell] = []
    cell_of: dict[int, int] = {}
    for (type_id, cats, points, role), sis in sorted(keyed.items(), key=lambda kv: kv[1][0]):
        for si in sis:
            cell_of[si] = len(out)
        seats = sum(ctx.shifts[si].doctors for si in sis)
        out.append(Cell(str(type_id), cats, points, role, tuple(sis), seats))  # type: ignore[arg-type]
    return out, cell_of


def count_plan(
    ctx: BuildCtx,
    b: Basis,
    seconds: float,
    workers: int = 1,
    weights: dict[str, int] | None = None,
    deterministic: bool = False,
) -> CountPlan:
    """Round the targets to whole counts per doctor and cell (see the module docstring).
    `weights`: the categories stage's weights; a category weighted 0 has no band.
    `deterministic`: one worker on CP-SAT's deterministic clock (same input, same plan)."""
    weights = weights if weights is not None else {}
    cell_list, cell_of = cells(ctx)
    plan = CountPlan(cell_list, cell_of)
    m = cp_model.CpModel()
    idx = ctx.doctor_index
    inside = [idx[d] for d in b.doctors]
    avail: dict[tuple[int, int], int] = defaultdict(int)
    avail_nc: dict[tuple[int, int], int] = defaultdict(int)  # duties needing a back-up
    for di, si in ctx.x:
        ci = cell_of[si]
        avail[(di, ci)] += 1
        if not ctx.competent.get((di, si), True):
            avail_nc[(di, ci)] += 1
    plan.exact = {di for di, _ in ctx.x} <= set(inside) and all(
        weights.get(k, 1) > 0 for k in (*CATEGORIES, "types")
    )
    c: dict[tuple[int, int], cp_model.IntVar] = {}
    nc: dict[tuple[int, int], cp_model.IntVar] = {}  # of those, duties needing a back-up
    for di in inside:
        for ci in range(len(cell_list)):
            n = avail.get((di, ci), 0)
            if not n:
                continue
            name = f"{ctx.doctors[di].id},{ci}"
            c[(di, ci)] = m.new_int_var(0, n, f"c[{name}]")
            k = avail_nc.get((di, ci), 0)
            if k:
                nc[(di, ci)] = m.new_int_var(0, k, f"nc[{name}]")
                m.add(nc[(di, ci)] <= c[(di, ci)])
                m.add(c[(di, ci)] - nc[(di, ci)] <= n - k)
    terms: list[cp_model.LinearExprT] = []
    for ci, cell in enumerate(cell_list):
        vs = [c[(di, ci)] for di in inside if (di, ci) in c]
        if cell.role == Role.backup_competence:
            continue
        short = m.new_int_var(0, cell.seats, f"short[{ci}]")
        m.add(sum(vs) + short == cell.seats)
        terms.append(_SHORT * short)
    plan.exact = _backups(ctx, m, c, nc, cell_list, cell_of, inside) and plan.exact
    for d in b.doctors:
        di = idx[d]
        groups = [("type", t, b.types[d][t]) for t in b.types[d] if weights.get("types", 1)]
        groups += [("category", k, b.categories[d][k]) for k in CATEGORIES if weights.get(k, 1)]
        for kind, value, target in groups:
            vs = [
                c[(di, ci)]
                for ci, cell in enumerate(cell_list)
                if (di, ci) in c
                and (cell.type_id == value if kind == "type" else value in cell.categories)
            ]
            lo, hi = band(target)
            out = m.new_int_var(0, max(lo, len(vs) * 1000), f"out[{d},{value}]")
            m.add(out >= sum(vs) - hi)
            m.add(out >= lo - sum(vs))
            terms.append(_OUTSIDE * out)
        if d in b.fixed:
            m.add(sum(v for (dj, _), v in c.items() if dj == di) == b.fixed[d])
    devs = []
    points: dict[str, cp_model.IntVar] = {}
    for d in b.compared:
        di = idx[d]
        items = [(cell_list[ci].points, v) for (dj, ci), v in c.items() if dj == di]
        most = sum(cell_list[ci].points * n for (dj, ci), n in avail.items() if dj == di)
        points[d] = m.new_int_var(0, most, f"points[{d}]")
        m.add(points[d] == sum(p * v for p, v in items))
        e = m.new_int_var(0, _Q * 10_000, f"dev[{d}]")
        m.add(e >= _Q * points[d] - round(_Q * b.points[d]))
        m.add(e >= round(_Q * b.points[d]) - _Q * points[d])
        devs.append(e)
    deadline = time.monotonic() + max(0.3, seconds)
    effort = _Effort(workers, deadline, seconds if deterministic else None)
    solver = effort.solver(0.4)
    m.minimize(sum(terms))
    code = solver.solve(m)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return plan
    outside = int(solver.objective_value)
    plan.settled = code == cp_model.OPTIMAL
    m.add(sum(terms) <= outside)
    m.clear_objective()  # type: ignore[no-untyped-call]
    best = {key: solver.value(v) for key, v in c.items()}
    # The smallest largest deviation: candidates are the distances from each target to the
    # whole numbers near it, between the integer bound (no plan does better) and the plan
    # found; feasibility is monotone, so search them by halves. A check that runs out of
    # time counts as failed, and then the result is not proven optimal.
    targets = {d: b.points[d] for d in b.compared}
    floor = integer_lower_bound(targets, (0, 10 * round(sum(targets.values())) + 10))
    found_worst = _worst(cell_list, b, idx, best)
    candidates = _coarse(
        sorted(
            {
                v
                for d in b.compared
                for k in range(math.floor(b.points[d]) - 4, math.ceil(b.points[d]) + 5)
                for v in [abs(k - b.points[d])]
                if floor - 1e-9 <= v < found_worst - 1e-9
            }
        )
    )
    lo, hi = 0, len(candidates) - 1
    plan.bound = floor
    while lo <= hi and (deterministic or time.monotonic() < deadline):
        mid = (lo + hi) // 2
        trial = m.clone()
        _within(trial, points, targets, candidates[mid])
        for key, v in c.items():
            trial.add_hint(v, best[key])
        check = effort.solver(0.5)
        found = check.solve(trial)
        if found in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            best = {key: check.value(v) for key, v in c.items()}
            hi = mid - 1
        elif found == cp_model.INFEASIBLE:
            plan.bound = max(plan.bound, candidates[mid])  # proven: no plan is this close
            lo = mid + 1
        else:
            lo = mid + 1  # unknown: look higher, the bound stays where it is
    _within(m, points, targets, _worst(cell_list, b, idx, best))
    for key, v in c.items():
        m.add_hint(v, best[key])
    m.minimize(sum(devs))
    evener = effort.solver(0.5)
    if evener.solve(m) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        best = {key: evener.value(v) for key, v in c.items()}
    for (di, ci), n in best.items():
        if n:
            plan.counts.setdefault(di, {})[ci] = n
    plan.value = _worst(cell_list, b, idx, best)
    plan.outside = outside
    plan.optimal = code == cp_model.OPTIMAL and plan.value <= _next_after(plan.bound, candidates)
    return plan


def _coarse(values: list[float], step: float = 0.005) -> list[float]:
    """Candidates closer than `step` merged into the largest of them (fewer, easier checks;
    a plan found at one is at most `step` from the best)."""
    out: list[float] = []
    for v in values:
        if out and v - out[-1] < step:
            out[-1] = v
        else:
            out.append(v)
    return out


def _next_after(bound: float, candidates: list[float]) -> float:
    """The smallest candidate above a proven bound (plus the merging step): a plan at or
    below it is as good as proven."""
    above = [c for c in candidates if c > bound + 1e-9]
    return (above[0] if above else bound) + 0.005 + 1e-9


@dataclass
class _Effort:
    """Time for each of the plan's solves: a share of what is left before the deadline, or,
    for reproducible runs, of a budget on CP-SAT's deterministic clock (one worker)."""

    workers: int
    deadline: float
    deterministic: float | None = None  # budget on the deterministic clock

    def solver(self, share: float) -> cp_model.CpSolver:
        solver = cp_model.CpSolver()
        p = solver.parameters
        left = max(0.05, self.deadline - time.monotonic())
        p.random_seed = 0
        if self.deterministic is not None:
            p.num_workers = 1
            p.max_deterministic_time = max(0.05, share * self.deterministic / 4)
            p.max_time_in_seconds = max(0.05, 10 * self.deterministic)
        else:
            p.max_time_in_seconds = max(0.05, share * left)
            p.num_workers = max(1, self.workers)
        return solver


def _within(
    m: cp_model.CpModel,
    points: dict[str, cp_model.IntVar],
    targets: dict[str, float],
    limit: float,
) -> None:
    """Every compared doctor's points within `limit` of target (whole points)."""
    for d, var in points.items():
        m.add(var >= math.ceil(targets[d] - limit - 1e-9))
        m.add(var <= math.floor(targets[d] + limit + 1e-9))


def _worst(
    cell_list: list[Cell], b: Basis, idx: dict[str, int], counts: dict[tuple[int, int], int]
) -> float:
    """The largest deviation of a counted plan from target (points, exact)."""
    points: dict[int, int] = defaultdict(int)
    for (di, ci), n in counts.items():
        points[di] += cell_list[ci].points * n
    return max((abs(points[idx[d]] - b.points[d]) for d in b.compared), default=0.0)


def _backups(
    ctx: BuildCtx,
    m: cp_model.CpModel,
    c: dict[tuple[int, int], cp_model.IntVar],
    nc: dict[tuple[int, int], cp_model.IntVar],
    cell_list: list[Cell],
    cell_of: dict[int, int],
    inside: list[int],
) -> bool:
    """A kompetansebakvakt cell gets as many duties as the doctors who may not work alone
    are planned for in the primary cells it covers. True when that is exact for every
    roster (each covered duty needs one doctor and is covered by one back-up cell)."""
    exact = True
    covered: dict[int, set[int]] = defaultdict(set)
    for ti, sis in ctx.covers.items():
        for si in sis:
            covered[cell_of[ti]].add(cell_of[si])
    owners: dict[int, list[int]] = defaultdict(list)
    for bc, pcs in covered.items():
        for pc in pcs:
            owners[pc].append(bc)
    for bc, pcs in covered.items():
        staffed = [c[(di, bc)] for di in inside if (di, bc) in c]
        need = [nc[(di, pc)] for pc in sorted(pcs) for di in inside if (di, pc) in nc]
        exclusive = all(
            len(owners[pc]) == 1 and cell_list[pc].seats == len(cell_list[pc].shifts) for pc in pcs
        )
        if exclusive:
            m.add(sum(staffed) == sum(need))
        else:
            m.add(sum(staffed) <= sum(need))
            exact = False
    return exact
