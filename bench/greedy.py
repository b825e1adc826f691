"""The greedy peer: a roster made the way a leader with a spreadsheet would make it.

A baseline for the benchmark, not part of the product. Walk the calendar in time order and
give each shift that must be staffed to the eligible doctor with the fewest burden points so
far (tie: fewest shifts, then doctor id). "Eligible" means every hard rule that can be seen
at that moment holds: pool, exemptions, absences, courses, no overlap with the doctor's own
duties, rest after on-site duty (also before the doctor's own practice day), min_gap_days,
the caps on nights, weekends and duties, and fixed_shifts as an upper limit. A doctor who
may not work alone is primary only if a competent doctor can take the covering
kompetansebakvakt, which is then assigned greedily too. Nobody fits: the shift stays a hole.

It does not look ahead and does not use fair-share targets, carry-over or wishes.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from roster.calendar import Shift
from roster.checker import weekend_keys
from roster.eligibility import competent_for, unavailable_reason
from roster.formats.exchange import Assignment, Roster
from roster.instance import Instance
from roster.model import Doctor, Role
from roster.rest import duty_rest_short, longest_rest_minutes, practice_conflict
from roster.rules import (
    MaxCountParams,
    MinGapDaysParams,
    RuleBook,
)

DAY_MINUTES = 24 * 60


@dataclass
class _Load:
    """What one doctor has taken so far. `duties` is sorted by (start, shift type id)."""

    doctor: Doctor
    duties: list[Shift] = field(default_factory=list)
    keys: list[tuple[int, str]] = field(default_factory=list)
    points: int = 0
    primaries: int = 0
    nights: int = 0
    weekends: set[tuple[int, int]] = field(default_factory=set)

    def rank(self) -> tuple[int, int, str]:
        return (self.points, len(self.duties), self.doctor.id)

    def add(self, s: Shift) -> None:
        at = bisect.bisect(self.keys, (s.t0, s.type_id))
        self.keys.insert(at, (s.t0, s.type_id))
        self.duties.insert(at, s)
        self.points += s.points
        self.primaries += s.role == Role.primary
        self.nights += s.is_night
        self.weekends |= weekend_keys([s])

    def near(self, s: Shift, minutes: int) -> list[Shift]:
        """Own duties starting within `minutes` either side of the shift's start."""
        lo = bisect.bisect_left(self.keys, (s.t0 - minutes, ""))
        hi = bisect.bisect_right(self.keys, (s.t1 + minutes, "\uffff"))
        return self.duties[lo:hi]


def _gap_breach(first: Shift, second: Shift, rules: RuleBook) -> bool:
    p = rules.params("min_gap_days", first.date, MinGapDaysParams)
    if (second.date - first.date).days >= p.days:
        return False
    return not (p.allow_back_to_back and second.t0 == first.t1)


class _Greedy:
    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        self.rules = instance.rules
        self.loads = [_Load(d) for d in instance.doctors]
        self.by_id = {ld.doctor.id: ld for ld in self.loads}
        start = instance.period.start
        self.caps = {
            r: self.rules.params(r, start, MaxCountParams).max
            for r in ("max_nights", "max_weekends", "max_duties")
        }
        longest_gap = max(
            (self.rules.params("min_gap_days", day, MinGapDaysParams).days)
            for day in instance.period.dates()
        )
        longest_rest = longest_rest_minutes(self.rules, instance.period.dates())
        longest_shift = max((s.minutes for s in instance.shifts), default=0)
        # Any duty that can clash with a shift starts within this many minutes of it.
        self.window = max(longest_gap + 1, 2) * DAY_MINUTES + longest_shift + longest_rest
        self.staffed: dict[str, list[str]] = {}
        self._static: dict[tuple[str, str], bool] = {}

    # ------------------------------------------------------------------ eligibility

    def _static_ok(self, load: _Load, s: Shift) -> bool:
        key = (load.doctor.id, s.id)
        hit = self._static.get(key)
        if hit is None:
            d = load.doctor
            hit = (
                unavailable_reason(d, s, self.rules) is None
                and practice_conflict(d, s, self.rules) is None
            )
            self._static[key] = hit
        return hit

    def fits(self, load: _Load, s: Shift) -> bool:
        """May this doctor take the shift, given what everyone holds now?"""
        d = load.doctor
        n = len(load.duties)
        if d.id in self.staffed.get(s.id, ()):
            return False
        if d.fixed_shifts is not None and n >= d.fixed_shifts:
            return False
        caps = self.caps
        if caps["max_duties"] is not None and n >= caps["max_duties"]:
            return False
        if s.is_night and caps["max_nights"] is not None and load.nights >= caps["max_nights"]:
            return False
        if caps["max_weekends"] is not None:
            new = weekend_keys([s]) - load.weekends
            if new and len(load.weekends) >= caps["max_weekends"]:
                return False
        for u in load.near(s, self.window):
            if u.t0 < s.t1 and s.t0 < u.t1:
                return False  # overlap
            first, second = (u, s) if (u.t0, u.type_id) < (s.t0, s.type_id) else (s, u)
            if duty_rest_short(first, second, self.rules) is not None or _gap_breach(
                first, second, self.rules
            ):
                return False
        return self._static_ok(load, s)

    def competent(self, load: _Load, s: Shift) -> bool:
        # In time order, every primary the doctor holds starts before this shift.
        before = sum(1 for u in load.duties if u.role == Role.primary and u.t0 < s.t0)
        return competent_for(load.doctor, s, self.rules, before)

    # ------------------------------------------------------------------ assignment

    def ranked(self) -> list[_Load]:
        return sorted(self.loads, key=_Load.rank)

    def take(self, load: _Load, s: Shift) -> None:
        load.add(s)
        self.staffed.setdefault(s.id, []).append(load.doctor.id)

    def backup_for(
        self, primary: _Load, s: Shift, covering: list[Shift]
    ) -> tuple[_Load, Shift] | None:
        """A competent doctor for a covering kompetansebakvakt, or None when nobody fits.
        Returns (primary, s) itself as a marker when a back-up already covers the shift."""
        for t in covering:
            for b in self.staffed.get(t.id, ()):
                if b != primary.doctor.id and self.competent(self.by_id[b], t):
                    return primary, s
        options = []
        for t in covering:
            if len(self.staffed.get(t.id, ())) >= t.doctors:
                continue
            for b in self.ranked():
                if b is not primary and self.fits(b, t) and self.competent(b, t):
                    options.append((b, t))
                    break
        return min(options, key=lambda bt: bt[0].rank(), default=None)

    def run(self) -> Roster:
        shifts = self.instance.shifts  # ordered by start, then shift type id
        backups = [t for t in shifts if t.role == Role.backup_competence]
        for s in shifts:
            if not s.needed_always:
                continue
            covering = [t for t in backups if t.backs_up(s)]
            for _ in range(s.doctors):
                self.fill_one(s, covering)
        out = [
            Assignment(shift_id=sid, doctor_id=did)
            for sid, doctors in self.staffed.items()
            for did in doctors
        ]
        out.sort(key=lambda a: (a.shift_id, a.doctor_id))
        return Roster(assignments=tuple(out))

    def fill_one(self, s: Shift, covering: list[Shift]) -> None:
        for load in self.ranked():
            if not self.fits(load, s):
                continue
            if s.role != Role.primary or self.competent(load, s):
                self.take(load, s)
                return
            backup = self.backup_for(load, s, covering)
            if backup is None:
                continue  # may not work alone and nobody can back this doctor up
            self.take(load, s)
            b, t = backup
            if b is not load:
                self.take(b, t)
            return
        # nobody fits: a hole


def greedy_roster(instance: Instance) -> Roster:
    """The spreadsheet roster: fewest points first, hard rules as far as they can be seen."""
    return _Greedy(instance).run()
