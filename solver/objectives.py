"""Fairness stages as CP-SAT objectives, built from roster.fairness (the one implementation).

Deviations are scaled by an integer Q so that fractional targets become integers; Q is chosen
from the instance so the rounding error stays below a thousandth of a point.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from roster.fairness import CATEGORIES, Basis, basis, in_category, integer_lower_bound, targets
from solver.builders import Penalty, duty_days
from solver.context import BuildCtx


@dataclass
class TotalInfo:
    """What the solver needs for the 'total' stage beyond its objective.

    The compared doctors' total burden B decides every target, and B moves with the
    back-ups a plan needs and with fixed-shift doctors' choices. Searching with B free is
    slow, so the solver first steers with targets at the expected B (a guide), then
    minimises the exact objective from there. The bound is proven: for every B a better
    roster could have, the integer argument in roster.fairness.integer_lower_bound holds.
    """

    estimate: float
    burden_total: cp_model.IntVar
    burdens: dict[str, cp_model.IntVar]
    basis: Basis
    scale: int
    needed_range: tuple[int, int]  # compared doctors' burden without competence back-ups
    backup_factor: float  # back-up points per point of burden of doctors needing back-up
    backup_share: float  # sum of weights of doctors who may need a back-up
    backup_extra: float  # back-up points other (non-compared) doctors may need

    def fixed_total_devs(self, total: int) -> list[tuple[cp_model.IntVar, int]]:
        """(burden variable, scaled target) per compared doctor when B is held at `total`."""
        tg = targets(self.basis, total)
        return [(self.burdens[d], round(self.scale * tg[d])) for d in self.basis.compared]

    def guide_terms(self, model: cp_model.CpModel) -> list[cp_model.LinearExprT]:
        """|burden - target at the expected total| per compared doctor, in tenths of a point."""
        tg = targets(self.basis, round(self.estimate))
        terms: list[cp_model.LinearExprT] = []
        for d in self.basis.compared:
            var = model.get_int_var_from_proto_index(self.burdens[d].index)
            t = round(10 * tg[d])
            e = model.new_int_var(0, 10 * (abs(t) + 10_000), f"guide[{d}]")
            model.add(e >= 10 * var - t)
            model.add(e >= t - 10 * var)
            terms.append(e)
        return terms

    def total_range(self, better_than: float) -> tuple[int, int]:
        """Totals B that a roster with largest deviation below `better_than` can have."""
        lo, hi = self.needed_range
        carry = sum(self.basis.carry.values())
        a = self.backup_factor * self.backup_share
        beta = self.backup_factor * (
            self.backup_share * carry + len(self.basis.weights) * better_than
        )
        beta += self.backup_extra
        if a >= 1:
            return lo, hi * 10
        return lo, int(math.floor((hi + beta) / (1 - a)))

    def proven_bound(self, value: float) -> float:
        """A lower bound on the best largest deviation, valid given a roster of `value`."""
        lo, hi = self.total_range(value)
        return min(value, integer_lower_bound(self.basis, (lo, hi)))


@dataclass
class Stage:
    name: str
    objective: cp_model.LinearExprT
    scale: int = 1  # objective units per point (or per unit for counts)
    bound: float | None = None  # a bound proven outside CP-SAT (points)
    total: TotalInfo | None = None
    #: Builds a steering objective on a copy of the model from the current solution: deviations
    #: from targets held at the current totals (constants), which CP-SAT searches far better.
    guide: Callable[[cp_model.CpModel, list[int]], cp_model.LinearExprT] | None = None


def scale_for(ctx: BuildCtx, b: Basis) -> int:
    total = sum(s.points * s.doctors for s in ctx.shifts) + sum(abs(c) for c in b.carry.values())
    return max(1000, 1000 * int(total + 1))


def _burden(ctx: BuildCtx, di: int, pick: str | None = None) -> cp_model.IntVar:
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
    var = ctx.model.new_int_var(
        0, sum(p for p, _ in items), f"burden[{ctx.doctors[di].id},{pick or 'all'}]"
    )
    ctx.model.add(var == sum(p * v for p, v in items))
    cache[key] = var
    return var


def _sum_var(
    ctx: BuildCtx, name: str, terms: list[cp_model.LinearExprT], ub: int
) -> cp_model.IntVar:
    var = ctx.model.new_int_var(0, ub, name)
    ctx.model.add(var == sum(terms))
    return var


def _max_abs(
    ctx: BuildCtx, name: str, devs: Sequence[cp_model.LinearExprT], ub: int
) -> cp_model.IntVar:
    m = ctx.model.new_int_var(0, ub, name)
    for dev in devs:
        ctx.model.add(m >= dev)
        ctx.model.add(m >= -dev)
    return m


def total_stage(ctx: BuildCtx, b: Basis, q: int, holes: int = 0) -> Stage:
    """Largest deviation of any compared doctor's burden from target (points * q)."""
    idx = ctx.doctor_index
    burden = {d: _burden(ctx, idx[d]) for d in b.compared}
    total_ub = sum(s.points * s.doctors for s in ctx.shifts)
    big_b = _sum_var(ctx, "burden_compared", list(burden.values()), total_ub)
    carry_total = sum(b.carry.values())
    devs = []
    for d in b.compared:
        r = b.weights[d]
        const = round(q * (b.carry[d] - r * carry_total))
        devs.append(q * burden[d] - round(r * q) * big_b + const)
    ub = q * (total_ub + int(sum(abs(c) for c in b.carry.values())) + 1)
    m = _max_abs(ctx, "max_dev_total", devs, ub)
    factor, share, extra = _backup_terms(ctx, b)
    info = TotalInfo(
        estimate=expected_total(ctx, b, holes),
        burden_total=big_b,
        burdens=burden,
        basis=b,
        scale=q,
        needed_range=compared_burden_range(ctx, b, holes, with_backups=False),
        backup_factor=factor,
        backup_share=share,
        backup_extra=extra,
    )
    return Stage(
        "total",
        m,
        q,
        total=info,
        guide=lambda model, _solution: cp_model.LinearExpr.sum(info.guide_terms(model)),
    )


def _backup_terms(ctx: BuildCtx, b: Basis) -> tuple[float, float, float]:
    """How much back-up burden doctors who may need a back-up can bring (see total_range)."""
    backup_pts = [s.points for s in ctx.shifts if not s.needed_always]
    if not backup_pts:
        return 0.0, 0.0, 0.0
    kmax = max(backup_pts)
    share, pmin, extra = 0.0, math.inf, 0.0
    for di, d in enumerate(ctx.doctors):
        nc = [
            si
            for si, _ in ctx.by_doctor.get(di, [])
            if ctx.shifts[si].role.value == "primary" and not ctx.competent[(di, si)]
        ]
        if not nc:
            continue
        pmin = min(pmin, min(ctx.shifts[si].points for si in nc))
        if d.id in b.weights:
            share += b.weights[d.id]
        else:
            extra += kmax * (d.fixed_shifts if d.fixed_shifts is not None else len(nc))
    if share == 0 or pmin in (0, math.inf):
        return (0.0, 0.0, extra) if pmin != 0 else (0.0, 0.0, extra + kmax * len(ctx.shifts))
    return kmax / pmin, share, extra


def expected_total(ctx: BuildCtx, b: Basis, holes: int) -> float:
    """A fair roster's likely total for the compared doctors: the shifts they must cover, plus
    the back-ups their non-competent members bring, each taking their target share."""
    needed = [s for s in ctx.shifts if s.needed_always]
    base = sum(s.points * s.doctors for s in needed) - holes * (
        sum(s.points for s in needed) / max(1, len(needed))
    )
    for di, d in enumerate(ctx.doctors):
        if d.id not in b.weights and d.fixed_shifts is not None:
            pts = [ctx.shifts[si].points for si, _ in ctx.by_doctor.get(di, [])]
            base -= d.fixed_shifts * (sum(pts) / max(1, len(pts)))
    backup_pts = [s.points for s in ctx.shifts if not s.needed_always]
    per_backup = sum(backup_pts) / len(backup_pts) if backup_pts else 0.0
    factor = 0.0
    for did, w in b.weights.items():
        di = ctx.doctor_index[did]
        items = [(si, v) for si, v in ctx.by_doctor.get(di, []) if ctx.shifts[si].needed_always]
        if not items:
            continue
        nc = [si for si, _ in items if not ctx.competent[(di, si)]]
        avg = sum(ctx.shifts[si].points for si, _ in items) / len(items)
        factor += w * (len(nc) / len(items)) * (per_backup / avg if avg else 0.0)
    return base / max(0.05, 1.0 - factor)


def compared_burden_range(
    ctx: BuildCtx, b: Basis, holes: int, with_backups: bool = True
) -> tuple[int, int]:
    """The total burden the compared doctors can carry, given `holes` missing doctors."""
    needed = [s for s in ctx.shifts if s.needed_always]
    points = sorted({s.points for s in needed}) or [0]
    total = sum(s.points * s.doctors for s in needed)
    backup = (
        sum(s.points * s.doctors for s in ctx.shifts if not s.needed_always) if with_backups else 0
    )
    lo_all, hi_all = total - holes * points[-1], total - holes * points[0] + backup
    others_lo = others_hi = 0
    for di, d in enumerate(ctx.doctors):
        if d.id in b.weights:
            continue
        pts = sorted(ctx.shifts[si].points for si, _ in ctx.by_doctor.get(di, []))
        if d.fixed_shifts is not None:
            others_lo += sum(pts[: d.fixed_shifts])
            others_hi += sum(pts[-d.fixed_shifts :]) if d.fixed_shifts else 0
        else:
            others_hi += sum(pts)
    return max(0, lo_all - others_hi), hi_all - others_lo


def categories_stage(
    ctx: BuildCtx, b: Basis, q: int, weights: dict[str, int], rotation: list[Penalty]
) -> Stage:
    idx = ctx.doctor_index
    terms: list[cp_model.LinearExprT] = []
    guide_items: list[GuideItem] = []
    ub = q * (sum(s.points * s.doctors for s in ctx.shifts) + 1)
    for c in CATEGORIES:
        w = weights.get(c, 1)
        if w == 0:
            continue
        burden = {d: _burden(ctx, idx[d], c) for d in b.compared}
        total_c = category_total(ctx, b, c)
        devs = []
        for d in b.compared:
            r = b.category_weights[c].get(d, 0.0)
            devs.append(q * burden[d] - round(r * q) * total_c)
            guide_items.append((burden[d], total_c, r, w))
        terms.append(w * _max_abs(ctx, f"max_dev_{c}", devs, ub))
    terms.extend(q * p.weight * p.expr for p in rotation)
    return Stage(
        "categories",
        sum(terms),
        q,
        guide=_l1_guide(guide_items, [(10 * p.weight, p.expr) for p in rotation]),
    )


GuideItem = tuple[cp_model.IntVar, cp_model.IntVar, float, int]  # (burden, total, share, weight)


def category_total(ctx: BuildCtx, b: Basis, category: str) -> cp_model.IntVar:
    """The compared doctors' burden in a category, one variable (cached)."""
    cache: dict[str, cp_model.IntVar] = ctx.__dict__.setdefault("_category_total", {})
    if category not in cache:
        idx = ctx.doctor_index
        parts = [_burden(ctx, idx[d], category) for d in b.compared]
        ub = sum(s.points * s.doctors for s in ctx.shifts)
        cache[category] = _sum_var(ctx, f"burden_compared_{category}", list(parts), ub)
    return cache[category]


def _l1_guide(
    items: list[GuideItem], extra: list[tuple[int, cp_model.LinearExprT]] | None = None
) -> Callable[[cp_model.CpModel, list[int]], cp_model.LinearExprT]:
    """Sum of |burden - share * total| in tenths of a point, totals frozen at the solution."""

    def build(model: cp_model.CpModel, solution: list[int]) -> cp_model.LinearExprT:
        terms: list[cp_model.LinearExprT] = []
        for burden, total, share, weight in items:
            target = round(10 * share * solution[total.index])
            var = model.get_int_var_from_proto_index(burden.index)
            e = model.new_int_var(0, 10 * (abs(target) + 100_000), f"guide[{burden.name}]")
            model.add(e >= 10 * var - target)
            model.add(e >= target - 10 * var)
            terms.append(weight * e)
        for weight, expr in extra or []:
            terms.append(weight * _rebind(model, expr))
        return sum(terms)

    return build


def _rebind(model: cp_model.CpModel, expr: cp_model.LinearExprT) -> cp_model.LinearExprT:
    """The same variable in a cloned model (soft-rule penalties here are single literals)."""
    if not isinstance(expr, cp_model.IntVar):
        raise TypeError("guide penalties must be single variables")
    return model.get_int_var_from_proto_index(expr.index)


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
    devs = [q * burden.get(m, 0) - round(key * q) * all_b for m, key in b.municipality_keys.items()]
    items: list[GuideItem] = [
        (burden[m], all_b, key, 1) for m, key in b.municipality_keys.items() if m in burden
    ]
    return Stage(
        "municipalities", _max_abs(ctx, "max_dev_municipality", devs, ub), q, guide=_l1_guide(items)
    )


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
            z = ctx.model.new_int_var(0, len(run) - 1, f"cluster[{d},{day}]")
            ctx.model.add(z >= sum(run) - 1)
            terms.append(z)
    return Stage("spread", sum(terms) if terms else 0, 1)


def penalty_stage(name: str, penalties: list[Penalty]) -> Stage:
    return Stage(name, sum(p.weight * p.expr for p in penalties) if penalties else 0, 1)


def fairness_basis(ctx: BuildCtx) -> Basis:
    """The instance's fairness basis, computed once per build (it walks every pair)."""
    cached: Basis | None = getattr(ctx, "_basis", None)
    if cached is None:
        cached = basis(ctx.instance)
        ctx._basis = cached  # type: ignore[attr-defined]
    return cached
