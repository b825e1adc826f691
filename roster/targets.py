"""Fair targets: how many duties of each kind, and how many points, each doctor should carry.

The rule, as a leader says it: every duty is shared among the doctors who can take it, in
proportion to their participation share. A doctor's target for a shift type, a category
(nights, weekends and holidays, weekday evenings, big holidays, back-up duties) and in total
is the sum of their parts of those duties.

Because every target is a sum over one fractional sharing of the same duties, all targets
can be met at once by that fractional roster: total, categories and shift types never pull
against each other (tests/roster/test_targets.py checks it with an independent LP).

Who can take a duty: the pool, exemptions, long leave (permisjon, sykmelding), valid courses,
competence (a doctor who may not work alone only where a kompetansebakvakt can cover) and rest
against the doctor's own practice day. Holidays (ferie) and courses do not reduce a target: the
doctor takes the share at other times.

Three things move a doctor's part of the duties they can take up or down, spread evenly over
those duties (a scaling of the doctor's weight, found by iterative proportional fitting):
- an agreed number of duties (`fixed_shifts`): the parts add up to that number;
- carry-over from earlier periods (points above target then give a lower target now);
- with `fairness.exemption_makeup`, a granted partial exemption (no nights, no weekends, named
  shift types) is made up with the duties the doctor can take, up to the points the doctor
  would have carried without it. Statutory rights (age, pregnancy, breastfeeding) never are.

Kompetansebakvakter are needed only when a doctor who may not work alone is on duty; their
expected number follows from those doctors' parts of the covered duties, and it is shared
among the competent doctors like any other duty.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from roster.calendar import Shift
from roster.eligibility import (
    absence_during,
    competent_for,
    courses_valid_for,
    exempt,
    exemption_rule,
    in_pool,
    outside_rota,
)
from roster.instance import Instance
from roster.model import (
    ABSENCES_REDUCING_TARGET,
    CostKey,
    Doctor,
    ExemptionKind,
    Period,
    Role,
    Scope,
)
from roster.rest import practice_conflict

#: Categories doctors count. Night, weekend, evening and big holiday count duties as lege i
#: vakt; back-up duties (kompetansebakvakt) are a category of their own.
CATEGORIES = ("night", "weekend", "evening", "big_holiday", "backup")

#: Exemption kinds a doctor may be asked to make up for (never the statutory rights).
MAKEUP_KINDS = frozenset({ExemptionKind.health, ExemptionKind.social, ExemptionKind.agreement})
MAKEUP_SCOPES = frozenset({Scope.nights, Scope.weekends, Scope.shift_types})

_ITERATIONS = 2000
_TOLERANCE = 1e-10


def categories_of(shift: Shift) -> frozenset[str]:
    """The categories a duty counts in."""
    if shift.role == Role.backup_competence:
        return frozenset({"backup"})
    out = set()
    if shift.is_night:
        out.add("night")
    if shift.is_weekend:
        out.add("weekend")
    elif shift.period == Period.evening:
        out.add("evening")
    if shift.big_holiday is not None:
        out.add("big_holiday")
    return frozenset(out)


def in_category(shift: Shift, category: str) -> bool:
    if category not in CATEGORIES:
        raise ValueError(category)
    return category in categories_of(shift)


def carry_reason(doctor: Doctor, shift: Shift, instance: Instance) -> str | None:
    """Why the doctor's target has no part of this duty (a rule id), or None.

    Like the solver's eligibility, except that holidays and courses keep the part: the doctor
    takes it at another time."""
    rules = instance.rules
    if doctor.share <= 0:
        return "share"
    if not in_pool(doctor, shift):
        return "pool"
    rule = exempt(doctor, shift, rules)
    if rule is not None:
        return rule
    if outside_rota(doctor, shift) is not None:
        return "absence"
    if any(a.kind in ABSENCES_REDUCING_TARGET for a in doctor.absences):
        absence = absence_during(doctor, shift)
        if absence is not None and absence.kind in ABSENCES_REDUCING_TARGET:
            return "absence"
    if not courses_valid_for(doctor, shift, rules):
        return "courses_required"
    if shift.role == Role.backup_competence:
        if not competent_for(doctor, shift, rules):
            return "competence_backup"
    elif shift.role == Role.primary and not competent_for(doctor, shift, rules):
        if not any(shift.type_id in t.covers for t in instance.shift_types):
            return "competence_backup"
    return practice_conflict(doctor, shift, rules)


def _makeup_exemption(doctor: Doctor, shift: Shift, instance: Instance) -> bool:
    """True when the only thing between the doctor and the duty is a partial exemption the
    doctor makes up for (fairness.exemption_makeup)."""
    rules = instance.rules
    found = False
    for ex in doctor.exemptions:
        if exemption_rule(doctor, ex, shift, rules) is None:
            continue
        if ex.kind not in MAKEUP_KINDS or ex.scope not in MAKEUP_SCOPES:
            return False
        found = True
    return found


def covered_primaries(shifts: Sequence[Shift]) -> dict[int, list[int]]:
    """For each kompetansebakvakt (index), the primary duties (indices) it covers: a covered
    shift type, inside the back-up's time, starting on its day or the day after."""
    by_day: dict[int, list[int]] = defaultdict(list)
    for si, s in enumerate(shifts):
        if s.role == Role.primary:
            by_day[s.date.toordinal()].append(si)
    out: dict[int, list[int]] = {}
    for ti, t in enumerate(shifts):
        if t.role != Role.backup_competence:
            continue
        day = t.date.toordinal()
        out[ti] = [si for d in (day, day + 1) for si in by_day.get(d, []) if t.backs_up(shifts[si])]
    return out


@dataclass(frozen=True)
class _Group:
    """Duties that are alike for fairness: same type, points, categories and doctors."""

    type_id: str
    points: int
    categories: frozenset[str]
    shifts: tuple[int, ...]
    members: tuple[int, ...]  # doctor indices who can take a part
    seats: float  # doctors needed per duty (back-ups: filled in from the covered duties)
    not_alone: tuple[int, ...] = ()  # members who need a back-up on these duties
    covers: tuple[int, ...] = ()  # back-ups: the primary groups they cover


@dataclass(frozen=True)
class Basis:
    """Everything about fairness that does not depend on the roster.

    `points`, `types` and `categories` are the targets of every doctor in the sharing (the
    compared doctors and those with an agreed number of duties); `compared` are the doctors
    whose total points are compared with their target (no agreed number, something to carry).
    """

    compared: tuple[str, ...]
    fixed: dict[str, int]
    points: dict[str, float]
    types: dict[str, dict[str, float]]
    categories: dict[str, dict[str, float]]
    category_points: dict[str, dict[str, float]]
    carry: dict[str, float]
    municipalities: dict[str, float]  # points by the cost key, per shift type's pool
    municipality_keys: dict[str, float]  # the key itself, summing to 1

    @property
    def doctors(self) -> list[str]:
        return sorted(self.points)

    def like_groups(self) -> list[list[str]]:
        """Compared doctors with the same targets for every shift type and category (and so
        in total): doctors who should carry the same, and who count alike."""
        groups: dict[tuple[tuple[str, float], ...], list[str]] = defaultdict(list)
        for d in self.compared:
            key = tuple(
                sorted(
                    [(f"t:{k}", round(v, 6)) for k, v in self.types[d].items()]
                    + [(f"c:{k}", round(v, 6)) for k, v in self.categories[d].items()]
                    + [("points", round(self.points[d], 6))]
                )
            )
            groups[key].append(d)
        return sorted((sorted(g) for g in groups.values() if len(g) > 1), key=lambda g: g[0])


def municipality_keys(instance: Instance) -> dict[str, float]:
    munis = instance.legevakt.municipalities
    key = instance.legevakt.cost_key
    if key == CostKey.equal:
        raw = {m.id: 1.0 for m in munis}
    elif key == CostKey.agreed:
        raw = {m.id: float(m.share or 0) for m in munis}
    else:
        raw = {m.id: float(m.population) for m in munis}
    total = sum(raw.values())
    return {k: (v / total if total else 0.0) for k, v in raw.items()}


Pairs = set[tuple[int, int]]


def _able(instance: Instance, doctors: Sequence[Doctor]) -> tuple[Pairs, Pairs]:
    """(doctor, duty) pairs: who carries a part of each duty, and who can actually be there.

    The first set is the doctors' fair parts (holidays and courses do not reduce them; with
    `fairness.exemption_makeup`, neither do partial exemptions made up for); the second
    leaves out those days away and those exemptions, and is where the parts are taken."""
    makeup = instance.fairness.exemption_makeup
    carries: Pairs = set()
    present: Pairs = set()
    for si, s in enumerate(instance.shifts):
        for di, d in enumerate(doctors):
            reason = carry_reason(d, s, instance)
            if reason is None:
                carries.add((di, si))
                if absence_during(d, s) is None:
                    present.add((di, si))
            elif makeup and _makeup_exemption(d, s, instance):
                carries.add((di, si))
    return carries, present


def _groups(
    instance: Instance, doctors: Sequence[Doctor], able: Pairs
) -> tuple[list[_Group], dict[int, int]]:
    """Duties grouped by who can take them (`able`)."""
    shifts = instance.shifts
    covered = covered_primaries(shifts)
    rules = instance.rules
    keyed: dict[tuple[object, ...], list[int]] = defaultdict(list)
    info: dict[tuple[object, ...], tuple[tuple[int, ...], tuple[int, ...]]] = {}
    group_of_shift: dict[int, int] = {}
    order: list[tuple[object, ...]] = []
    for si, s in enumerate(shifts):
        if s.role == Role.backup_competence:
            continue
        members = [di for di in range(len(doctors)) if (di, si) in able]
        not_alone = tuple(
            di
            for di in members
            if s.role == Role.primary and not competent_for(doctors[di], s, rules)
        )
        key: tuple[object, ...] = (
            s.type_id,
            s.points,
            s.doctors,
            categories_of(s),
            tuple(members),
            not_alone,
        )
        if key not in info:
            info[key] = (tuple(members), not_alone)
            order.append(key)
        keyed[key].append(si)
    groups: list[_Group] = []
    for key in order:
        members_t, not_alone = info[key]
        for si in keyed[key]:
            group_of_shift[si] = len(groups)
        s0 = shifts[keyed[key][0]]
        groups.append(
            _Group(
                s0.type_id,
                s0.points,
                categories_of(s0),
                tuple(keyed[key]),
                members_t,
                float(s0.doctors),
                not_alone,
            )
        )
    backup_keyed: dict[tuple[object, ...], list[int]] = defaultdict(list)
    backup_order: list[tuple[object, ...]] = []
    for ti, t in enumerate(shifts):
        if t.role != Role.backup_competence:
            continue
        members = [di for di in range(len(doctors)) if (di, ti) in able]
        cover = tuple(sorted({group_of_shift[si] for si in covered.get(ti, [])}))
        key = (t.type_id, t.points, t.doctors, categories_of(t), tuple(members), cover)
        if key not in backup_keyed:
            backup_order.append(key)
        backup_keyed[key].append(ti)
    for key in backup_order:
        t0 = shifts[backup_keyed[key][0]]
        groups.append(
            _Group(
                t0.type_id,
                t0.points,
                categories_of(t0),
                tuple(backup_keyed[key]),
                key[4],  # type: ignore[arg-type]
                float(t0.doctors),
                (),
                key[5],  # type: ignore[arg-type]
            )
        )
    return groups, group_of_shift


class _Sharing:
    """The fractional roster: each group's seats shared among its members by weight."""

    def __init__(self, groups: list[_Group], shares: Sequence[float]) -> None:
        self.groups = groups
        n_g, n_d = len(groups), len(shares)
        self.mask = np.zeros((n_g, n_d))
        self.not_alone = np.zeros((n_g, n_d))
        self.covers = np.zeros((n_g, n_g))
        for gi, g in enumerate(groups):
            self.mask[gi, list(g.members)] = 1.0
            self.not_alone[gi, list(g.not_alone)] = 1.0
            self.covers[gi, list(g.covers)] = 1.0
        self.shares = np.asarray(shares, dtype=float)
        self.count = np.array([len(g.shifts) for g in groups], dtype=float)
        self.points = np.array([g.points for g in groups], dtype=float)
        self.base_seats = np.array([g.seats for g in groups], dtype=float)
        self.is_backup = self.covers.sum(axis=1) > 0

    def fractions(self, multipliers: np.ndarray) -> np.ndarray:
        w = self.mask * (self.shares * multipliers)[None, :]
        total = w.sum(axis=1, keepdims=True)
        q: np.ndarray = np.divide(w, total, out=np.zeros_like(w), where=total > 0)
        return q

    def seats(self, q: np.ndarray) -> np.ndarray:
        """Doctors needed per duty, per group: back-ups by the expected need they cover."""
        need_per_duty = (q * self.not_alone).sum(axis=1) * self.base_seats
        need = self.covers @ need_per_duty
        seats: np.ndarray = np.where(
            self.is_backup, np.minimum(self.base_seats, need), self.base_seats
        )
        return seats

    def counts(self, multipliers: np.ndarray) -> np.ndarray:
        """Expected duties per (group, doctor)."""
        q = self.fractions(multipliers)
        out: np.ndarray = q * (self.seats(q) * self.count)[:, None]
        return out

    def fit(
        self,
        multipliers: np.ndarray,
        fixed: dict[int, float],
        shared: dict[int, tuple[float, float]] | None = None,
    ) -> np.ndarray:
        """Scale multipliers until doctors in `fixed` expect that many duties and each doctor
        in `shared` (weight, carry) expects (B + C) * weight - carry points, where B is what
        those doctors carry together and C the sum of their carry: as far as the duties they
        can take allow (iterative proportional fitting)."""
        m = multipliers.copy()
        shared = shared or {}
        if not fixed and not shared:
            return m
        carry_total = sum(c for _, c in shared.values())
        ids = list(shared)
        for _ in range(_ITERATIONS):
            c = self.counts(m)
            have_n = c.sum(axis=0)
            have_p = c.T @ self.points
            pot = float(sum(have_p[di] for di in ids)) + carry_total
            wanted = {di: float(k) for di, k in fixed.items()}
            units = {di: have_n for di in fixed}
            for di, (weight, carry) in shared.items():
                wanted[di] = pot * weight - carry
                units[di] = have_p
            worst = 0.0
            for di, want in wanted.items():
                have = float(units[di][di])
                if have <= 0:
                    continue
                want = max(want, 1e-9)
                worst = max(worst, abs(have - want) / max(want, 1.0))
                m[di] *= want / have
            if worst < _TOLERANCE:
                break
        return m


def basis(instance: Instance) -> Basis:
    doctors = list(instance.doctors)
    shares = [max(d.share, 0.0) for d in doctors]
    fixed = {di: d.fixed_shifts for di, d in enumerate(doctors) if d.fixed_shifts is not None}
    counted = {di: float(k) for di, k in fixed.items()}
    ones = np.ones(len(doctors))
    carries, present = _able(instance, doctors)
    # Each doctor's fair part, as if always there (and, with make-up, not exempt).
    fair = _Sharing(_groups(instance, doctors, carries)[0], shares)
    base = fair.counts(fair.fit(ones, counted)).T @ fair.points
    compared = [di for di, d in enumerate(doctors) if di not in fixed and base[di] > 0]
    carry = {
        doctors[di].id: float(instance.history.carry_points.get(doctors[di].id, 0.0))
        for di in compared
    }
    # Where the parts are taken: the duties each doctor can be at, scaled so every doctor's
    # points come to their part, less carry-over (as far as those duties allow).
    groups, _ = _groups(instance, doctors, present)
    sharing = _Sharing(groups, shares)
    m = sharing.fit(ones, counted)
    if carries != present or any(carry.values()):
        total = float(sum(base[di] for di in compared))
        shared = {di: (float(base[di]) / total, carry[doctors[di].id]) for di in compared}
        m = sharing.fit(m, counted, shared)
    counts = sharing.counts(m)
    return _basis_from(instance, doctors, groups, counts, compared, fixed, carry)


def _basis_from(
    instance: Instance,
    doctors: Sequence[Doctor],
    groups: Sequence[_Group],
    counts: np.ndarray,
    compared: Sequence[int],
    fixed: dict[int, int],
    carry: dict[str, float],
) -> Basis:
    inside = sorted({*compared, *fixed})
    points: dict[str, float] = {}
    types: dict[str, dict[str, float]] = {}
    cats: dict[str, dict[str, float]] = {}
    cat_points: dict[str, dict[str, float]] = {}
    type_ids = [t.id for t in instance.shift_types]
    for di in inside:
        d = doctors[di].id
        types[d] = {t: 0.0 for t in type_ids}
        cats[d] = {c: 0.0 for c in CATEGORIES}
        cat_points[d] = {c: 0.0 for c in CATEGORIES}
        total = 0.0
        for gi, g in enumerate(groups):
            n = float(counts[gi, di])
            if n == 0.0:
                continue
            types[d][g.type_id] += n
            total += n * g.points
            for c in g.categories:
                cats[d][c] += n
                cat_points[d][c] += n * g.points
        points[d] = _exact(total)
        types[d] = {k: _exact(v) for k, v in types[d].items()}
        cats[d] = {k: _exact(v) for k, v in cats[d].items()}
        cat_points[d] = {k: _exact(v) for k, v in cat_points[d].items()}
    return Basis(
        compared=tuple(doctors[di].id for di in compared),
        fixed={doctors[di].id: k for di, k in fixed.items()},
        points=points,
        types=types,
        categories=cats,
        category_points=cat_points,
        carry=carry,
        municipalities=_municipality_targets(instance, doctors, groups, counts),
        municipality_keys=municipality_keys(instance),
    )


def _exact(value: float) -> float:
    """Rounded to a billionth: sums of fractions that are whole numbers come out whole."""
    return round(value, 9) + 0.0


def _municipality_targets(
    instance: Instance, doctors: Sequence[Doctor], groups: Sequence[_Group], counts: np.ndarray
) -> dict[str, float]:
    """Each duty's points shared among the member municipalities that take part in it (have a
    doctor who can take it), by the cost key."""
    keys = municipality_keys(instance)
    out = {m.id: 0.0 for m in instance.legevakt.municipalities}
    for gi, g in enumerate(groups):
        pts = float(counts[gi].sum()) * g.points
        if pts == 0:
            continue
        present = sorted({doctors[di].municipality for di in g.members})
        weight = sum(keys.get(m, 0.0) for m in present)
        for m in present:
            if weight > 0:
                out[m] += pts * keys.get(m, 0.0) / weight
            else:
                out[m] += pts / len(present)
    return out


def integer_lower_bound(targets: dict[str, float], burden_range: tuple[int, int]) -> float:
    """A proven lower bound on the largest deviation of any compared doctor's points from
    target, for any roster whose compared doctors carry a total in `burden_range`.

    Points are whole, non-negative numbers. Within a largest deviation D doctor d can have
    from max(0, ceil(t_d - D)) to floor(t_d + D) points; D is possible only if every such
    range is non-empty and the totals they allow meet `burden_range`. That is monotone in D,
    so the smallest such D is found by halving (to a billionth of a point, from below).
    """
    lo, hi = burden_range
    if not targets or hi < lo:
        return 0.0

    def possible(d: float) -> bool:
        least = most = 0
        for t in targets.values():
            a, z = max(0, math.ceil(t - d - 1e-12)), math.floor(t + d + 1e-12)
            if a > z:
                return False
            least, most = least + a, most + z
        return least <= hi and most >= lo

    below, above = 0.0, max(targets.values()) + max(hi, 0) + 1.0
    if possible(0.0):
        return 0.0
    while above - below > 1e-9:
        mid = (below + above) / 2
        if possible(mid):
            above = mid
        else:
            below = mid
    # The answer is the distance from some target to a whole number: the first such
    # distance above `below` that is possible.
    near = sorted(
        abs(k - t)
        for t in targets.values()
        for k in {
            math.floor(t - above),
            math.ceil(t - above),
            math.floor(t + above),
            math.ceil(t + above),
        }
        if abs(k - t) > below - 1e-9
    )
    return next((d for d in near if possible(d)), above)


def band(target: float) -> tuple[int, int]:
    """The whole counts nearest a target: both neighbours, or the target itself if whole."""
    lo = math.floor(target + 1e-9)
    hi = math.ceil(target - 1e-9)
    return lo, max(lo, hi)


def spread(values: Iterable[int]) -> int:
    xs = list(values)
    return max(xs) - min(xs) if xs else 0
