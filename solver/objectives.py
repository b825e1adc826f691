"""Fairness stages as CP-SAT objectives, built from roster.fairness (the one implementation).

Deviations are scaled by an integer Q so that fractional targets become integers; Q is chosen
from the instance so the rounding error stays below a thousandth of a point.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ortools.sat.python import cp_model

from roster.fairness import CATEGORIES, Basis, basis, in_category
from solver.builders import Penalty, duty_days
from solver.context import BuildCtx


@dataclass
class Stage:
    name: str
    objective: cp_model.LinearExprT
    scale: int = 1  # objective units per point (or per unit for counts)


def scale_for(ctx: BuildCtx, b: Basis) -> int:
    total = sum(s.points * s.doctors for s in ctx.shifts) + sum(abs(c) for c in b.carry.values())
    return max(1000, 1000 * int(total + 1))


def _burden(ctx: BuildCtx, di: int, pick: str | None = None) -> cp_model.LinearExprT:
    """A doctor's burden points as one integer variable (keeps stage constraints sparse)."""
    key = (di, pick)
    cache: dict[tuple[int, str | None], cp_model.IntVar] = ctx.__dict__.setdefault("_burden", {})
    if key in cache:
        return cache[key]
    items = [
        (ctx.shifts[si].points, v)
        for si, v in ctx.by_doctor.get(di, [])
        if pick is None or in_category(ctx.shifts[si], pick)
    ]
    var = ctx.model.NewIntVar(0, sum(p for p, _ in items), f"burden[{ctx.doctors[di].id},{pick or 'all'}]")
    ctx.model.Add(var == sum(p * v for p, v in items))
    cache[key] = var
    return var


def _sum_var(ctx: BuildCtx, name: str, terms: list[cp_model.LinearExprT], ub: int) -> cp_model.IntVar:
    var = ctx.model.NewIntVar(0, ub, name)
    ctx.model.Add(var == sum(terms))
    return var


def _max_abs(ctx: BuildCtx, name: str, devs: list[cp_model.LinearExprT], ub: int) -> cp_model.IntVar:
    m = ctx.model.NewIntVar(0, ub, name)
    for dev in devs:
        ctx.model.Add(m >= dev)
        ctx.model.Add(m >= -dev)
    return m


def total_stage(ctx: BuildCtx, b: Basis, q: int) -> Stage:
    """Largest deviation of any compared doctor's burden from target (points * q)."""
    idx = ctx.doctor_index
    compared = [idx[d] for d in b.compared]
    burden = {di: _burden(ctx, di) for di in compared}
    total_ub = sum(s.points * s.doctors for s in ctx.shifts)
    big_b = _sum_var(ctx, "burden_compared", list(burden.values()), total_ub)
    carry_total = sum(b.carry.values())
    devs = []
    for d in b.compared:
        di = idx[d]
        r = b.weights[d]
        const = round(q * (b.carry[d] - r * carry_total))
        devs.append(q * burden[di] - round(r * q) * big_b + const)
    ub = q * (sum(s.points * s.doctors for s in ctx.shifts) + int(sum(abs(c) for c in b.carry.values())) + 1)
    return Stage("total", _max_abs(ctx, "max_dev_total", devs, ub), q)


def categories_stage(ctx: BuildCtx, b: Basis, q: int, weights: dict[str, int], rotation: list[Penalty]) -> Stage:
    idx = ctx.doctor_index
    terms: list[cp_model.LinearExprT] = []
    ub = q * (sum(s.points * s.doctors for s in ctx.shifts) + 1)
    for c in CATEGORIES:
        w = weights.get(c, 1)
        if w == 0:
            continue
        burden = {d: _burden(ctx, idx[d], c) for d in b.compared}
        total_c = _sum_var(ctx, f"burden_compared_{c}", list(burden.values()), ub)
        devs = []
        for d in b.compared:
            r = b.category_weights[c].get(d, 0.0)
            devs.append(q * burden[d] - round(r * q) * total_c)
        terms.append(w * _max_abs(ctx, f"max_dev_{c}", devs, ub))
    terms.extend(q * p.weight * p.expr for p in rotation)
    return Stage("categories", sum(terms), q)


def municipalities_stage(ctx: BuildCtx, b: Basis, q: int) -> Stage:
    by_muni: dict[str, list[int]] = defaultdict(list)
    for di, d in enumerate(ctx.doctors):
        by_muni[d.municipality].append(di)
    ub = q * (sum(s.points * s.doctors for s in ctx.shifts) + 1)
    total_ub = sum(s.points * s.doctors for s in ctx.shifts)
    burden = {
        m: _sum_var(ctx, f"burden_m[{m}]", [_burden(ctx, di) for di in dis], total_ub)
        for m, dis in by_muni.items()
    }
    all_b = _sum_var(ctx, "burden_all", list(burden.values()), total_ub)
    devs = [
        q * burden.get(m, 0) - round(key * q) * all_b for m, key in b.municipality_keys.items()
    ]
    return Stage("municipalities", _max_abs(ctx, "max_dev_municipality", devs, ub), q)


def spread_stage(ctx: BuildCtx, b: Basis) -> Stage:
    """Count duty days that come too close to another one for an even spread.

    For a doctor expected to take n duties in D days, the even gap is D/n days; two duty days
    inside half that gap are a cluster and cost one unit each.
    """
    ys = duty_days(ctx)
    days = (ctx.instance.period.end - ctx.instance.period.start).days + 1
    needed = sum(s.doctors for s in ctx.shifts if s.needed_always)
    terms = []
    for d, w in b.weights.items():
        di = ctx.doctor_index[d]
        expected = max(1.0, w * needed)
        window = max(2, min(14, int(days / expected / 2)))
        y = ys.get(di, {})
        for day in sorted(y):
            run = [y[day + k] for k in range(window) if day + k in y]
            if len(run) < 2:
                continue
            z = ctx.model.NewIntVar(0, len(run) - 1, f"cluster[{d},{day}]")
            ctx.model.Add(z >= sum(run) - 1)
            terms.append(z)
    return Stage("spread", sum(terms) if terms else 0, 1)


def penalty_stage(name: str, penalties: list[Penalty]) -> Stage:
    return Stage(name, sum(p.weight * p.expr for p in penalties) if penalties else 0, 1)


def fairness_basis(ctx: BuildCtx) -> Basis:
    return basis(ctx.instance)
