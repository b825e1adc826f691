"""Who shares which duties: the doctors who can take each duty (and who carries a part of
it), duties grouped by who can take them, and the fractional roster that shares every duty
among them by participation share (roster.targets builds the targets from it)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from roster.calendar import Shift
from roster.eligibility import exemption_rule
from roster.instance import Instance
from roster.model import (
    Doctor,
    ExemptionKind,
    Period,
    Role,
    Scope,
)
from roster.pairs import PairFacts, pair_facts

#: Categories doctors count. Night, weekend, evening and big holiday count duties as lege i
#: vakt; back-up duties (kompetansebakvakt) are a category of their own.
CATEGORIES = ("night", "weekend", "evening", "big_holiday", "backup")


#: Exemption kinds a doctor may be asked to make up for (never the statutory rights).
MAKEUP_KINDS = frozenset({ExemptionKind.health, ExemptionKind.social, ExemptionKind.agreement})


MAKEUP_SCOPES = frozenset({Scope.nights, Scope.weekends, Scope.shift_types})


_ITERATIONS = 2000
_MOST = 1e9  # largest multiplier: a doctor asked to take (nearly) all they can


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
class Group:
    """Duties that are alike for fairness: same type, points, categories and doctors."""

    type_id: str
    points: int
    categories: frozenset[str]
    shifts: tuple[int, ...]
    members: tuple[int, ...]  # doctor indices who can take a part
    seats: float  # doctors needed per duty (back-ups: filled in from the covered duties)
    not_alone: tuple[int, ...] = ()  # members who need a back-up on these duties
    covers: tuple[int, ...] = ()  # back-ups: the primary groups they cover


Pairs = set[tuple[int, int]]


def able(instance: Instance, doctors: Sequence[Doctor]) -> tuple[Pairs, Pairs]:
    """(doctor, duty) pairs: who carries a part of each duty, and who can actually be there.

    The first set is the doctors' fair parts (holidays and courses do not reduce them; with
    `fairness.exemption_makeup`, neither do partial exemptions made up for); the second
    leaves out those days away and those exemptions, and is where the parts are taken."""
    makeup = instance.fairness.exemption_makeup
    facts = _facts(instance, doctors)
    carries: Pairs = set()
    present: Pairs = set()
    for si, s in enumerate(instance.shifts):
        for di, d in enumerate(doctors):
            reason = facts.carry(di, si)
            if reason is None:
                carries.add((di, si))
                if not facts.away(di, si):
                    present.add((di, si))
            elif makeup and _makeup_exemption(d, s, instance):
                carries.add((di, si))
    return carries, present


def _facts(instance: Instance, doctors: Sequence[Doctor]) -> PairFacts:
    """The instance's pair facts (built once), for its own doctors; another list of doctors
    is judged pair by pair."""
    facts = pair_facts(instance)
    if len(doctors) == len(facts.doctors) and all(
        a is b for a, b in zip(doctors, facts.doctors, strict=True)
    ):
        return facts
    return PairFacts(instance, doctors)


def groups_of(
    instance: Instance, doctors: Sequence[Doctor], able: Pairs
) -> tuple[list[Group], dict[int, int]]:
    """Duties grouped by who can take them (`able`)."""
    shifts = instance.shifts
    covered = covered_primaries(shifts)
    facts = _facts(instance, doctors)
    keyed: dict[tuple[object, ...], list[int]] = defaultdict(list)
    info: dict[tuple[object, ...], tuple[tuple[int, ...], tuple[int, ...]]] = {}
    group_of_shift: dict[int, int] = {}
    order: list[tuple[object, ...]] = []
    for si, s in enumerate(shifts):
        if s.role == Role.backup_competence:
            continue
        members = [di for di in range(len(doctors)) if (di, si) in able]
        not_alone = tuple(
            di for di in members if s.role == Role.primary and not facts.competent(di, si)
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
    groups: list[Group] = []
    for key in order:
        members_t, not_alone = info[key]
        for si in keyed[key]:
            group_of_shift[si] = len(groups)
        s0 = shifts[keyed[key][0]]
        groups.append(
            Group(
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
            Group(
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


class Sharing:
    """The fractional roster: each group's seats shared among its members by weight."""

    def __init__(self, groups: list[Group], shares: Sequence[float]) -> None:
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
                # bounded: an agreement no pool can meet (explained by the solver) asks
                # for more than everything, and the multiplier would grow without end
                m[di] = min(m[di] * want / have, _MOST)
            if worst < _TOLERANCE:
                break
        return m
