"""A fast first roster: walk the calendar and give each shift to the eligible doctor furthest
below their fair share so far, keeping every hard rule the model has.

It is the CP-SAT search's starting point (a complete hint), and the roster returned if the
time limit leaves no room for the search to find one. It only uses pairs that have a variable
and checks the same constraints the builders add, in their stricter solver form.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from roster.calendar import iso_week
from roster.fairness import Basis, targets
from roster.model import Role
from roster.rest import duty_rest_short
from roster.rules import MaxCountParams, MinGapDaysParams
from solver.context import BuildCtx, Pair


@dataclass
class _State:
    duties: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    days: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    points: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    nights: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    weekends: dict[int, set[tuple[int, int]]] = field(default_factory=lambda: defaultdict(set))
    weeks: dict[tuple[int, tuple[int, int]], int] = field(default_factory=lambda: defaultdict(int))
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
    weekly = rules.params("max_duties_per_week", s.date, MaxCountParams).max
    if weekly is not None and st.weeks[(di, iso_week(s.date))] >= weekly:
        return False
    gap = rules.params("min_gap_days", s.date, MinGapDaysParams)
    day = s.date.toordinal()
    for other in st.duties[di]:
        u = ctx.shifts[other]
        if u.t0 < s.t1 and s.t0 < u.t1:
            return False  # overlap
        first, second = (u, s) if u.t0 <= s.t0 else (s, u)
        if duty_rest_short(first, second, rules) is not None:
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
    st.weeks[(di, iso_week(s.date))] += 1
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


def deviation(ctx: BuildCtx, b: Basis, pairs: set[Pair]) -> float:
    """Largest distance of a compared doctor's points from their target (fixed pot)."""
    points: dict[str, int] = defaultdict(int)
    for di, si in pairs:
        points[ctx.doctors[di].id] += ctx.shifts[si].points
    tg = targets(b, sum(points[d] for d in b.weights))
    return max((abs(points[d] - t) for d, t in tg.items()), default=0.0)


def construct(
    ctx: BuildCtx,
    b: Basis,
    keep: set[Pair] | None = None,
    keep_up_to: dict[int, float] | None = None,
) -> set[Pair]:
    """A complete assignment (pairs set to 1); shifts nobody can take are left as holes.
    With `keep` (a previous roster's pairs), those come first, in time order, as far as the
    rules let them and, with `keep_up_to`, until a doctor has that many points; the seats
    still empty are then filled the same greedy way (the doctor furthest below fair share)."""
    st = _State()
    caps = _caps(ctx)
    limit = keep_up_to or {}
    covering: dict[int, list[int]] = defaultdict(list)
    for ti, t in enumerate(ctx.shifts):
        if t.role != Role.backup_competence:
            continue
        for si, s in enumerate(ctx.shifts):
            if s.role == Role.primary and t.backs_up(s):
                covering[si].append(ti)
    for di, si in sorted(keep or (), key=lambda p: (ctx.shifts[p[1]].t0, p)):
        if st.points[di] + ctx.shifts[si].points > limit.get(di, math.inf):
            continue
        if (di, si) in ctx.x and _fits(ctx, st, di, si, caps):
            _take(ctx, st, di, si)
    # A kept primary who may not work alone keeps the duty only with a back-up.
    for di, si in sorted(st.assigned, key=lambda p: (ctx.shifts[p[1]].t0, p)):
        if ctx.shifts[si].role != Role.primary or ctx.competent.get((di, si), True):
            continue
        _drop(ctx, st, di, si)
        backup = _backup_for(ctx, st, b, di, si, covering.get(si, []), caps)
        if backup is not None and _fits(ctx, st, di, si, caps):
            _take(ctx, st, di, si)
            if backup != COVERED:
                _take(ctx, st, *backup)
    order = sorted(
        (si for si, s in enumerate(ctx.shifts) if s.needed_always),
        key=lambda i: (ctx.shifts[i].t0, ctx.shifts[i].type_id),
    )
    for si in order:
        s = ctx.shifts[si]
        seated = sum(1 for di, _ in ctx.by_shift.get(si, []) if (di, si) in st.assigned)
        for _ in range(s.doctors - seated):
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


def _drop(ctx: BuildCtx, st: _State, di: int, si: int) -> None:
    s = ctx.shifts[si]
    st.duties[di].remove(si)
    st.days[di] = {ctx.shifts[o].date.toordinal() for o in st.duties[di]}
    st.points[di] -= s.points
    st.total -= s.points
    st.assigned.discard((di, si))
    st.weeks[(di, iso_week(s.date))] -= 1
    if s.is_night:
        st.nights[di] -= 1
    st.weekends[di] = {
        tuple(ctx.shifts[o].date.isocalendar())[:2]  # type: ignore[misc]
        for o in st.duties[di]
        if ctx.shifts[o].date.weekday() >= 5
    }


def rebalance(ctx: BuildCtx, b: Basis, pairs: set[Pair], max_moves: int | None = None) -> set[Pair]:
    """Move single duties from doctors above their fair share to doctors below it, or swap a
    heavy duty for a lighter one, while that narrows the gap and every rule still holds. Only
    primary duties that need no back-up on either side move, so competence pairing is never
    touched. A quick local search that gives the CP-SAT search a fair starting point."""
    st = _State()
    for di, si in sorted(pairs, key=lambda p: (ctx.shifts[p[1]].t0, p)):
        _take(ctx, st, di, si)
    caps = _caps(ctx)
    if max_moves is None:  # bounded by the size of the plan, never by the clock
        max_moves = 50 * len(ctx.doctors)
    index = {d.id: di for di, d in enumerate(ctx.doctors)}
    compared = [index[d] for d in b.weights if d in index]
    goal = {index[d]: t for d, t in targets(b, sum(st.points[index[d]] for d in b.weights)).items()}
    for _ in range(max_moves):
        dev = {di: st.points[di] - goal[di] for di in compared}
        if not _move(ctx, st, compared, dev, caps) and not _swap(ctx, st, compared, dev, caps):
            break
    return set(st.assigned)


def _movable(ctx: BuildCtx, di: int, si: int) -> bool:
    return ctx.shifts[si].role == Role.primary and ctx.competent.get((di, si), True)


def _can_take(ctx: BuildCtx, di: int, si: int) -> bool:
    return (di, si) in ctx.x and ctx.competent.get((di, si), True)


def _move(
    ctx: BuildCtx,
    st: _State,
    compared: list[int],
    dev: dict[int, float],
    caps: dict[str, int | None],
) -> bool:
    """Give one duty of a doctor above fair share to one below it, when that narrows the gap
    for both and every rule holds. True if one was moved."""
    for o in sorted(compared, key=lambda di: (-dev[di], di)):
        if dev[o] <= 0:
            return False
        for si in sorted(st.duties[o], key=lambda i: -ctx.shifts[i].points):
            if not _movable(ctx, o, si):
                continue
            points = ctx.shifts[si].points
            for u in sorted(compared, key=lambda di: (dev[di], di)):
                if dev[u] >= 0:
                    break
                if not _can_take(ctx, u, si):
                    continue
                if max(abs(dev[o] - points), abs(dev[u] + points)) >= max(dev[o], -dev[u]):
                    continue
                _drop(ctx, st, o, si)
                if _fits(ctx, st, u, si, caps):
                    _take(ctx, st, u, si)
                    return True
                _take(ctx, st, o, si)
    return False


def _swap(
    ctx: BuildCtx,
    st: _State,
    compared: list[int],
    dev: dict[int, float],
    caps: dict[str, int | None],
    over_tried: int = 3,
) -> bool:
    """Exchange a duty of a doctor above fair share for a lighter duty of one below it, when
    that narrows the gap for both and every rule holds. True if one was made."""
    for o in sorted(compared, key=lambda di: (-dev[di], di))[:over_tried]:
        if dev[o] <= 0:
            return False
        for u in sorted(compared, key=lambda di: (dev[di], di)):
            if dev[u] >= 0:
                break
            worst = max(abs(dev[o]), abs(dev[u]))
            for so in sorted(st.duties[o], key=lambda i: -ctx.shifts[i].points):
                if not _movable(ctx, o, so) or not _can_take(ctx, u, so):
                    continue
                for su in list(st.duties[u]):
                    delta = ctx.shifts[so].points - ctx.shifts[su].points
                    if delta <= 0 or not _movable(ctx, u, su) or not _can_take(ctx, o, su):
                        continue
                    if max(abs(dev[o] - delta), abs(dev[u] + delta)) >= worst:
                        continue
                    _drop(ctx, st, o, so)
                    _drop(ctx, st, u, su)
                    if _fits(ctx, st, u, so, caps):
                        _take(ctx, st, u, so)
                        if _fits(ctx, st, o, su, caps):
                            _take(ctx, st, o, su)
                            return True
                        _drop(ctx, st, u, so)
                    _take(ctx, st, o, so)
                    _take(ctx, st, u, su)
    return False
