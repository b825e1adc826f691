"""A fast first roster: walk the calendar and give each shift to the eligible doctor furthest
behind their goals so far (the count plan's cell, the shift type, its categories and points,
each taken pro rata to how far through the period we are), keeping every hard rule the model
has. Local moves toward the goals are in solver.moves.

It is the CP-SAT search's starting point (a complete hint), and the roster returned if the
time limit leaves no room for the search to find one. It only uses pairs that have a variable
and checks the same constraints the builders add, in their stricter solver form.
"""

from __future__ import annotations

import bisect
import math
import time
from collections import defaultdict
from dataclasses import dataclass, field

from roster.calendar import iso_week
from roster.fairness import Basis
from roster.model import Role
from roster.rest import duty_rest_short
from roster.rules import MaxCountParams, MinGapDaysParams
from roster.targets import categories_of
from solver.context import BuildCtx, Pair
from solver.plan import CountPlan


@dataclass
class State:
    duties: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    days: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    points: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    nights: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    weekends: dict[int, set[tuple[int, int]]] = field(default_factory=lambda: defaultdict(set))
    weeks: dict[tuple[int, tuple[int, int]], int] = field(default_factory=lambda: defaultdict(int))
    assigned: set[Pair] = field(default_factory=set)
    total: int = 0
    counts: dict[int, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    keys: list[tuple[str, ...]] = field(default_factory=list)  # per shift: what it counts toward
    #: per doctor: (start, shift) of each duty, in order; with `longest` (the longest duty in
    #: minutes) the rule checks look only at duties near in time
    starts: dict[int, list[tuple[int, int]]] = field(default_factory=lambda: defaultdict(list))
    longest: int = 10**9


def caps_of(ctx: BuildCtx) -> dict[str, int | None]:
    day = ctx.instance.period.start
    return {
        r: ctx.instance.rules.params(r, day, MaxCountParams).max
        for r in ("max_nights", "max_weekends", "max_duties")
    }


#: Minutes between two duties beyond which neither the rest rule (at most 24 h, RestParams)
#: nor a shared date (a day is at most 25 h) can concern them.
_APART = 25 * 60


def fits(ctx: BuildCtx, st: State, di: int, si: int, caps: dict[str, int | None]) -> bool:
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
    weekly = rules.params("max_duties_per_week", s.date, MaxCountParams).max
    if weekly is not None and st.weeks[(di, iso_week(s.date))] >= weekly:
        return False
    gap = rules.params("min_gap_days", s.date, MinGapDaysParams)
    day = s.date.toordinal()
    starts = st.starts[di]
    lo = bisect.bisect_left(starts, (s.t0 - _APART - st.longest, -1))
    hi = bisect.bisect_left(starts, (s.t1 + _APART, -1))
    for _, other in starts[lo:hi]:  # the others are too far apart to matter (below)
        u = ctx.shifts[other]
        if s.t0 - u.t1 >= _APART or u.t0 - s.t1 >= _APART:
            continue  # too far apart to overlap, to lack rest or to share a date
        if u.t0 < s.t1 and s.t0 < u.t1:
            return False  # overlap
        first, second = (u, s) if u.t0 <= s.t0 else (s, u)
        if duty_rest_short(first, second, rules) is not None:
            return False
        if u.date == s.date and gap.days > 0:
            if not (gap.allow_back_to_back and (first.t1 == second.t0)):
                return False
    days = st.days[di]
    if gap.days > 1 and any(day + k in days or day - k in days for k in range(1, gap.days)):
        return False
    return True


def take(ctx: BuildCtx, st: State, di: int, si: int) -> None:
    s = ctx.shifts[si]
    st.duties[di].append(si)
    bisect.insort(st.starts[di], (s.t0, si))
    st.days[di].add(s.date.toordinal())
    st.points[di] += s.points
    st.total += s.points
    st.assigned.add((di, si))
    st.weeks[(di, iso_week(s.date))] += 1
    for k in st.keys[si]:
        st.counts[di][k] = st.counts[di].get(k, 0) + 1
    if s.is_night:
        st.nights[di] += 1
    if s.date.weekday() >= 5:
        st.weekends[di].add(tuple(s.date.isocalendar())[:2])  # type: ignore[arg-type]


class Goals:
    """What the first roster aims at, per doctor: the count plan's whole counts per cell when
    there is one (solver.plan), and the fair targets per shift type and category, each taken
    pro rata to how far through the period its duties are, so duties come evenly."""

    def __init__(self, ctx: BuildCtx, b: Basis, plan: CountPlan | None = None) -> None:
        self.b = b
        self.keys: list[tuple[str, ...]] = []
        for si, s in enumerate(ctx.shifts):
            keys = [f"type:{s.type_id}", *sorted(f"category:{c}" for c in categories_of(s))]
            if plan is not None:
                keys.append(f"cell:{plan.cell_of[si]}")
            self.keys.append(tuple(keys))
        self.targets: dict[int, dict[str, float]] = {}
        for di, d in enumerate(ctx.doctors):
            if d.id not in b.points:
                continue
            t = {f"type:{k}": v for k, v in b.types[d.id].items()}
            t.update({f"category:{k}": v for k, v in b.categories[d.id].items()})
            if plan is not None:
                t.update({f"cell:{ci}": 0.0 for ci in range(len(plan.cells))})
                t.update({f"cell:{ci}": float(n) for ci, n in plan.counts.get(di, {}).items()})
            self.targets[di] = t
        total: dict[str, int] = defaultdict(int)
        seen: dict[str, int] = defaultdict(int)
        self.before: dict[int, dict[str, int]] = {}
        order = sorted(range(len(ctx.shifts)), key=lambda i: (ctx.shifts[i].t0, i))
        for si in order:
            for k in self.keys[si]:
                total[k] += 1
        for si in order:
            for k in self.keys[si]:
                seen[k] += 1
            self.before[si] = {k: seen[k] for k in self.keys[si]}
        self.total = dict(total)
        #: per shift: (key, weight, duties of the key up to this one, of the key in all)
        self.terms: list[list[tuple[str, float, int, int]]] = [
            [(k, 2.0 if k.startswith("cell:") else 1.0, self.before[si][k], total[k]) for k in keys]
            for si, keys in enumerate(self.keys)
        ]
        self.longest = max((s.t1 - s.t0 for s in ctx.shifts), default=0)
        self.points = max(1, sum(s.points * s.doctors for s in ctx.shifts if s.needed_always))
        self.plan = plan
        self.covering: dict[int, list[int]] = defaultdict(list)  # primary -> its back-ups
        for ti, sis in ctx.covers.items():
            for si in sis:
                self.covering[si].append(ti)

    def state(self) -> State:
        return State(keys=self.keys, longest=self.longest)

    def behind(self, di: int, si: int, have: dict[str, int]) -> float:
        """How far behind the doctor is, at this duty's date, on the kinds of duty it is."""
        t = self.targets[di]
        out = 0.0
        for k, weight, before, total in self.terms[si]:
            out += weight * (t.get(k, 0.0) * before / total - have.get(k, 0))
        return out


def _deficit(ctx: BuildCtx, st: State, goals: Goals, di: int, si: int) -> float:
    """How far behind the doctor is on the kinds of duty shift `si` is, at its date."""
    d = ctx.doctors[di]
    if di not in goals.targets:
        return -1e9
    if d.fixed_shifts is not None and len(st.duties[di]) >= d.fixed_shifts:
        return -1e9
    behind = goals.behind(di, si, st.counts[di])
    share = min(1.0, st.total / goals.points)
    points = goals.b.points[d.id] * share - st.points[di]
    return behind + points / max(1, ctx.shifts[si].points)


def _points_behind(ctx: BuildCtx, st: State, goals: Goals, di: int, si: int) -> float:
    """How far behind the doctor is on points alone, at this duty's date (the construction's
    ranking once its time is up: a fraction of the cost of `_deficit`)."""
    d = ctx.doctors[di]
    if di not in goals.targets:
        return -1e9
    if d.fixed_shifts is not None and len(st.duties[di]) >= d.fixed_shifts:
        return -1e9
    return goals.b.points[d.id] * min(1.0, st.total / goals.points) - st.points[di]


def deviation(ctx: BuildCtx, b: Basis, pairs: set[Pair]) -> float:
    """Largest distance of a compared doctor's points from their target."""
    points: dict[str, int] = defaultdict(int)
    for di, si in pairs:
        points[ctx.doctors[di].id] += ctx.shifts[si].points
    return max((abs(points[d] - b.points[d]) for d in b.compared), default=0.0)


def construct(
    ctx: BuildCtx,
    goals: Goals,
    keep: set[Pair] | None = None,
    keep_up_to: dict[int, float] | None = None,
    until: float = math.inf,
) -> set[Pair]:
    """A complete assignment (pairs set to 1); shifts nobody can take are left as holes.
    With `keep` (a previous roster's pairs), those come first, in time order, as far as the
    rules let them and, with `keep_up_to`, until a doctor has that many points; the seats
    still empty are then filled the same greedy way (the doctor furthest below fair share).
    Past `until` (time.monotonic()) the seats left are given by points alone, a fraction of
    the work, so a large plan keeps its time limit; every rule still holds."""
    st = goals.state()
    caps = caps_of(ctx)
    limit = keep_up_to or {}
    covering = goals.covering
    for di, si in sorted(keep or (), key=lambda p: (ctx.shifts[p[1]].t0, p)):
        if st.points[di] + ctx.shifts[si].points > limit.get(di, math.inf):
            continue
        if (di, si) in ctx.x and fits(ctx, st, di, si, caps):
            take(ctx, st, di, si)
    # A kept primary who may not work alone keeps the duty only with a back-up.
    for di, si in sorted(st.assigned, key=lambda p: (ctx.shifts[p[1]].t0, p)):
        if ctx.shifts[si].role != Role.primary or ctx.competent.get((di, si), True):
            continue
        drop(ctx, st, di, si)
        backup = _backup_for(ctx, st, goals, di, si, covering.get(si, []), caps)
        if backup is not None and fits(ctx, st, di, si, caps):
            take(ctx, st, di, si)
            if backup != COVERED:
                take(ctx, st, *backup)
    order = sorted(
        (si for si, s in enumerate(ctx.shifts) if s.needed_always),
        key=lambda i: (ctx.shifts[i].t0, ctx.shifts[i].type_id),
    )
    for si in order:
        s = ctx.shifts[si]
        seated = sum(1 for di, _ in ctx.by_shift.get(si, []) if (di, si) in st.assigned)
        for _ in range(s.doctors - seated):
            # Ranked first, the rules checked only down to the doctor taken (the same doctor
            # as checking everyone first). Past `until`, ranked by points alone (cheap).
            behind = _points_behind if time.monotonic() > until else _deficit
            ranked = sorted(
                (di for di, _ in ctx.by_shift.get(si, []) if (di, si) not in st.assigned),
                key=lambda di: (-behind(ctx, st, goals, di, si), ctx.doctors[di].id),
            )
            for di in ranked:
                if not fits(ctx, st, di, si, caps):
                    continue
                if ctx.competent.get((di, si), True):
                    take(ctx, st, di, si)
                    break
                backup = _backup_for(ctx, st, goals, di, si, covering.get(si, []), caps)
                if backup is not None:
                    take(ctx, st, di, si)
                    if backup != COVERED:
                        take(ctx, st, *backup)
                    break
    return st.assigned


COVERED = (-1, -1)


def _backup_for(
    ctx: BuildCtx,
    st: State,
    goals: Goals,
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
            (bi for bi, _ in ctx.by_shift.get(ti, []) if bi != di),
            key=lambda bi: (-_deficit(ctx, st, goals, bi, ti), ctx.doctors[bi].id),
        )
        taker = next((bi for bi in ranked if fits(ctx, st, bi, ti, caps)), None)
        if taker is not None:
            return taker, ti
    return None


def drop(ctx: BuildCtx, st: State, di: int, si: int) -> None:
    s = ctx.shifts[si]
    st.duties[di].remove(si)
    st.starts[di].remove((s.t0, si))
    st.days[di] = {ctx.shifts[o].date.toordinal() for o in st.duties[di]}
    st.points[di] -= s.points
    st.total -= s.points
    st.assigned.discard((di, si))
    st.weeks[(di, iso_week(s.date))] -= 1
    for k in st.keys[si]:
        st.counts[di][k] -= 1
    if s.is_night:
        st.nights[di] -= 1
    st.weekends[di] = {
        tuple(ctx.shifts[o].date.isocalendar())[:2]  # type: ignore[misc]
        for o in st.duties[di]
        if ctx.shifts[o].date.weekday() >= 5
    }
