"""A fast first roster: walk the calendar and give each shift to the eligible doctor furthest
below their fair share so far, keeping every hard rule the model has.

It is the CP-SAT search's starting point (a complete hint), and the roster returned if the
time limit leaves no room for the search to find one. It only uses pairs that have a variable
and checks the same constraints the builders add, in their stricter solver form.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from roster.fairness import Basis
from roster.model import Mode, Role
from roster.rules import MaxCountParams, MinGapDaysParams, RestAfterDutyParams
from solver.context import BuildCtx, Pair


@dataclass
class _State:
    duties: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    days: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    points: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    nights: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    weekends: dict[int, set[tuple[int, int]]] = field(default_factory=lambda: defaultdict(set))
    assigned: set[Pair] = field(default_factory=set)
    total: int = 0


def _caps(ctx: BuildCtx) -> dict[str, int | None]:
    day = ctx.instance.period.start
    return {
        r: ctx.instance.rules.params(r, day, MaxCountParams).max
        for r in ("max_nights", "max_weekends", "max_duties")
    }


def _fits(ctx: BuildCtx, st: _State, di: int, si: int, caps: dict[str, int | None]) -> bool:
    s = ctx.shifts[si]
    d = ctx.doctors[di]
    if (di, si) not in ctx.x:
        return False
    if d.fixed_shifts is not None and len(st.duties[di]) >= d.fixed_shifts:
        return False
    if caps["max_duties"] is not None and len(st.duties[di]) >= caps["max_duties"]:
        return False
    if s.is_night and caps["max_nights"] is not None and st.nights[di] >= caps["max_nights"]:
        return False
    if s.date.weekday() >= 5 and caps["max_weekends"] is not None:
        week = tuple(s.date.isocalendar())[:2]
        if week not in st.weekends[di] and len(st.weekends[di]) >= caps["max_weekends"]:
            return False
    rules = ctx.instance.rules
    gap = rules.params("min_gap_days", s.date, MinGapDaysParams)
    day = s.date.toordinal()
    for other in st.duties[di]:
        u = ctx.shifts[other]
        if u.t0 < s.t1 and s.t0 < u.t1:
            return False  # overlap
        first, second = (u, s) if u.t0 <= s.t0 else (s, u)
        p = rules.params("rest_after_duty", first.date, RestAfterDutyParams)
        if first.mode == Mode.onsite or p.applies_to_standby:
            if first.t1 < second.t0 < first.t1 + round(p.min_rest_hours * 60):
                return False
        if u.date == s.date and gap.days > 0:
            if not (gap.allow_back_to_back and (first.t1 == second.t0)):
                return False
    if gap.days > 1 and any(abs(day - other) < gap.days and other != day for other in st.days[di]):
        return False
    return True


def _take(ctx: BuildCtx, st: _State, di: int, si: int) -> None:
    s = ctx.shifts[si]
    st.duties[di].append(si)
    st.days[di].add(s.date.toordinal())
    st.points[di] += s.points
    st.total += s.points
    st.assigned.add((di, si))
    if s.is_night:
        st.nights[di] += 1
    if s.date.weekday() >= 5:
        st.weekends[di].add(tuple(s.date.isocalendar())[:2])  # type: ignore[arg-type]


def _deficit(ctx: BuildCtx, st: _State, b: Basis, di: int) -> float:
    d = ctx.doctors[di]
    if d.fixed_shifts is not None:
        return 1e6 * (d.fixed_shifts - len(st.duties[di]))
    share = b.weights.get(d.id)
    if share is None:
        return -1e6
    pot = st.total + sum(b.carry.values())
    return share * pot - b.carry.get(d.id, 0.0) - st.points[di]


def construct(ctx: BuildCtx, b: Basis) -> set[Pair]:
    """A complete assignment (pairs set to 1); shifts nobody can take are left as holes."""
    st = _State()
    caps = _caps(ctx)
    covering: dict[int, list[int]] = defaultdict(list)
    for ti, t in enumerate(ctx.shifts):
        if t.role != Role.backup_competence:
            continue
        for si, s in enumerate(ctx.shifts):
            if s.role == Role.primary and s.type_id in t.covers and t.t0 <= s.t0 and s.t1 <= t.t1:
                covering[si].append(ti)
    order = sorted(
        (si for si, s in enumerate(ctx.shifts) if s.needed_always),
        key=lambda i: (ctx.shifts[i].t0, ctx.shifts[i].type_id),
    )
    for si in order:
        s = ctx.shifts[si]
        for _ in range(s.doctors):
            ranked = sorted(
                (
                    di
                    for di, _ in ctx.by_shift.get(si, [])
                    if (di, si) not in st.assigned and _fits(ctx, st, di, si, caps)
                ),
                key=lambda di: (-_deficit(ctx, st, b, di), ctx.doctors[di].id),
            )
            for di in ranked:
                if ctx.competent.get((di, si), True):
                    _take(ctx, st, di, si)
                    break
                backup = _backup_for(ctx, st, b, di, si, covering.get(si, []), caps)
                if backup is not None:
                    _take(ctx, st, di, si)
                    if backup != COVERED:
                        _take(ctx, st, *backup)
                    break
    return st.assigned


COVERED = (-1, -1)


def _backup_for(
    ctx: BuildCtx,
    st: _State,
    b: Basis,
    di: int,
    si: int,
    options: list[int],
    caps: dict[str, int | None],
) -> tuple[int, int] | None:
    """A back-up for a primary who may not work alone: COVERED when one already covers the
    shift, a new (doctor, shift) pair, or None when nobody can."""
    for ti in options:
        staffed = [bi for bi, _ in ctx.by_shift.get(ti, []) if (bi, ti) in st.assigned]
        if staffed and di not in staffed:
            return COVERED
    for ti in options:
        if any((bi, ti) in st.assigned for bi, _ in ctx.by_shift.get(ti, [])):
            continue
        ranked = sorted(
            (bi for bi, _ in ctx.by_shift.get(ti, []) if bi != di and _fits(ctx, st, bi, ti, caps)),
            key=lambda bi: (-_deficit(ctx, st, b, bi), ctx.doctors[bi].id),
        )
        if ranked:
            return ranked[0], ti
    return None
