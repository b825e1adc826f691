"""Domain facts about one doctor on one date: age, exemptions, absence, pool, courses,
competence to work alone. (Rest and the practice day: roster.rest.)

Every hour a duty touches is judged: a shift is exempt, lacks a course or needs a back-up
when that holds on any date it has hours on (`Shift.dates`), each date under the rule
version in force that day; a rule not yet in force on a date does not judge that date.
Pure predicates over the model and the rule parameters. The solver uses them
to decide which (doctor, shift) pairs get a variable; the checker uses them to judge a
roster. Each is small and tested on its own in tests/roster/test_rules.py.
"""

from __future__ import annotations

import calendar as _cal
import datetime as dt
from collections.abc import Callable, Iterable
from functools import cache
from typing import TypeVar, cast

from roster.calendar import OSLO, Shift, to_minutes
from roster.model import (
    Absence,
    AbsenceKind,
    BigHoliday,
    DayKind,
    Doctor,
    Exemption,
    ExemptionKind,
    Scope,
)
from roster.rules import (
    AgeExemptionLocalParams,
    AgeExemptionParams,
    BreastfeedingExemptionParams,
    CompetenceBackupParams,
    CoursesRequiredParams,
    PregnancyExemptionParams,
    RestParams,
    RuleBook,
)


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day `months` later (or earlier), clamped to the month's last day."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = _cal.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def age_on(birth: dt.date, day: dt.date) -> int:
    """Age in whole years on a date (a doctor turns 60 on the 60th birthday)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def in_office_hours(shift: Shift, rules: RuleBook) -> bool:
    """Inside ordinary office hours: a weekday (no holiday) within the practice day's hours."""
    key = ("office_hours", shift.date, shift.day_kind, shift.t0, shift.t1)
    return cached(rules, key, None, lambda: _in_office_hours(shift, rules))


def _in_office_hours(shift: Shift, rules: RuleBook) -> bool:
    p = rules.params("rest", shift.date, RestParams)
    if shift.day_kind != DayKind.weekday or shift.date.weekday() not in p.practice_weekdays:
        return False
    open_ = to_minutes(dt.datetime.combine(shift.date, p.practice_start, tzinfo=OSLO))
    close = to_minutes(dt.datetime.combine(shift.date, p.practice_end, tzinfo=OSLO))
    return open_ <= shift.t0 and shift.t1 <= close


def scope_covers(scope: Scope, shift_types: Iterable[str], shift: Shift, rules: RuleBook) -> bool:
    if scope == Scope.all:
        return True
    if scope == Scope.outside_hours:
        return not in_office_hours(shift, rules)
    if scope == Scope.nights:
        return shift.is_night
    if scope == Scope.weekends:
        return shift.is_weekend
    return shift.type_id in set(shift_types)


def _within(day: dt.date, start: dt.date | None, end: dt.date | None) -> bool:
    return (start is None or start <= day) and (end is None or day <= end)


def exemption_rule(doctor: Doctor, ex: Exemption, shift: Shift, rules: RuleBook) -> str | None:
    """The rule id under which this exemption frees the doctor from this shift, if it does
    on any date the shift has hours on (a night into a 60th birthday is exempt)."""
    for day in shift.dates:
        rule = exemption_rule_on(doctor, ex, shift, day, rules)
        if rule is not None:
            return rule
    return None


def exemption_rule_on(
    doctor: Doctor, ex: Exemption, shift: Shift, day: dt.date, rules: RuleBook
) -> str | None:
    """The rule id under which this exemption frees the doctor from the shift's hours on
    `day` (one of `shift.dates`), if it does."""
    if not ex.claimed or not _within(day, ex.start, ex.end):
        return None
    if not scope_covers(ex.scope, ex.shift_types, shift, rules):
        return None
    if ex.kind == ExemptionKind.age:
        age = age_on(doctor.birth_date, day)
        right = rules.params("age_exemption", day, AgeExemptionParams)
        if age >= right.age and scope_covers(right.scope, (), shift, rules):
            return "age_exemption"
        local = rules.params("age_exemption_local", day, AgeExemptionLocalParams)
        if (
            ex.granted
            and local.may_apply_age is not None
            and age >= local.may_apply_age
            and scope_covers(local.scope, (), shift, rules)
        ):
            return "age_exemption_local"
        return None
    if ex.kind == ExemptionKind.pregnancy:
        assert ex.reference_date is not None  # validated in the model
        p = rules.params("pregnancy_exemption", day, PregnancyExemptionParams)
        first = add_months(ex.reference_date, -p.months_before_due)
        last = ex.born or ex.reference_date + dt.timedelta(weeks=p.weeks_after_due_unborn)
        if first <= day <= last and scope_covers(p.scope, (), shift, rules):
            return "pregnancy_exemption"
        return None
    if ex.kind == ExemptionKind.breastfeeding:
        birth = ex.reference_date or doctor.child_birth()
        if birth is None:
            return None  # reported by roster.instance.cross_reference_problems
        b = rules.params("breastfeeding_exemption", day, BreastfeedingExemptionParams)
        until = add_months(birth, b.child_age_months)
        if birth <= day < until and scope_covers(b.scope, (), shift, rules):
            return "breastfeeding_exemption"
        return None
    # health, social, agreement: granted by the municipality
    return "granted_exemption" if ex.granted else None


def exempt(doctor: Doctor, shift: Shift, rules: RuleBook) -> str | None:
    """The first rule id that exempts the doctor from the shift, or None."""
    for ex in doctor.exemptions:
        rule = exemption_rule(doctor, ex, shift, rules)
        if rule is not None:
            return rule
    return None


@cache  # pure of the date; asked for every absence of every doctor on every duty
def day_window(day: dt.date) -> tuple[int, int]:
    start = to_minutes(dt.datetime.combine(day, dt.time(0), tzinfo=OSLO))
    end = to_minutes(dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=OSLO))
    return start, end


def absence_during(doctor: Doctor, shift: Shift) -> Absence | None:
    """An absence whose days overlap the shift's time (a night into the first day counts)."""
    for a in doctor.absences:
        a0, _ = day_window(a.start)
        _, a1 = day_window(a.end)
        if shift.t0 < a1 and a0 < shift.t1:
            return a
    return None


def absent_on(doctor: Doctor, day: dt.date, kinds: Iterable[AbsenceKind] | None = None) -> bool:
    wanted = set(kinds) if kinds is not None else None
    return any(
        a.start <= day <= a.end and (wanted is None or a.kind in wanted) for a in doctor.absences
    )


def in_pool(doctor: Doctor, shift: Shift) -> bool:
    return shift.pool is None or doctor.municipality in shift.pool


T = TypeVar("T")


def memo(kind: str, doctor: Doctor, day: dt.date, rules: RuleBook, compute: Callable[[], T]) -> T:
    """A fact about the doctor on the date, computed once per rule book (the doctor object
    is kept with it, so a different doctor with the same id is never confused with it)."""
    return cached(rules, (kind, id(doctor), day), doctor, compute)


def cached(rules: RuleBook, key: tuple[object, ...], owner: object, compute: Callable[[], T]) -> T:
    """A value computed once per rule book under `key` (its first item names the fact); kept
    with `owner`, the object it is about (None for facts of dates and shifts alone), and
    served only to that same object."""
    hit = rules.memo.get(key)
    if hit is not None and hit[0] is owner:
        return cast(T, hit[1])
    value = compute()
    rules.memo[key] = (owner, value)
    return value


def courses_valid(doctor: Doctor, day: dt.date, rules: RuleBook) -> bool:
    """Both courses completed on or before the date and not expired (always true on a date
    the course requirement was not in force)."""
    return memo("courses", doctor, day, rules, lambda: _courses_valid(doctor, day, rules))


def _courses_valid(doctor: Doctor, day: dt.date, rules: RuleBook) -> bool:
    if not rules.in_force("courses_required", day):
        return True
    p = rules.params("courses_required", day, CoursesRequiredParams)
    c = doctor.competence
    for done, months in (
        (c.acute_course, p.acute_valid_months),
        (c.violence_course, p.violence_valid_months),
    ):
        if done is None or done > day:
            return False
        if months is not None and day >= add_months(done, months):
            return False
    return True


def courses_valid_for(doctor: Doctor, shift: Shift, rules: RuleBook) -> bool:
    """Courses valid on every date the shift has hours on (a course that expires at midnight
    does not cover the night that runs into that day)."""
    return all(courses_valid(doctor, day, rules) for day in shift.dates)


def competent_alone(
    doctor: Doctor, day: dt.date, rules: RuleBook, shifts_in_period_before: int = 0
) -> bool:
    """May this doctor be alone on duty on this date (akuttmedisinforskriften § 7)? Always
    on a date the requirement was not in force.

    `shifts_in_period_before` are legevakt shifts already worked in this plan before the date.
    The solver passes 0 (it cannot know them in advance, so it errs on the safe side: a back-up
    more than strictly needed); the checker passes the true count. The LIS1 exception counts
    only where the regulation permitted it and the legevakt chose it.
    """
    if shifts_in_period_before == 0:
        return memo("alone", doctor, day, rules, lambda: _competent_alone(doctor, day, rules, 0))
    return _competent_alone(doctor, day, rules, shifts_in_period_before)


def _competent_alone(
    doctor: Doctor, day: dt.date, rules: RuleBook, shifts_in_period_before: int
) -> bool:
    if not rules.in_force("competence_backup", day):
        return True
    p = rules.params("competence_backup", day, CompetenceBackupParams)
    c = doctor.competence
    if p.specialist_counts and c.specialist_since is not None and c.specialist_since <= day:
        return True
    lis1 = p.lis1_exception and p.lis1_exception_permitted
    if lis1 and c.lis1_completed is not None and c.lis1_completed <= day:
        return True
    if c.authorised_since is None:
        return False
    if add_months(c.authorised_since, p.months_after_authorisation) > day:
        return False
    if c.legevakt_shifts_before + shifts_in_period_before >= p.shifts_required:
        return True
    return p.gp_year_counts and c.gp_year_done is not None and c.gp_year_done <= day


def competent_for(
    doctor: Doctor, shift: Shift, rules: RuleBook, shifts_in_period_before: int = 0
) -> bool:
    """May the doctor be alone for the whole shift: competent on every date it has hours on
    (a night that runs past the end of the LIS1 exception needs a back-up)."""
    return all(competent_alone(doctor, day, rules, shifts_in_period_before) for day in shift.dates)


def outside_rota(doctor: Doctor, shift: Shift) -> dt.date | None:
    """The first date the duty has hours on outside the doctor's days in the rota (a doctor
    who starts or leaves during the plan), or None."""
    for day in shift.dates:
        if doctor.rota_from is not None and day < doctor.rota_from:
            return day
        if doctor.rota_until is not None and day > doctor.rota_until:
            return day
    return None


def unavailable_reason(doctor: Doctor, shift: Shift, rules: RuleBook) -> str | None:
    """Why the doctor can never take this shift (rule id), regardless of the rest of the plan.

    Order matters only for explanations: the first reason found is reported.
    """
    if not in_pool(doctor, shift):
        return "pool"
    rule = exempt(doctor, shift, rules)
    if rule is not None:
        return rule
    if absence_during(doctor, shift) is not None or outside_rota(doctor, shift) is not None:
        return "absence"
    if not courses_valid_for(doctor, shift, rules):
        return "courses_required"
    return None


def big_holiday_year(day: dt.date, holiday: BigHoliday) -> int:
    """New Year belongs to the year of its eve: 1 Jan 2027 is the New Year of 2026."""
    return day.year - 1 if holiday == BigHoliday.new_year and day.month == 1 else day.year


def wish_matches(
    wish_start: dt.date | None, wish_end: dt.date | None, types: tuple[str, ...], s: Shift
) -> bool:
    if wish_start is not None and not (wish_start <= s.date <= (wish_end or wish_start)):
        return False
    return not types or s.type_id in types
