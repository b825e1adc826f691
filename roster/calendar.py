"""Calendar expansion: a period and shift types become concrete, timezone-aware shifts.

Norwegian public holidays come from the `holidays` package. Holiday eves (Christmas Eve,
New Year's Eve, Easter Saturday, Whitsun Eve) and the big holidays are derived from the
package's dates, never from a table of our own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import cache, cached_property
from zoneinfo import ZoneInfo

import holidays
from pydantic import Field

from roster.model import (
    BigHoliday,
    Category,
    DayKind,
    Mode,
    Period,
    PlanPeriod,
    Role,
    ShiftType,
    StrictModel,
)

OSLO = ZoneInfo("Europe/Oslo")
UTC = dt.UTC
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)


def to_minutes(moment: dt.datetime) -> int:
    """Whole minutes since the epoch (UTC) for an aware datetime: safe interval arithmetic."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return int((moment.astimezone(UTC) - EPOCH).total_seconds() // 60)


@cache
def _holidays_en(year: int) -> dict[dt.date, str]:
    return dict(holidays.country_holidays("NO", years=year, language="en_US"))


@cache
def _holidays_no(year: int) -> dict[dt.date, str]:
    return dict(holidays.country_holidays("NO", years=year, language="no"))


def _named(year: int, name: str) -> dt.date:
    for day, label in _holidays_en(year).items():
        if name in label.split("; "):
            return day
    raise LookupError(f"{name} not found for {year}")


@cache
def holiday_eves(year: int) -> dict[dt.date, str]:
    """Holiday eves in a year, derived from the package's holidays."""
    one = dt.timedelta(days=1)
    return {
        _named(year, "Christmas Day") - one: "Julaften",
        _named(year + 1, "New Year's Day") - one: "Nyttårsaften",
        _named(year, "Easter Sunday") - one: "Påskeaften",
        _named(year, "Pentecost") - one: "Pinseaften",
    }


@cache
def big_holiday_dates(year: int) -> dict[dt.date, BigHoliday]:
    """Dates of the heavy duties: Christmas (24-26 Dec), New Year (31 Dec, 1 Jan), Easter
    (Maundy Thursday to Easter Monday)."""
    one = dt.timedelta(days=1)
    out: dict[dt.date, BigHoliday] = {}
    christmas = _named(year, "Christmas Day")
    for d in (christmas - one, christmas, _named(year, "Second Day of Christmas")):
        out[d] = BigHoliday.christmas
    out[_named(year, "New Year's Day")] = BigHoliday.new_year
    out[_named(year + 1, "New Year's Day") - one] = BigHoliday.new_year
    start, end = _named(year, "Maundy Thursday"), _named(year, "Easter Monday")
    d = start
    while d <= end:
        out[d] = BigHoliday.easter
        d += one
    return out


def holiday_name(day: dt.date) -> str | None:
    """Norwegian name of a public holiday or holiday eve on this date, if any."""
    name = _holidays_no(day.year).get(day)
    if name:
        return name
    return holiday_eves(day.year).get(day)


def day_kind(day: dt.date) -> DayKind:
    if day in _holidays_en(day.year):
        return DayKind.holiday
    if day in holiday_eves(day.year):
        return DayKind.holiday_eve
    if day.weekday() == 6:
        return DayKind.sunday
    if day.weekday() == 5:
        return DayKind.saturday
    return DayKind.weekday


def big_holiday(day: dt.date) -> BigHoliday | None:
    return big_holiday_dates(day.year).get(day)


def is_practice_day(day: dt.date, weekdays: Iterable[int]) -> bool:
    """A GP practice is open on this date: a configured weekday that is no holiday or eve."""
    return day.weekday() in set(weekdays) and day_kind(day) == DayKind.weekday


class Shift(StrictModel):
    """One concrete shift: a shift type on a date."""

    id: str = Field(description="'<date>:<shift type id>', stable across re-plans")
    date: dt.date
    type_id: str
    label: str
    start: dt.datetime
    end: dt.datetime
    t0: int = Field(description="Start, minutes since epoch (UTC)")
    t1: int = Field(description="End, minutes since epoch (UTC)")
    role: Role
    mode: Mode
    period: Period
    response_minutes: int | None
    doctors: int
    points: int
    pool: tuple[str, ...] | None
    covers: tuple[str, ...]
    day_kind: DayKind
    category: Category
    big_holiday: BigHoliday | None

    @property
    def minutes(self) -> int:
        return self.t1 - self.t0

    @cached_property
    def dates(self) -> tuple[dt.date, ...]:
        """Every date (Europe/Oslo) the shift has hours on: a night 23:00-08:00 has two, an
        evening that ends at midnight one. Rules are judged on each of them. (Computed once:
        eligibility asks for every doctor.)"""
        last = (self.end - dt.timedelta(minutes=1)).date()
        n = (last - self.date).days + 1
        return tuple(self.date + dt.timedelta(days=i) for i in range(max(n, 1)))

    @property
    def is_night(self) -> bool:
        return self.period in (Period.night, Period.full_day)

    @property
    def is_weekend(self) -> bool:
        """Weekend and holiday duty: Saturdays, Sundays, holidays and holiday eves."""
        return self.day_kind != DayKind.weekday

    def backs_up(self, primary: Shift) -> bool:
        """Is this a kompetansebakvakt for the whole of `primary` (its type is covered and
        its hours lie inside this shift's)?"""
        return (
            self.role == Role.backup_competence
            and primary.type_id in self.covers
            and self.t0 <= primary.t0
            and primary.t1 <= self.t1
        )

    @property
    def needed_always(self) -> bool:
        """Competence back-up shifts are only staffed when a primary needs one."""
        return self.role != Role.backup_competence


def iso_week(day: dt.date) -> tuple[int, int]:
    """(ISO year, ISO week number) of a date: weekly caps count Monday to Sunday."""
    iso = day.isocalendar()
    return (iso[0], iso[1])


def shift_id(day: dt.date, type_id: str) -> str:
    return f"{day.isoformat()}:{type_id}"


def categorize(day: dt.date, kind: DayKind, period: Period) -> Category:
    if big_holiday(day) is not None:
        return Category.big_holiday
    if kind in (DayKind.holiday, DayKind.holiday_eve):
        return Category.holiday
    if kind in (DayKind.saturday, DayKind.sunday):
        return Category.weekend
    if period in (Period.night, Period.full_day):
        return Category.night
    if period == Period.evening:
        return Category.weekday_evening
    return Category.weekday_day


def make_shift(day: dt.date, st: ShiftType, tz: dt.tzinfo = OSLO) -> Shift:
    start = dt.datetime.combine(day, st.start, tzinfo=tz)
    end_day = day + dt.timedelta(days=1) if st.crosses_midnight else day
    end = dt.datetime.combine(end_day, st.end, tzinfo=tz)
    kind = day_kind(day)
    return Shift(
        id=shift_id(day, st.id),
        date=day,
        type_id=st.id,
        label=st.label,
        start=start,
        end=end,
        t0=to_minutes(start),
        t1=to_minutes(end),
        role=st.role,
        mode=st.mode,
        period=st.period,
        response_minutes=st.response_minutes,
        doctors=st.doctors,
        points=st.points,
        pool=st.pool,
        covers=st.covers,
        day_kind=kind,
        category=categorize(day, kind, st.period),
        big_holiday=big_holiday(day),
    )


def expand(period: PlanPeriod, shift_types: Iterable[ShiftType]) -> list[Shift]:
    """All concrete shifts of the period, ordered by start, then shift type id."""
    types = list(shift_types)
    shifts = [
        make_shift(day, st) for day in period.dates() for st in types if day_kind(day) in st.days
    ]
    return sorted(shifts, key=lambda s: (s.t0, s.type_id))
