"""Fairness stages as CP-SAT objectives, built from roster.targets (the one definition of
what each doctor should carry).

Targets are constants: every duty is shared among the doctors who can take it, so a doctor's
target for points, each shift type and each category does not depend on the roster. Points
deviations are scaled by an integer Q so that fractional targets become integers; Q is chosen
from the instance so the rounding error stays below a thousandth of a point. Counts are held
to their band: the whole numbers on either side of the target.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model
from ortools.sat.python.cp_model import LinearExpr

from roster.fairness import CATEGORIES, Basis, basis, in_category
from roster.formats.exchange import Roster
from roster.targets import band, integer_lower_bound
from solver.builders import Penalty, duty_days
from solver.context import BuildCtx
from solver.plan import CountPlan

#: Extra cost per duty beyond the first outside a doctor's band (a breach costs more the
#: larger it is, so one doctor is not made to carry every unavoidable difference).
BAND_ESCALATION = 4


@dataclass
class Stage:
    name: str
    objective: cp_model.LinearExprT
    scale: int = 1  # objective units per point (or per unit for counts)
    bound: float | None = None  # a bound proven outside CP-SAT (points)
    floor: int = 0  # value that is proven optimal (stop there)
    stop: int | None = None  # value at which the search stops, proven best to a small step
    #: The variable whose value is the stage's result, when the objective adds a secondary
    #: term to steer the search (e.g. the largest deviation plus, lightly, the sum of all).
    measure: cp_model.IntVar | None = None
    #: Objective value at which the search may stop (default: the measure reaches `floor`).
    done_at: int | None = None
    #: Held at its value for the stages after (default: the measure, or the objective).
    hold: cp_model.LinearExprT | None = None
    #: The part of the value a rule may be named for when the stage is proven at its best
    #: (categories: the duties outside the bands alone, not the big-holiday rotation).
    explained: cp_model.IntVar | None = None

    def value_in(self, solution: Sequence[int], objective: float) -> float:
        """The stage's value in a solution (objective units)."""
        return float(solution[self.measure.index]) if self.measure is not None else objective

    def fixed(self) -> cp_model.LinearExprT:
        """What later stages keep at (or near) this stage's value."""
        if self.hold is not None:
            return self.hold
        return self.measure if self.measure is not None else self.objective


def scale_for(ctx: BuildCtx, b: Basis) -> int:
    total = sum(s.points * s.doctors for s in ctx.shifts) + sum(abs(c) for c in b.carry.values())
    return max(1000, 1000 * int(total + 1))


def _cache(ctx: BuildCtx) -> dict[tuple[object, ...], cp_model.IntVar]:
    cache: dict[tuple[object, ...], cp_model.IntVar] = ctx.__dict__.setdefault("_sums", {})
    return cache


def burden(ctx: BuildCtx, di: int) -> cp_model.IntVar:
    """A doctor's burden points as one integer variable (keeps stage constraints sparse)."""
    cache = _cache(ctx)
    key = ("points", di)
    if key not in cache:
        items = [(ctx.shifts[si].points, v) for si, v in ctx.by_doctor.get(di, [])]
        var = ctx.model.new_int_var(0, sum(p for p, _ in items), f"points[{ctx.doctors[di].id}]")
        ctx.model.add(var == LinearExpr.weighted_sum([v for _, v in items], [p for p, _ in items]))
        cache[key] = var
    return cache[key]


def count(ctx: BuildCtx, di: int, kind: str, value: str) -> cp_model.IntVar:
    """How many duties of a shift type (kind 'type') or category (kind 'category')."""
    cache = _cache(ctx)
    key = (kind, value, di)
    if key not in cache:
        if kind == "type":
            vs = [v for si, v in ctx.by_doctor.get(di, []) if ctx.shifts[si].type_id == value]
        else:
            vs = [v for si, v in ctx.by_doctor.get(di, []) if in_category(ctx.shifts[si], value)]
        var = ctx.model.new_int_var(0, len(vs), f"{kind}[{ctx.doctors[di].id},{value}]")
        ctx.model.add(var == LinearExpr.sum(vs))
        cache[key] = var
    return cache[key]


def _sum_var(
    ctx: BuildCtx, name: str, terms: list[cp_model.LinearExprT], ub: int
) -> cp_model.IntVar:
    var = ctx.model.new_int_var(0, ub, name)
    ctx.model.add(var == LinearExpr.sum(terms))
    return var


def _max_abs(
    ctx: BuildCtx, name: str, devs: Sequence[cp_model.LinearExprT], ub: int
) -> cp_model.IntVar:
    m = ctx.model.new_int_var(0, ub, name)
    for dev in devs:
        ctx.model.add(m >= dev)
        ctx.model.add(m >= -dev)
    return m


def total_stage(
    ctx: BuildCtx,
    b: Basis,
    q: int,
    holes: int = 0,
    known: float | None = None,
    good_enough: float | None = None,
) -> Stage:
    """Largest deviation of any compared doctor's points from target (points * q), with the
    integer bound: no roster can do better. `known`: a bound proven elsewhere for the rosters
    this stage may choose from (the count plan's, when every count is in its band), and
    `good_enough` a value no roster beats by more than the plan's search step.

    The largest deviation alone is flat: many rosters share it, and bringing one of several
    doctors at it closer changes nothing. So the objective adds every doctor's deviation,
    steeper the larger it is (beyond half a point, one point, two points), which rewards
    each step toward the goal; the largest deviation still weighs most."""
    idx = ctx.doctor_index
    devs = [q * burden(ctx, idx[d]) - round(q * b.points[d]) for d in b.compared]
    total_ub = sum(s.points * s.doctors for s in ctx.shifts)
    ub = q * (total_ub + int(sum(abs(c) for c in b.carry.values())) + 1)
    m = _max_abs(ctx, "max_dev_total", devs, ub)
    targets = {d: b.points[d] for d in b.compared}
    bound = integer_lower_bound(targets, compared_burden_range(ctx, b, holes))
    bound = max(bound, known or 0.0)
    floor = max(0, int((bound - 0.0015) * q))
    steep: list[cp_model.LinearExprT] = []
    for d, dev in zip(b.compared, devs, strict=True):
        e = _max_abs(ctx, f"dev_total[{d}]", [dev], ub)
        steep.append(e)
        for k, (at, weight) in enumerate(STEPS):
            over = ctx.model.new_int_var(0, ub, f"dev_total_over[{d},{k}]")
            ctx.model.add(over >= e - round(at * q))
            steep.append(weight * over)
    objective = 4 * STEPS[-1][1] * len(devs) * m + LinearExpr.sum(steep)
    stop = round((good_enough + 1e-6) * q) if good_enough is not None else None
    return Stage("total", objective, q, bound=bound, floor=floor, measure=m, stop=stop)


#: Where a doctor's deviation gets steeper in the total stage's objective (points, weight).
STEPS = ((0.5, 8), (1.0, 64), (2.0, 512))


def compared_burden_range(ctx: BuildCtx, b: Basis, holes: int) -> tuple[int, int]:
    """The total points the compared doctors can carry, given `holes` missing doctors."""
    needed = [s for s in ctx.shifts if s.needed_always]
    points = sorted({s.points for s in needed}) or [0]
    total = sum(s.points * s.doctors for s in needed)
    backup = sum(s.points * s.doctors for s in ctx.shifts if not s.needed_always)
    lo_all, hi_all = total - holes * points[-1], total - holes * points[0] + backup
    others_lo = others_hi = 0
    compared = set(b.compared)
    for di, d in enumerate(ctx.doctors):
        if d.id in compared:
            continue
        pts = sorted(ctx.shifts[si].points for si, _ in ctx.by_doctor.get(di, []))
        if d.fixed_shifts is not None:
            others_lo += sum(pts[: d.fixed_shifts])
            others_hi += sum(pts[-d.fixed_shifts :]) if d.fixed_shifts else 0
        else:
            others_hi += sum(pts)
    return max(0, lo_all - others_hi), hi_all - others_lo


def changes_stage(ctx: BuildCtx, b: Basis, q: int, previous: Roster, allowance: float) -> Stage:
    """Re-planning: the fewest of the previous roster's duties moved, with every compared
    doctor's points within `allowance` of target where the rules allow (points beyond it
    weigh more than any number of changes). The stage's value is the number of changes."""
    terms: list[cp_model.LinearExprT] = []
    lost = 0
    for a in previous.assignments:
        di, si = ctx.doctor_index.get(a.doctor_id), ctx.shift_index.get(a.shift_id)
        var = ctx.x.get((di, si)) if di is not None and si is not None else None
        if var is None:
            lost += 1
        else:
            terms.append(1 - var)
    moved = ctx.model.new_int_var(lost, lost + len(terms), "changes")
    ctx.model.add(moved == lost + LinearExpr.sum(terms))
    total_ub = sum(s.points * s.doctors for s in ctx.shifts)
    ub = q * (total_ub + int(sum(abs(c) for c in b.carry.values())) + 1)
    beyond: list[cp_model.IntVar] = []
    for d in b.compared:
        dev = q * burden(ctx, ctx.doctor_index[d]) - round(q * b.points[d])
        e = ctx.model.new_int_var(0, ub, f"beyond_allowance[{d}]")
        ctx.model.add(e >= dev - round(allowance * q))
        ctx.model.add(e >= -dev - round(allowance * q))
        beyond.append(e)
    weight = len(previous.assignments) + len(ctx.shifts) + 1
    objective = moved + weight * LinearExpr.sum(beyond)
    # Nothing is better than keeping every duty that can be kept with everyone within the
    # allowance: the search may stop there.
    # Later stages keep both: no more changes, and nobody further beyond the allowance.
    return Stage("changes", objective, 1, measure=moved, done_at=lost, hold=objective)


def plan_distance(ctx: BuildCtx, plan: CountPlan) -> cp_model.IntVar:
    """Sum over doctors and cells of |duties in the cell - the count plan's number|: a guide
    toward a roster whose counts are the plan's (solver.plan)."""
    per: dict[tuple[int, int], list[cp_model.IntVar]] = defaultdict(list)
    for (di, si), v in ctx.x.items():
        per[(di, plan.cell_of[si])].append(v)
    terms: list[cp_model.LinearExprT] = []
    for (di, ci), vs in sorted(per.items()):
        want = plan.planned(di, ci)
        e = ctx.model.new_int_var(0, max(len(vs), want), f"off_plan[{ctx.doctors[di].id},{ci}]")
        have = LinearExpr.sum(vs)
        ctx.model.add(e >= have - want)
        ctx.model.add(e >= want - have)
        terms.append(e)
    dist = ctx.model.new_int_var(0, 2 * len(ctx.x) + 1, "off_plan")
    ctx.model.add(dist == LinearExpr.sum(terms))
    return dist


@dataclass(frozen=True)
class BandTerm:
    """One count held to its band: (doctor index, 'type'|'category', value, lo, hi, weight)."""

    di: int
    kind: str
    value: str
    lo: int
    hi: int
    weight: int


def band_terms(ctx: BuildCtx, b: Basis, weights: dict[str, int]) -> list[BandTerm]:
    """Every count a doctor is held to: per shift type and per category, for the compared
    doctors and those with an agreed number of duties."""
    out: list[BandTerm] = []
    idx = ctx.doctor_index
    for d in b.doctors:
        di = idx[d]
        for t, target in b.types[d].items():
            lo, hi = band(target)
            out.append(BandTerm(di, "type", t, lo, hi, weights.get("types", 1)))
        for c in CATEGORIES:
            w = weights.get(c, 1)
            if w == 0:
                continue
            lo, hi = band(b.categories[d][c])
            out.append(BandTerm(di, "category", c, lo, hi, w))
    return out


def categories_stage(
    ctx: BuildCtx,
    b: Basis,
    weights: dict[str, int],
    rotation: list[Penalty],
) -> Stage:
    """Duties outside each doctor's band, per shift type and per category (weighted, and
    more for each duty beyond the first), plus the big-holiday rotation.
    """
    terms: list[cp_model.LinearExprT] = []
    for t in band_terms(ctx, b, weights):
        c = count(ctx, t.di, t.kind, t.value)
        name = f"{ctx.doctors[t.di].id},{t.kind}:{t.value}"
        out = ctx.model.new_int_var(0, max(c.proto.domain[-1], t.hi), f"outside[{name}]")
        ctx.model.add(out >= c - t.hi)
        ctx.model.add(out >= t.lo - c)
        extra = ctx.model.new_int_var(0, max(c.proto.domain[-1], t.hi), f"beyond[{name}]")
        ctx.model.add(extra >= out - 1)
        terms.append(t.weight * (out + BAND_ESCALATION * extra))
    band_ub = sum(
        t.weight * (1 + BAND_ESCALATION) * len(ctx.shifts) for t in band_terms(ctx, b, weights)
    )
    bands = ctx.model.new_int_var(0, band_ub, "outside_bands_only")
    ctx.model.add(bands == LinearExpr.sum(terms))
    outside = ctx.model.new_int_var(0, band_ub + sum(p.weight for p in rotation), "outside_bands")
    ctx.model.add(outside == bands + LinearExpr.sum([p.weight * p.expr for p in rotation]))
    return Stage("categories", outside, 1, bound=0.0, explained=bands)


def municipalities_stage(ctx: BuildCtx, b: Basis, q: int) -> Stage:
    """Largest deviation of a member municipality's points from its key, counted in the
    shift types it takes part in."""
    by_muni: dict[str, list[int]] = defaultdict(list)
    for di, d in enumerate(ctx.doctors):
        by_muni[d.municipality].append(di)
    total_ub = sum(s.points * s.doctors for s in ctx.shifts)
    ub = q * (total_ub + 1)
    devs = []
    for m, target in b.municipalities.items():
        parts: list[cp_model.LinearExprT] = [burden(ctx, di) for di in by_muni.get(m, [])]
        pts = _sum_var(ctx, f"points_m[{m}]", parts, total_ub)
        devs.append(q * pts - round(q * target))
    return Stage("municipalities", _max_abs(ctx, "max_dev_municipality", devs, ub), q)


def spread_stage(ctx: BuildCtx, b: Basis) -> Stage:
    """Count duty days that come too close to another one for an even spread.

    For a doctor expected to take n duties in D days, the even gap is D/n days; two duty days
    inside half that gap are a cluster and cost one unit each. Doctors with an agreed number
    of duties are held to it too.
    """
    ys = duty_days(ctx)
    days = (ctx.instance.period.end - ctx.instance.period.start).days + 1
    terms = []
    for d in b.doctors:
        di = ctx.doctor_index[d]
        expected = max(1.0, sum(b.types[d].values()))
        window = max(2, min(14, int(days / expected / 2)))
        y = ys.get(di, {})
        for day in sorted(y):
            run = [y[day + k] for k in range(window) if day + k in y]
            if len(run) < 2:
                continue
            z = ctx.model.new_int_var(0, len(run) - 1, f"cluster[{d},{day}]")
            ctx.model.add(z >= LinearExpr.sum(run) - 1)
            terms.append(z)
    return Stage("spread", LinearExpr.sum(terms) if terms else 0, 1)


def penalty_stage(name: str, penalties: list[Penalty]) -> Stage:
    return Stage(name, sum(p.weight * p.expr for p in penalties) if penalties else 0, 1)


def fairness_basis(ctx: BuildCtx) -> Basis:
    """The instance's fairness basis, computed once per build (it walks every pair)."""
    cached: Basis | None = getattr(ctx, "_basis", None)
    if cached is None:
        cached = basis(ctx.instance)
        ctx._basis = cached  # type: ignore[attr-defined]
    return cached


StageMaker = Callable[[], Stage]
