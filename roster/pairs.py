"""The static facts of every (doctor, shift) pair of an instance: may the doctor ever take
the duty (the solver's variables), and does the doctor carry a part of it (the fair
targets).

`PairFacts` judges each pair with the predicates of roster.eligibility and roster.rest, one
pair at a time: the reference. `FastPairFacts` gives the same answers, pair by pair, but
computes what depends only on the doctor and the date (courses, working alone, days away)
once per doctor and date, and the practice-day clash once per shift for every doctor who
has a practice day and is not away near it; `pair_facts(instance)` builds it once per
instance, so the model build and the targets share it. tests/roster/test_pairs.py holds the
two equal on Innherred and generated instances. The checker (roster.checker) uses neither:
it judges a roster with the per-pair predicates.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from roster.calendar import Shift
from roster.eligibility import (
    absence_during,
    cached,
    competent_alone,
    competent_for,
    courses_valid,
    courses_valid_for,
    exempt,
    in_pool,
    outside_rota,
)
from roster.instance import Instance
from roster.model import ABSENCES_REDUCING_TARGET, Doctor, Role
from roster.rest import clashes_with, days_around, first_conflict, office_day, practice_conflict


class PairFacts:
    """Each fact judged for one pair at a time (the reference). Pairs are (doctor index,
    shift index) into the instance's doctors and shifts."""

    def __init__(self, instance: Instance, doctors: Sequence[Doctor] | None = None) -> None:
        self.instance = instance
        self.rules = instance.rules
        self.doctors: tuple[Doctor, ...] = tuple(instance.doctors if doctors is None else doctors)
        self.shifts: tuple[Shift, ...] = tuple(instance.shifts)
        #: Shift types some back-up type covers: a primary there may have a back-up.
        self.covered = frozenset(c for t in instance.shift_types for c in t.covers)

    # ------------------------------------------------------------------ facts

    def exempt(self, di: int, si: int) -> str | None:
        return exempt(self.doctors[di], self.shifts[si], self.rules)

    def away(self, di: int, si: int) -> bool:
        """An absence overlaps the duty's time."""
        return absence_during(self.doctors[di], self.shifts[si]) is not None

    def away_reducing(self, di: int, si: int) -> bool:
        """An absence that reduces the doctor's target overlaps the duty's time."""
        d = self.doctors[di]
        if not any(a.kind in ABSENCES_REDUCING_TARGET for a in d.absences):
            return False
        absence = absence_during(d, self.shifts[si])
        return absence is not None and absence.kind in ABSENCES_REDUCING_TARGET

    def outside(self, di: int, si: int) -> bool:
        return outside_rota(self.doctors[di], self.shifts[si]) is not None

    def courses(self, di: int, si: int) -> bool:
        return courses_valid_for(self.doctors[di], self.shifts[si], self.rules)

    def competent(self, di: int, si: int) -> bool:
        """May the doctor be alone on the whole duty (the solver's safe side: no duties in
        the plan counted)."""
        return competent_for(self.doctors[di], self.shifts[si], self.rules)

    def practice(self, di: int, si: int) -> str | None:
        return practice_conflict(self.doctors[di], self.shifts[si], self.rules)

    # ------------------------------------------------------------------ reasons

    def _competence(self, di: int, si: int) -> str | None:
        s = self.shifts[si]
        if s.role == Role.backup_competence and not self.competent(di, si):
            return "competence_backup"
        if s.role == Role.primary and s.type_id not in self.covered:
            if not self.competent(di, si):
                return "competence_backup"
        return None

    def static(self, di: int, si: int) -> str | None:
        """Why the pair can never be in a valid roster (rule id), or None: the solver gives
        it no variable."""
        s = self.shifts[si]
        if not in_pool(self.doctors[di], s):
            return "pool"
        rule = self.exempt(di, si)
        if rule is not None:
            return rule
        if self.away(di, si) or self.outside(di, si):
            return "absence"
        if not self.courses(di, si):
            return "courses_required"
        return self._competence(di, si) or self.practice(di, si)

    def carry(self, di: int, si: int) -> str | None:
        """Why the doctor's target has no part of this duty (a rule id), or None. Like
        `static`, except that holidays and courses keep the part: the doctor takes it at
        another time."""
        d = self.doctors[di]
        if d.share <= 0:
            return "share"
        if not in_pool(d, self.shifts[si]):
            return "pool"
        rule = self.exempt(di, si)
        if rule is not None:
            return rule
        if self.outside(di, si) or self.away_reducing(di, si):
            return "absence"
        if not self.courses(di, si):
            return "courses_required"
        return self._competence(di, si) or self.practice(di, si)


class FastPairFacts(PairFacts):
    """The same answers, a doctor's whole row at a time: what depends on (doctor, date) is
    computed once per date, the practice-day clash once per shift for every doctor who has
    a practice day and is not away near it, and only the pairs a doctor's own dates,
    absences, exemptions or rota touch are judged one by one."""

    def __init__(self, instance: Instance, doctors: Sequence[Doctor] | None = None) -> None:
        super().__init__(instance, doctors)
        self._on_day: dict[dt.date, list[int]] = defaultdict(list)  # shifts with hours on it
        self._near: dict[dt.date, list[int]] = defaultdict(list)  # days_around holds the date
        for si, s in enumerate(self.shifts):
            for day in s.dates:
                self._on_day[day].append(si)
            for day in set(days_around(s)):
                self._near[day].append(si)
        self._needs_alone = {
            si
            for si, s in enumerate(self.shifts)
            if s.role == Role.backup_competence
            or (s.role == Role.primary and s.type_id not in self.covered)
        }
        rules = self.rules
        self._office_clash: dict[int, str] = {}
        for si, s in enumerate(self.shifts):
            found = first_conflict(clashes_with(s, rules, lambda day: office_day(day, rules)))
            if found is not None:
                self._office_clash[si] = found
        self._out_of_pool: dict[str, frozenset[int]] = {}
        self._rows: dict[int, Row] = {}

    def row(self, di: int) -> Row:
        row = self._rows.get(di)
        if row is None:
            row = self._rows[di] = self._make_row(di)
        return row

    def _make_row(self, di: int) -> Row:
        d, rules = self.doctors[di], self.rules
        pool = self._out_of_pool.get(d.municipality)
        if pool is None:
            pool = frozenset(si for si, s in enumerate(self.shifts) if not in_pool(d, s))
            self._out_of_pool[d.municipality] = pool
        alone = {
            si
            for day, sis in self._on_day.items()
            if not competent_alone(d, day, rules)
            for si in sis
        }
        courses = {
            si
            for day, sis in self._on_day.items()
            if not courses_valid(d, day, rules)
            for si in sis
        }
        away_days = {
            a.start + dt.timedelta(days=i)
            for a in d.absences
            for i in range((a.end - a.start).days + 1)
        }
        touched = {si for day in away_days for si in self._on_day.get(day, ())}
        away = {si for si in touched if PairFacts.away(self, di, si)}
        reducing = {si for si in away if PairFacts.away_reducing(self, di, si)}
        outside: set[int] = set()
        if d.rota_from is not None or d.rota_until is not None:
            outside = {si for si in range(len(self.shifts)) if PairFacts.outside(self, di, si)}
        exempt: dict[int, str] = {}
        if d.exemptions:
            for si in range(len(self.shifts)):
                rule = PairFacts.exempt(self, di, si)
                if rule is not None:
                    exempt[si] = rule
        practice: dict[int, str] = {}
        if d.has_practice_day:
            practice = dict(self._office_clash)
            for si in {si for day in away_days for si in self._near.get(day, ())}:
                practice.pop(si, None)
                found = PairFacts.practice(self, di, si)
                if found is not None:
                    practice[si] = found
        competence = {si: "competence_backup" for si in alone & self._needs_alone}

        def reasons(absent: set[int]) -> dict[int, str]:
            """Lowest priority first: a stronger reason overwrites a weaker one."""
            out = {**practice, **competence}
            out.update(dict.fromkeys(courses, "courses_required"))
            out.update(dict.fromkeys(absent | outside, "absence"))
            out.update(exempt)
            out.update(dict.fromkeys(pool, "pool"))
            return out

        static = reasons(away)
        carry = (
            reasons(reducing) if d.share > 0 else dict.fromkeys(range(len(self.shifts)), "share")
        )
        return Row(static, carry, frozenset(alone), frozenset(away))

    def static(self, di: int, si: int) -> str | None:
        return self.row(di).static.get(si)

    def carry(self, di: int, si: int) -> str | None:
        return self.row(di).carry.get(si)

    def competent(self, di: int, si: int) -> bool:
        return si not in self.row(di).not_alone

    def away(self, di: int, si: int) -> bool:
        return si in self.row(di).away


@dataclass(frozen=True)
class Row:
    """One doctor's answers (read directly where every pair is asked): the reason per excluded shift (solver, targets), the shifts the
    doctor may not be alone on, and those an absence overlaps."""

    static: dict[int, str]
    carry: dict[int, str]
    not_alone: frozenset[int]
    away: frozenset[int]


def pair_facts(instance: Instance) -> FastPairFacts:
    """The instance's pair facts, built once (kept with the instance's rule book)."""
    return cached(instance.rules, ("pair_facts",), instance, lambda: FastPairFacts(instance))
