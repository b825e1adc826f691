"""One builder per rule id: adds the rule to the CP-SAT model.

Rules that depend on one (doctor, shift) pair only (pool, exemptions, absence, courses, the
practice-day part of rest) are applied when variables are created (solver.context
.static_reason): an excluded pair has no variable. The builders here add the rules that tie
several assignments together. Soft rules return named penalty terms.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ortools.sat.python import cp_model

from roster.calendar import Shift, iso_week
from roster.eligibility import big_holiday_year, wish_matches
from roster.model import Role
from roster.rest import duty_rest_short, longest_rest_minutes
from roster.rules import (
    BigHolidayRotationParams,
    MaxCountParams,
    MinGapDaysParams,
    WishesParams,
)
from solver.context import BuildCtx


@dataclass(frozen=True)
class Penalty:
    """A named soft-rule term: minimise `weight * var` summed over a rule's terms."""

    rule: str
    name: str
    expr: cp_model.LinearExprT
    weight: int = 1


Builder = Callable[[BuildCtx], list[Penalty]]

#: Rules applied by leaving out variables for pairs they forbid (see solver.context).
STATIC_RULES = frozenset(
    {
        "pool",
        "absence",
        "age_exemption",
        "age_exemption_local",
        "pregnancy_exemption",
        "breastfeeding_exemption",
        "granted_exemption",
        "courses_required",
        "day_off_after_night",
        "competence_backup",
        "rest",
    }
)


def _sum(terms: Iterable[cp_model.LinearExprT]) -> cp_model.LinearExpr:
    """A flat sum (Python's sum() nests one expression per term, slow on large models)."""
    return cp_model.LinearExpr.sum(list(terms))


def _enforced(ctx: BuildCtx, ct: cp_model.Constraint, group: str) -> None:
    ct.only_enforce_if(ctx.literal(group))


def build_coverage(ctx: BuildCtx) -> list[Penalty]:
    """Each shift gets the doctors it needs; a hole is allowed but costs (stage 'coverage')."""
    out = []
    for si, s in enumerate(ctx.shifts):
        vars_ = [v for _, v in ctx.by_shift.get(si, [])]
        if s.needed_always:
            hole = ctx.model.new_int_var(0, s.doctors, f"hole[{s.id}]")
            ctx.holes[si] = hole
            ctx.model.add(_sum(vars_) + hole == s.doctors)
            out.append(Penalty("coverage", f"hole[{s.id}]", hole))
        elif vars_:
            ctx.model.add(_sum(vars_) <= s.doctors)
    return out


def _overlap_cliques(
    shifts: list[Shift], items: list[tuple[int, cp_model.IntVar]]
) -> list[list[cp_model.IntVar]]:
    """Maximal groups of a doctor's shifts that all overlap one moment (sweep over starts)."""
    events = sorted(items, key=lambda it: shifts[it[0]].t0)
    cliques: list[list[cp_model.IntVar]] = []
    active: list[tuple[int, cp_model.IntVar]] = []
    added = False
    for si, v in events:
        t0 = shifts[si].t0
        still = [(sj, w) for sj, w in active if shifts[sj].t1 > t0]
        if len(still) < len(active):
            if added and len(active) >= 2:
                cliques.append([w for _, w in active])
            added = False
        active = [*still, (si, v)]
        added = True
    if added and len(active) >= 2:
        cliques.append([w for _, w in active])
    return cliques


def build_one_at_a_time(ctx: BuildCtx) -> list[Penalty]:
    for items in ctx.by_doctor.values():
        for group in _overlap_cliques(ctx.shifts, items):
            _enforced(ctx, ctx.model.add(_sum(group) <= 1), "one_at_a_time")
    return []


def build_rest(ctx: BuildCtx) -> list[Penalty]:
    """Two duties of one doctor leave the rest the heavier of them requires between them (a
    duty that starts exactly when the other ends continues the same work period). Rest
    against the practice day is applied when variables are created."""
    rules = ctx.instance.rules
    window = longest_rest_minutes(rules, ctx.instance.period.dates())
    for items in ctx.by_doctor.values():
        starts = [ctx.shifts[si].t0 for si, _ in items]
        for si, v in items:
            s = ctx.shifts[si]
            k = bisect.bisect_right(starts, s.t1)
            while k < len(items) and starts[k] < s.t1 + window:
                sj, w = items[k]
                if duty_rest_short(s, ctx.shifts[sj], rules) is not None:
                    _enforced(ctx, ctx.model.add(v + w <= 1), "rest")
                k += 1
    return []


def duty_days(ctx: BuildCtx) -> dict[int, dict[int, cp_model.IntVar]]:
    """y[d][ordinal date] = 1 if the doctor has any duty starting that date (cached)."""
    cached: dict[int, dict[int, cp_model.IntVar]] | None = getattr(ctx, "_duty_days", None)
    if cached is not None:
        return cached
    out: dict[int, dict[int, cp_model.IntVar]] = {}
    for di, items in ctx.by_doctor.items():
        per_day: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        for si, v in items:
            per_day[ctx.shifts[si].date.toordinal()].append(v)
        ys = {}
        for day, vs in per_day.items():
            if len(vs) == 1:
                ys[day] = vs[0]
                continue
            y = ctx.model.new_bool_var(f"y[{ctx.doctors[di].id},{day}]")
            for v in vs:
                ctx.model.add_implication(v, y)  # y may only be 1 more often: it only restricts
            ys[day] = y
        out[di] = ys
    ctx._duty_days = out  # type: ignore[attr-defined]
    return out


def build_min_gap_days(ctx: BuildCtx) -> list[Penalty]:
    """At most one duty day in any run of `days` days; on one day, several duties only when
    each starts as the previous ends (evening straight into night)."""
    rules = ctx.instance.rules
    ys = duty_days(ctx)
    shifts = ctx.shifts
    ordinal = [s.date.toordinal() for s in shifts]
    gaps: dict[int, MinGapDaysParams] = {}  # per date: the same for every doctor
    for di, items in ctx.by_doctor.items():
        per_day: dict[int, list[tuple[int, cp_model.IntVar]]] = defaultdict(list)
        for si, v in items:
            per_day[ordinal[si]].append((si, v))
        y = ys[di]
        for day, day_items in per_day.items():
            p = gaps.get(day)
            if p is None:
                p = gaps[day] = rules.params(
                    "min_gap_days", shifts[day_items[0][0]].date, MinGapDaysParams
                )
            if p.days == 0:
                continue
            window = [y[day + k] for k in range(p.days) if day + k in y]
            if len(window) >= 2:
                _enforced(ctx, ctx.model.add(_sum(window) <= 1), "min_gap_days")
            for i, (si, v) in enumerate(day_items):
                for sj, w in day_items[i + 1 :]:
                    a, b = shifts[si], shifts[sj]
                    if b.t0 < a.t0:
                        a, b = b, a
                    if a.t1 > b.t0:
                        continue  # overlapping: one_at_a_time
                    if p.allow_back_to_back and a.t1 == b.t0:
                        continue
                    _enforced(ctx, ctx.model.add(v + w <= 1), "min_gap_days")
    return []


def _cap(ctx: BuildCtx, rule: str, pick: Callable[[Shift], bool]) -> None:
    p = ctx.instance.rules.params(rule, ctx.instance.period.start, MaxCountParams)
    if p.max is None:
        return
    for di, items in ctx.by_doctor.items():
        vs = [v for si, v in items if pick(ctx.shifts[si])]
        if len(vs) > p.max:
            _enforced(ctx, ctx.model.add(_sum(vs) <= p.max), f"{rule}:{ctx.doctors[di].id}")


def build_max_nights(ctx: BuildCtx) -> list[Penalty]:
    _cap(ctx, "max_nights", lambda s: s.is_night)
    return []


def build_max_duties(ctx: BuildCtx) -> list[Penalty]:
    _cap(ctx, "max_duties", lambda s: True)
    return []


def build_max_duties_per_week(ctx: BuildCtx) -> list[Penalty]:
    """At most `max` duties per doctor in each ISO week (by the duty's start date); the cap
    may change with the rule's dated versions, so it is read per week."""
    for di, items in ctx.by_doctor.items():
        weeks: dict[tuple[int, int], list[cp_model.IntVar]] = defaultdict(list)
        first: dict[tuple[int, int], Shift] = {}
        for si, v in items:
            s = ctx.shifts[si]
            week = iso_week(s.date)
            weeks[week].append(v)
            first.setdefault(week, s)
        for week, vs in weeks.items():
            day = first[week].date
            cap = ctx.instance.rules.params("max_duties_per_week", day, MaxCountParams).max
            if cap is not None and len(vs) > cap:
                name = f"max_duties_per_week:{ctx.doctors[di].id}"
                _enforced(ctx, ctx.model.add(_sum(vs) <= cap), name)
    return []


def build_max_weekends(ctx: BuildCtx) -> list[Penalty]:
    p = ctx.instance.rules.params("max_weekends", ctx.instance.period.start, MaxCountParams)
    if p.max is None:
        return []
    for di, items in ctx.by_doctor.items():
        weeks: dict[tuple[int, int], list[cp_model.IntVar]] = defaultdict(list)
        for si, v in items:
            s = ctx.shifts[si]
            if s.date.weekday() >= 5:
                iso = s.date.isocalendar()
                weeks[(iso[0], iso[1])].append(v)
        if len(weeks) <= p.max:
            continue
        ws = []
        for key, vs in weeks.items():
            w = ctx.model.new_bool_var(f"weekend[{ctx.doctors[di].id},{key}]")
            ctx.model.add_max_equality(w, vs)
            ws.append(w)
        _enforced(ctx, ctx.model.add(_sum(ws) <= p.max), f"max_weekends:{ctx.doctors[di].id}")
    return []


def build_fixed_shifts(ctx: BuildCtx) -> list[Penalty]:
    for di, d in enumerate(ctx.doctors):
        if d.fixed_shifts is None:
            continue
        vs = [v for _, v in ctx.by_doctor.get(di, [])]
        _enforced(ctx, ctx.model.add(_sum(vs) == d.fixed_shifts), f"fixed_shifts:{d.id}")
    return []


def build_competence_backup(ctx: BuildCtx) -> list[Penalty]:
    """A primary who may not work alone needs a staffed kompetansebakvakt covering the whole
    shift; a back-up is staffed only when some primary it covers needs it."""
    backups = [(ti, t) for ti, t in enumerate(ctx.shifts) if t.role == Role.backup_competence]
    by_day: dict[int, list[int]] = defaultdict(list)
    for ti, t in backups:
        by_day[t.date.toordinal()].append(ti)
    covered_by: dict[int, list[int]] = defaultdict(list)
    covers: dict[int, list[int]] = defaultdict(list)
    for si, s in enumerate(ctx.shifts):
        if s.role != Role.primary:
            continue
        for day in (s.date.toordinal() - 1, s.date.toordinal()):
            for ti in by_day.get(day, []):
                if ctx.shifts[ti].backs_up(s):
                    covered_by[si].append(ti)
                    covers[ti].append(si)

    def staffed(ti: int) -> cp_model.LinearExprT:
        return _sum(v for _, v in ctx.by_shift.get(ti, []))

    def need(si: int) -> list[cp_model.IntVar]:
        return [v for di, v in ctx.by_shift.get(si, []) if not ctx.competent[(di, si)]]

    for si, _ in enumerate(ctx.shifts):
        for v in need(si):
            cover = [staffed(ti) for ti in covered_by.get(si, [])]
            if cover:
                _enforced(ctx, ctx.model.add(v <= _sum(cover)), "competence_backup")
            else:
                _enforced(ctx, ctx.model.add(v == 0), "competence_backup")
    for ti, _ in backups:
        if not ctx.by_shift.get(ti):
            continue
        needs = [v for si in covers.get(ti, []) for v in need(si)]
        _enforced(ctx, ctx.model.add(staffed(ti) <= _sum(needs)), "competence_backup")
    return []


def build_big_holiday_rotation(ctx: BuildCtx) -> list[Penalty]:
    seen = {(h.doctor, h.holiday, h.year) for h in ctx.instance.history.big_holidays}
    out = []
    for (di, si), v in ctx.x.items():
        s = ctx.shifts[si]
        if s.big_holiday is None:
            continue
        d = ctx.doctors[di]
        p = ctx.instance.rules.params("big_holiday_rotation", s.date, BigHolidayRotationParams)
        year = big_holiday_year(s.date, s.big_holiday)
        if any((d.id, s.big_holiday, year - k) in seen for k in range(1, p.years + 1)):
            out.append(Penalty("big_holiday_rotation", f"again[{d.id},{s.id}]", v, s.points))
    return out


def build_wishes(ctx: BuildCtx) -> list[Penalty]:
    """Avoid-wishes cost their weight per matching duty; a want-wish costs its weight once
    when the doctor gets none of the duties it names."""
    out: list[Penalty] = []
    for di, d in enumerate(ctx.doctors):
        for k, w in enumerate(d.wishes):
            matching = [
                (ctx.shifts[si], v)
                for si, v in ctx.by_doctor.get(di, [])
                if wish_matches(w.start, w.end, w.shift_types, ctx.shifts[si])
                and ctx.instance.rules.params("wishes", ctx.shifts[si].date, WishesParams).enabled
            ]
            if not w.want:
                out += [
                    Penalty("wishes", f"avoid[{d.id},{s.id}]", v, w.weight) for s, v in matching
                ]
                continue
            met = ctx.model.new_bool_var(f"wish_met[{d.id},{k}]")
            ctx.model.add(met <= _sum(v for _, v in matching))
            out.append(Penalty("wishes", f"want[{d.id},{k}]", 1 - met, w.weight))
    return out


BUILDERS: dict[str, Builder] = {
    "coverage": build_coverage,
    "one_at_a_time": build_one_at_a_time,
    "rest": build_rest,
    "min_gap_days": build_min_gap_days,
    "max_nights": build_max_nights,
    "max_weekends": build_max_weekends,
    "max_duties": build_max_duties,
    "max_duties_per_week": build_max_duties_per_week,
    "fixed_shifts": build_fixed_shifts,
    "competence_backup": build_competence_backup,
    "big_holiday_rotation": build_big_holiday_rotation,
    "wishes": build_wishes,
}
