"""A fast first roster: walk the calendar and give each shift to the eligible doctor furthest
behind their goals so far (the count plan's cell, the shift type, its categories and points,
each taken pro rata to how far through the period we are), keeping every hard rule the model
has. Then a local search (`rebalance`) moves and swaps duties toward the goals.

It is the CP-SAT search's starting point (a complete hint), and the roster returned if the
time limit leaves no room for the search to find one. It only uses pairs that have a variable
and checks the same constraints the builders add, in their stricter solver form.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from roster.calendar import iso_week
from roster.fairness import Basis
from roster.model import Role
from roster.rest import duty_rest_short
from roster.rules import MaxCountParams, MinGapDaysParams
from roster.targets import band, categories_of, covered_primaries
from solver.context import BuildCtx, Pair
from solver.plan import CountPlan


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
    counts: dict[int, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    keys: list[tuple[str, ...]] = field(default_factory=list)  # per shift: what it counts toward


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
        self.points = max(1, sum(s.points * s.doctors for s in ctx.shifts if s.needed_always))
        self.plan = plan
        self.covering: dict[int, list[int]] = defaultdict(list)  # primary -> its back-ups
        for ti, sis in covered_primaries(ctx.shifts).items():
            for si in sis:
                self.covering[si].append(ti)

    def state(self) -> _State:
        return _State(keys=self.keys)

    def behind(self, di: int, si: int, have: dict[str, int]) -> float:
        """How far behind the doctor is, at this duty's date, on the kinds of duty it is."""
        t = self.targets[di]
        out = 0.0
        for k in self.keys[si]:
            weight = 2.0 if k.startswith("cell:") else 1.0
            out += weight * (t.get(k, 0.0) * self.before[si][k] / self.total[k] - have.get(k, 0))
        return out


def _deficit(ctx: BuildCtx, st: _State, goals: Goals, di: int, si: int) -> float:
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
) -> set[Pair]:
    """A complete assignment (pairs set to 1); shifts nobody can take are left as holes.
    With `keep` (a previous roster's pairs), those come first, in time order, as far as the
    rules let them and, with `keep_up_to`, until a doctor has that many points; the seats
    still empty are then filled the same greedy way (the doctor furthest below fair share)."""
    st = goals.state()
    caps = _caps(ctx)
    limit = keep_up_to or {}
    covering = goals.covering
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
        backup = _backup_for(ctx, st, goals, di, si, covering.get(si, []), caps)
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
                key=lambda di: (-_deficit(ctx, st, goals, di, si), ctx.doctors[di].id),
            )
            for di in ranked:
                if ctx.competent.get((di, si), True):
                    _take(ctx, st, di, si)
                    break
                backup = _backup_for(ctx, st, goals, di, si, covering.get(si, []), caps)
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
            (bi for bi, _ in ctx.by_shift.get(ti, []) if bi != di and _fits(ctx, st, bi, ti, caps)),
            key=lambda bi: (-_deficit(ctx, st, goals, bi, ti), ctx.doctors[bi].id),
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
    for k in st.keys[si]:
        st.counts[di][k] -= 1
    if s.is_night:
        st.nights[di] -= 1
    st.weekends[di] = {
        tuple(ctx.shifts[o].date.isocalendar())[:2]  # type: ignore[misc]
        for o in st.duties[di]
        if ctx.shifts[o].date.weekday() >= 5
    }


class _Cost:
    """What the local search lowers: per doctor, duties away from the count plan's cells and
    outside the band of each shift type and category (more for each duty beyond the first),
    plus the points deviation squared in units of a typical duty. Separable, so a move is
    judged on the two doctors it touches."""

    def __init__(self, ctx: BuildCtx, goals: Goals) -> None:
        self.ctx, self.b = ctx, goals.b
        needed = [s.points for s in ctx.shifts if s.needed_always] or [1]
        self.unit = max(1.0, sum(needed) / len(needed))
        self.bands = {di: {k: band(v) for k, v in t.items()} for di, t in goals.targets.items()}

    def of(self, st: _State, di: int, extra: dict[str, int], points: int) -> float:
        bands = self.bands.get(di)
        if bands is None:
            return 0.0
        have = st.counts[di]
        cost = 0.0
        for key, (lo, hi) in bands.items():
            n = have.get(key, 0) + extra.get(key, 0)
            out = max(0, n - hi, lo - n)
            cost += out + 4 * max(0, out - 1)
        d = self.ctx.doctors[di].id
        if d in self.b.compared:
            cost += 2 * ((st.points[di] + points - self.b.points[d]) / self.unit) ** 2
        return cost

    def change(self, st: _State, di: int, gain: int | None, lose: int | None) -> float:
        """Cost after the doctor gains and/or loses a duty, minus the cost now."""
        extra: dict[str, int] = defaultdict(int)
        points = 0
        for si, sign in ((gain, 1), (lose, -1)):
            if si is None:
                continue
            points += sign * self.ctx.shifts[si].points
            for k in st.keys[si]:
                extra[k] += sign
        return self.of(st, di, extra, points) - self.of(st, di, {}, 0)


def rebalance(
    ctx: BuildCtx, goals: Goals, pairs: set[Pair], max_moves: int | None = None
) -> set[Pair]:
    """Move single duties between doctors, or swap two, while that lowers the cost of both
    (away from the plan, counts outside their bands, points away from target) and every rule
    still holds. Only primary duties that need no back-up on either side move, so competence
    pairing is never touched. A quick local search that gives the CP-SAT search a fair
    starting point."""
    st = goals.state()
    for di, si in sorted(pairs, key=lambda p: (ctx.shifts[p[1]].t0, p)):
        _take(ctx, st, di, si)
    caps = _caps(ctx)
    if goals.plan is not None:
        # With a count plan, the moves toward it are enough here: the targeted search that
        # follows (solver.solve._realize) does the rest far better than more moves would.
        _follow_plan(ctx, goals, st, caps)
        return set(st.assigned)
    cost = _Cost(ctx, goals)
    if max_moves is None:  # bounded by the size of the plan, never by the clock
        max_moves = 50 * len(ctx.doctors)
    doctors = sorted(cost.bands)
    for _ in range(max_moves):
        order = sorted(doctors, key=lambda di: (-cost.of(st, di, {}, 0), di))
        if not _improve(ctx, st, cost, order, caps):
            break
    return set(st.assigned)


def _follow_plan(
    ctx: BuildCtx, goals: Goals, st: _State, caps: dict[str, int | None], rounds: int = 20
) -> None:
    """Move duties of a cell from doctors above the count plan to doctors below it, and swap
    duties of two cells between two doctors who are over in one and under in the other,
    while every rule holds. Same cell, same points and categories: each step only brings
    both doctors closer to the plan."""
    plan = goals.plan
    assert plan is not None
    doctors = sorted(goals.targets)
    for _ in range(rounds):
        diff = {
            (di, ci): st.counts[di].get(f"cell:{ci}", 0) - plan.planned(di, ci)
            for di in doctors
            for ci in range(len(plan.cells))
        }
        moved = False
        for ci in range(len(plan.cells)):
            over = [di for di in doctors if diff[(di, ci)] > 0]
            under = [di for di in doctors if diff[(di, ci)] < 0]
            for o in over:
                for u in under:
                    if diff[(o, ci)] <= 0 or diff[(u, ci)] >= 0:
                        continue
                    if ctx.doctors[o].fixed_shifts is not None or (
                        ctx.doctors[u].fixed_shifts is not None
                    ):
                        continue  # an agreed number of duties stays as agreed (swaps keep it)
                    for so in [x for x in st.duties[o] if plan.cell_of[x] == ci]:
                        if _transferable(ctx, goals, st, o, u, so) and _try(
                            ctx, st, caps, o, so, u
                        ):
                            diff[(o, ci)] -= 1
                            diff[(u, ci)] += 1
                            moved = True
                            break
        for o in doctors:
            for u in doctors:
                if u == o:
                    continue
                for so in list(st.duties[o]):
                    ci = plan.cell_of[so]
                    if diff[(o, ci)] <= 0 or diff[(u, ci)] >= 0:
                        continue
                    if not _transferable(ctx, goals, st, o, u, so):
                        continue
                    for su in list(st.duties[u]):
                        cj = plan.cell_of[su]
                        if cj == ci or diff[(u, cj)] <= 0 or diff[(o, cj)] >= 0:
                            continue
                        if _transferable(ctx, goals, st, u, o, su) and _try(
                            ctx, st, caps, o, so, u, su
                        ):
                            for d, c, step in ((o, ci, -1), (u, ci, 1), (u, cj, -1), (o, cj, 1)):
                                diff[(d, c)] += step
                            moved = True
                            break
                    if so not in st.duties[o]:
                        break
        if not moved:
            return


def _transferable(ctx: BuildCtx, goals: Goals, st: _State, o: int, u: int, si: int) -> bool:
    """May duty `si` pass from doctor o to u without touching competence pairing? Both may
    work alone, or neither may and a back-up other than u already covers the duty; back-up
    duties pass between doctors who may take them."""
    if (u, si) not in ctx.x:
        return False
    if ctx.shifts[si].role != Role.primary:
        return True
    alone_o, alone_u = ctx.competent.get((o, si), True), ctx.competent.get((u, si), True)
    if alone_o and alone_u:
        return True
    if alone_o or alone_u:
        return False
    return any(
        (bi, ti) in st.assigned and bi != u
        for ti in goals.covering.get(si, [])
        for bi, _ in ctx.by_shift.get(ti, [])
    )


def _movable(ctx: BuildCtx, di: int, si: int) -> bool:
    return ctx.shifts[si].role == Role.primary and ctx.competent.get((di, si), True)


def _can_take(ctx: BuildCtx, di: int, si: int) -> bool:
    return (di, si) in ctx.x and ctx.competent.get((di, si), True)


def _improve(
    ctx: BuildCtx,
    st: _State,
    cost: _Cost,
    order: list[int],
    caps: dict[str, int | None],
    worst: int = 4,
) -> bool:
    """One improving move or swap for one of the `worst` most costly doctors. True if made.
    A doctor with an agreed number of duties only swaps (the number stays as agreed)."""
    for o in order[:worst]:
        if cost.of(st, o, {}, 0) <= 0:
            return False
        for so in list(st.duties[o]):
            if not _movable(ctx, o, so):
                continue
            lose = cost.change(st, o, None, so)
            for u in order:
                if u == o or not _can_take(ctx, u, so):
                    continue
                single = ctx.doctors[o].fixed_shifts is None and ctx.doctors[u].fixed_shifts is None
                gain = cost.change(st, u, so, None)
                if single and lose + gain < -1e-9 and _try(ctx, st, caps, o, so, u):
                    return True
                for su in list(st.duties[u]):
                    if su == so or not _movable(ctx, u, su) or not _can_take(ctx, o, su):
                        continue
                    delta = cost.change(st, o, su, so) + cost.change(st, u, so, su)
                    if delta < -1e-9 and _try(ctx, st, caps, o, so, u, su):
                        return True
    return False


def _try(
    ctx: BuildCtx,
    st: _State,
    caps: dict[str, int | None],
    o: int,
    so: int,
    u: int,
    su: int | None = None,
) -> bool:
    """Give duty `so` of doctor o to u (and `su` of u to o, for a swap) if every rule holds."""
    _drop(ctx, st, o, so)
    if su is not None:
        _drop(ctx, st, u, su)
    if _fits(ctx, st, u, so, caps):
        _take(ctx, st, u, so)
        if su is None:
            return True
        if _fits(ctx, st, o, su, caps):
            _take(ctx, st, o, su)
            return True
        _drop(ctx, st, u, so)
    _take(ctx, st, o, so)
    if su is not None:
        _take(ctx, st, u, su)
    return False


def lift(ctx: BuildCtx, goals: Goals, pairs: set[Pair], allowance: float) -> set[Pair]:
    """Re-planning: bring every doctor below their target by more than `allowance` points up
    to it, one duty at a time from the doctor furthest above target who has one they can
    take (every rule kept, competence pairing untouched). Each duty moved is one change, so
    the fewest moves that do it are the start of a re-plan that changes little."""
    st = goals.state()
    for di, si in sorted(pairs, key=lambda p: (ctx.shifts[p[1]].t0, p)):
        _take(ctx, st, di, si)
    caps = _caps(ctx)
    b = goals.b
    index = ctx.doctor_index
    compared = [index[d] for d in b.compared]
    for _ in range(sum(s.doctors for s in ctx.shifts)):
        dev = {di: st.points[di] - b.points[ctx.doctors[di].id] for di in compared}
        low = [di for di in compared if dev[di] < -allowance]
        if not low:
            break
        u = min(low, key=lambda di: (dev[di], di))
        moved = False
        for o in sorted(compared, key=lambda di: (-dev[di], di)):
            if dev[o] <= 0 or ctx.doctors[o].fixed_shifts is not None:
                break
            for so in sorted(st.duties[o], key=lambda i: (-ctx.shifts[i].points, i)):
                if _transferable(ctx, goals, st, o, u, so) and _try(ctx, st, caps, o, so, u):
                    moved = True
                    break
            if moved:
                break
        if not moved:
            break
    return set(st.assigned)
