"""Local moves on a roster: single duties passed between doctors and swaps, every rule
kept (solver.construct's checks) and competence pairing untouched. Toward the count plan
(`rebalance`), or, when re-planning, lifting doctors below the allowance (`lift`) and filling
seats nobody could take directly (`fill_holes`)."""

from __future__ import annotations

import math
import time
from collections import defaultdict

from roster.model import Role
from roster.targets import band
from solver.construct import Goals, State, caps_of, drop, fits, take
from solver.context import BuildCtx, Pair


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

    def of(self, st: State, di: int, extra: dict[str, int], points: int) -> float:
        bands = self.bands.get(di)
        if bands is None:
            return 0.0
        have = st.counts[di]
        cost = 0.0
        for key, (lo, hi) in bands.items():
            cost += _outside_cost(have.get(key, 0) + extra.get(key, 0), lo, hi)
        d = self.ctx.doctors[di].id
        if d in self.b.compared:
            cost += 2 * ((st.points[di] + points - self.b.points[d]) / self.unit) ** 2
        return cost

    def change(self, st: State, di: int, gain: int | None, lose: int | None) -> float:
        """Cost after the doctor gains and/or loses a duty, minus the cost now: only the
        counts the two duties touch and the points (the cost is a sum over counts)."""
        bands = self.bands.get(di)
        if bands is None:
            return 0.0
        extra: dict[str, int] = defaultdict(int)
        points = 0
        for si, sign in ((gain, 1), (lose, -1)):
            if si is None:
                continue
            points += sign * self.ctx.shifts[si].points
            for k in st.keys[si]:
                extra[k] += sign
        have = st.counts[di]
        delta = 0.0
        for key, step in extra.items():
            if not step or key not in bands:
                continue
            lo, hi = bands[key]
            n = have.get(key, 0)
            delta += _outside_cost(n + step, lo, hi) - _outside_cost(n, lo, hi)
        d = self.ctx.doctors[di].id
        if d in self.b.compared and points:
            now = st.points[di] - self.b.points[d]
            delta += 2 * (((now + points) / self.unit) ** 2 - (now / self.unit) ** 2)
        return delta


def _state(ctx: BuildCtx, goals: Goals, pairs: set[Pair]) -> State:
    """The construction's state holding `pairs`, taken in order of time."""
    st = goals.state()
    for di, si in sorted(pairs, key=lambda p: (ctx.shifts[p[1]].t0, p)):
        take(ctx, st, di, si)
    return st


def _outside_cost(n: int, lo: int, hi: int) -> int:
    """A count's cost: one per duty outside its band, four more for each beyond the first."""
    out = max(0, n - hi, lo - n)
    return out + 4 * max(0, out - 1)


def rebalance(
    ctx: BuildCtx,
    goals: Goals,
    pairs: set[Pair],
    max_moves: int | None = None,
    until: float = math.inf,
    improve: bool = False,
) -> set[Pair]:
    """Move single duties between doctors, or swap two, while that lowers the cost of both
    (away from the plan, counts outside their bands, points away from target) and every rule
    still holds. Only primary duties that need no back-up on either side move, so competence
    pairing is never touched. A quick local search that gives the CP-SAT search a fair
    starting point. It stops early at `until` (time.monotonic()): a large plan's time limit
    is kept, the roster stays rule-clean. With a count plan only moves toward it are made,
    unless `improve` (a large plan, whose roster is not brought to the count plan by
    CP-SAT afterwards: solver.start.realize): then the moves and swaps above follow."""
    st, caps = _state(ctx, goals, pairs), caps_of(ctx)
    if goals.plan is not None:
        # With a count plan, the moves toward it are enough here: the targeted search that
        # follows (solver.solve._realize) does the rest far better than more moves would.
        _follow_plan(ctx, goals, st, caps, until=until)
        if not improve:
            return set(st.assigned)
    cost = _Cost(ctx, goals)
    if max_moves is None:  # bounded by the size of the plan, never by the clock
        max_moves = 50 * len(ctx.doctors)
    doctors = sorted(cost.bands)
    for _ in range(max_moves):
        if time.monotonic() > until:
            break
        order = sorted(doctors, key=lambda di: (-cost.of(st, di, {}, 0), di))
        if not _improve(ctx, st, cost, order, caps):
            break
    return set(st.assigned)


def _follow_plan(
    ctx: BuildCtx,
    goals: Goals,
    st: State,
    caps: dict[str, int | None],
    rounds: int = 20,
    until: float = math.inf,
) -> None:
    """Move duties of a cell from doctors above the count plan to doctors below it, and swap
    duties of two cells between two doctors who are over in one and under in the other,
    while every rule holds. Same cell, same points and categories: each step only brings
    both doctors closer to the plan."""
    plan = goals.plan
    assert plan is not None
    doctors = sorted(goals.targets)
    for _ in range(rounds):
        if time.monotonic() > until:
            return
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


def _transferable(ctx: BuildCtx, goals: Goals, st: State, o: int, u: int, si: int) -> bool:
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
    st: State,
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
    st: State,
    caps: dict[str, int | None],
    o: int,
    so: int,
    u: int,
    su: int | None = None,
) -> bool:
    """Give duty `so` of doctor o to u (and `su` of u to o, for a swap) if every rule holds."""
    drop(ctx, st, o, so)
    if su is not None:
        drop(ctx, st, u, su)
    if fits(ctx, st, u, so, caps):
        take(ctx, st, u, so)
        if su is None:
            return True
        if fits(ctx, st, o, su, caps):
            take(ctx, st, o, su)
            return True
        drop(ctx, st, u, so)
    take(ctx, st, o, so)
    if su is not None:
        take(ctx, st, u, su)
    return False


def lift(ctx: BuildCtx, goals: Goals, pairs: set[Pair], allowance: float) -> set[Pair]:
    """Re-planning: bring every doctor below their target by more than `allowance` points up
    to it, one duty at a time from the doctor furthest above target who has one they can
    take (every rule kept, competence pairing untouched). Each duty moved is one change, so
    the fewest moves that do it are the start of a re-plan that changes little."""
    st, caps = _state(ctx, goals, pairs), caps_of(ctx)
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


def keep_agreements(ctx: BuildCtx, goals: Goals, pairs: set[Pair]) -> set[Pair]:
    """Bring each doctor with an agreed number of duties (`fixed_shifts`) up to it: an empty
    seat the doctor can take, else a duty passed from the doctor without an agreement who
    is furthest above target, every rule kept and competence pairing untouched. The greedy
    roster gives such a doctor duties like anyone else and can leave them short, and a
    roster that breaks an agreement is not rule-clean. Bounded by the doctor's shifts."""
    st, caps = _state(ctx, goals, pairs), caps_of(ctx)
    b = goals.b

    def above(di: int) -> float:
        d = ctx.doctors[di].id
        return st.points[di] - b.points.get(d, float(st.points[di]))

    for di, d in enumerate(ctx.doctors):
        if d.fixed_shifts is None:
            continue
        for si, _ in ctx.by_doctor.get(di, []):
            if len(st.duties[di]) >= d.fixed_shifts:
                break
            if (di, si) in st.assigned:
                continue
            s = ctx.shifts[si]
            seated = [e for e, _ in ctx.by_shift.get(si, []) if (e, si) in st.assigned]
            if s.needed_always and len(seated) < s.doctors:
                if _can_take(ctx, di, si) and fits(ctx, st, di, si, caps):
                    take(ctx, st, di, si)
                continue
            for e in sorted(seated, key=lambda e: (-above(e), e)):
                if ctx.doctors[e].fixed_shifts is not None:
                    continue
                if _transferable(ctx, goals, st, e, di, si) and _try(ctx, st, caps, e, si, di):
                    break
    return set(st.assigned)


def fill_holes(ctx: BuildCtx, goals: Goals, pairs: set[Pair]) -> set[Pair]:
    """Fill empty seats of shifts that must be staffed: a doctor who may take the seat takes
    it, directly or, when one duty of theirs near in time stands in the way (rest, one duty
    day in a row), by passing that duty to a third doctor who may take it. Every rule kept,
    competence pairing untouched, duties fixed before a freeze stay. A re-plan's greedy fill
    takes only the doctors free as they are; this finds the seats a swap frees, before any
    search (a what-if of a few seconds may get no other)."""
    st, caps = _state(ctx, goals, pairs), caps_of(ctx)
    frozen = {v.index for v in ctx.frozen}
    for si, s in enumerate(ctx.shifts):
        if not s.needed_always:
            continue
        seated = sum(1 for di, _ in ctx.by_shift.get(si, []) if (di, si) in st.assigned)
        for _ in range(s.doctors - seated):
            if not _fill_one(ctx, goals, st, caps, si, frozen):
                break
    return set(st.assigned)


def _fill_one(
    ctx: BuildCtx,
    goals: Goals,
    st: State,
    caps: dict[str, int | None],
    si: int,
    frozen: set[int],
) -> bool:
    """One seat of shift si filled (see fill_holes); True if it was."""
    s = ctx.shifts[si]
    free = [
        u
        for u, _ in ctx.by_shift.get(si, [])
        if (u, si) not in st.assigned and _can_take(ctx, u, si)
    ]
    for u in free:
        if fits(ctx, st, u, si, caps):
            take(ctx, st, u, si)
            return True
    for u in free:
        near = [
            sc
            for sc in st.duties[u]
            if abs(ctx.shifts[sc].t0 - s.t0) <= _NEAR and ctx.x[(u, sc)].index not in frozen
        ]
        for sc in near:
            drop(ctx, st, u, sc)
            if fits(ctx, st, u, si, caps):
                take(ctx, st, u, si)
                for w, _ in ctx.by_shift.get(sc, []):
                    if w == u or (w, sc) in st.assigned:
                        continue
                    if _transferable(ctx, goals, st, u, w, sc) and fits(ctx, st, w, sc, caps):
                        take(ctx, st, w, sc)
                        return True
                drop(ctx, st, u, si)
            take(ctx, st, u, sc)
    return False


#: Minutes between two duties' starts within which one may stand in the way of the other
#: (the rest rule asks at most 24 h; a run of duty days is checked by `fits` itself).
_NEAR = 3 * 24 * 60
