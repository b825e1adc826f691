"""Rest between work periods (rule `rest`, SFS 2305 pkt. 7.4 third paragraph: at least
8 hours off between two work periods, judged by the load of the duty).

A work period is a duty or the doctor's own practice day. Rest is judged before and after
every duty, against other duties and practice days alike:

- Between two duties: the rest the heavier of the two requires (on site
  `onsite_rest_hours`, home standby `standby_rest_hours`). A duty that starts the moment the
  other ends continues the same work period (an evening straight into a night).
- Before a duty, after the practice day: the rest the duty requires. A duty that starts when
  the practice day ends, or during it, continues the working day (the evening duty straight
  after the practice day); an on-site night at 23:00 after a day that ended at 16:00 has 7
  hours off, too few.
- After a duty, before the practice day: the rest the duty requires. The practice day that
  begins as an on-site night ends is given off instead (rule `day_off_after_night`).

A duty requires the most rest in force on any date it touches (every hour of a duty is
judged under the rules of its own date). The checker and the solver both use these
functions; the solver excludes a pair when a practice day clashes with it, the checker
reports each clash once, naming both work periods with their dates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from roster.calendar import OSLO, Shift, is_practice_day, to_minutes
from roster.eligibility import absent_on, cached, memo
from roster.model import Doctor, Mode
from roster.rules import DayOffAfterNightParams, RestParams, RuleBook


def rest_minutes(shift: Shift, rules: RuleBook) -> int:
    """Rest the duty's load requires before and after it (the most on any of its dates)."""
    key = ("rest_minutes", shift.mode, shift.dates)
    return cached(rules, key, None, lambda: _rest_minutes(shift, rules))


def _rest_minutes(shift: Shift, rules: RuleBook) -> int:
    hours = 0.0
    for day in shift.dates:
        p = rules.params("rest", day, RestParams)
        hours = max(
            hours, p.onsite_rest_hours if shift.mode == Mode.onsite else p.standby_rest_hours
        )
    return round(hours * 60)


def longest_rest_minutes(rules: RuleBook, days: list[dt.date]) -> int:
    """The most rest any duty on these dates can require (a search window)."""
    most = 0.0
    for day in days:
        p = rules.params("rest", day, RestParams)
        most = max(most, p.onsite_rest_hours, p.standby_rest_hours)
    return round(most * 60)


def duty_rest_short(first: Shift, second: Shift, rules: RuleBook) -> int | None:
    """The rest required between two duties of one doctor (`first` starts first) when they
    leave less and are not one work period; None when the rest is enough."""
    gap = second.t0 - first.t1
    if gap <= 0:
        return None  # one work period, or overlapping (rule one_at_a_time)
    need = max(rest_minutes(first, rules), rest_minutes(second, rules))
    return need if gap < need else None


@dataclass(frozen=True)
class PracticeDay:
    """The doctor's own practice day on a date, in minutes since the epoch."""

    day: dt.date
    t0: int
    t1: int

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.t0 * 60, OSLO)

    @property
    def end(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.t1 * 60, OSLO)


def practice_day(doctor: Doctor, day: dt.date, rules: RuleBook) -> PracticeDay | None:
    """The doctor's own practice day on this date, if any (not on holidays, nor on days of
    absence; only kinds of doctor that have a practice)."""
    return memo("practice", doctor, day, rules, lambda: _practice_day(doctor, day, rules))


def _practice_day(doctor: Doctor, day: dt.date, rules: RuleBook) -> PracticeDay | None:
    if not doctor.has_practice_day or absent_on(doctor, day):
        return None
    return office_day(day, rules)


def office_day(day: dt.date, rules: RuleBook) -> PracticeDay | None:
    """The practice day on this date of a doctor who has one and is not away that day: the
    same for every such doctor (None on weekends and holidays)."""
    return cached(rules, ("office_day", day), None, lambda: _office_day(day, rules))


def _office_day(day: dt.date, rules: RuleBook) -> PracticeDay | None:
    p = rules.params("rest", day, RestParams)
    if not is_practice_day(day, p.practice_weekdays):
        return None
    start = to_minutes(dt.datetime.combine(day, p.practice_start, tzinfo=OSLO))
    end = to_minutes(dt.datetime.combine(day, p.practice_end, tzinfo=OSLO))
    return PracticeDay(day, start, end)


@dataclass(frozen=True)
class PracticeClash:
    """Too little rest between a duty and the doctor's practice day."""

    practice: PracticeDay
    before: bool  # the practice day comes before the duty
    rule: str  # "rest" or "day_off_after_night"
    need: int  # minutes of rest required
    gap: int  # minutes of rest there are
    day_off: bool = False  # an on-site night: the practice day is given off, no breach


def practice_clashes(doctor: Doctor, s: Shift, rules: RuleBook) -> list[PracticeClash]:
    """Every practice day too close to the duty, before or after it."""
    return clashes_with(s, rules, lambda day: practice_day(doctor, day, rules))


def days_around(s: Shift) -> tuple[dt.date, dt.date, dt.date, dt.date]:
    """The dates whose practice day can clash with the duty: the day before it starts, the
    day it starts, the day it ends and the day after."""
    start_day, end_day = s.start.date(), s.end.date()
    one = dt.timedelta(days=1)
    return start_day - one, start_day, end_day, end_day + one


def clashes_with(
    s: Shift, rules: RuleBook, day_of: Callable[[dt.date], PracticeDay | None]
) -> list[PracticeClash]:
    """Every practice day (`day_of(date)`, asked only for `days_around(s)`) too close to
    the duty, before or after it."""
    need = rest_minutes(s, rules)
    if need == 0:
        return []
    out: list[PracticeClash] = []
    before, start_day, end_day, after = days_around(s)
    for day in (before, start_day):
        pd = day_of(day)
        if pd is not None and pd.t0 < s.t0 and s.t0 - need < pd.t1 < s.t0:
            out.append(PracticeClash(pd, True, "rest", need, s.t0 - pd.t1))
    for day in (end_day, after):
        pd = day_of(day)
        if pd is None or not (pd.t0 < s.t1 + need and pd.t1 > s.t1):
            continue
        if s.t0 < pd.t1 and s.t1 > pd.t0 and day == s.date:
            continue  # the duty is the working day itself (daglegevakt)
        gap = max(0, pd.t0 - s.t1)
        if s.is_night and s.mode == Mode.onsite and day == end_day:
            off = rules.params("day_off_after_night", day, DayOffAfterNightParams).enabled
            out.append(PracticeClash(pd, False, "day_off_after_night", need, gap, day_off=off))
            continue
        out.append(PracticeClash(pd, False, "rest", need, gap))
    return out


def practice_conflict(doctor: Doctor, s: Shift, rules: RuleBook) -> str | None:
    """The rule a duty breaks against the doctor's practice days whatever else the plan
    holds (for the solver, which leaves such a pair out), or None. A practice day that a
    night before could free (the day off after an on-site night) still counts here: the
    solver errs on the safe side, the checker knows the roster."""
    return first_conflict(practice_clashes(doctor, s, rules))


def first_conflict(clashes: list[PracticeClash]) -> str | None:
    """The rule the first clash that is not given off breaks, or None."""
    for clash in clashes:
        if not clash.day_off:
            return clash.rule
    return None
