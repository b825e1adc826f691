"""Calendar expansion: time zones, DST nights, holidays and eves from the holidays package,
categories."""

from __future__ import annotations

import datetime as dt

from roster.calendar import (
    big_holiday,
    day_kind,
    expand,
    holiday_eves,
    holiday_name,
    to_minutes,
)
from roster.model import BigHoliday, Category, DayKind, PlanPeriod
from tests.factories import ALL_DAYS, D, make_shift_type

NIGHT = make_shift_type("natt", period="night", start="23:00", end="08:00", days=ALL_DAYS)


def one(day: dt.date, st=NIGHT):  # type: ignore[no-untyped-def]
    [shift] = expand(PlanPeriod(start=day, end=day), [st])
    return shift


def test_night_across_spring_dst_lasts_eight_hours() -> None:
    s = one(D(2027, 3, 27))  # clocks go forward on Sunday 28 March 2027
    assert s.minutes == 8 * 60
    assert s.start.isoformat() == "2027-03-27T23:00:00+01:00"
    assert s.end.isoformat() == "2027-03-28T08:00:00+02:00"


def test_night_across_autumn_dst_lasts_ten_hours() -> None:
    s = one(D(2027, 10, 30))  # clocks go back on Sunday 31 October 2027
    assert s.minutes == 10 * 60
    assert s.end.isoformat() == "2027-10-31T08:00:00+01:00"


def test_ordinary_night_lasts_nine_hours_and_crosses_new_year() -> None:
    s = one(D(2027, 12, 31))
    assert s.minutes == 9 * 60
    assert s.end.date() == D(2028, 1, 1)
    assert to_minutes(s.end) - to_minutes(s.start) == s.minutes


def test_public_holiday_on_a_weekday() -> None:
    assert day_kind(D(2027, 5, 6)) == DayKind.holiday  # Ascension Day, a Thursday
    assert day_kind(D(2027, 5, 17)) == DayKind.holiday  # Constitution Day, a Monday
    assert holiday_name(D(2027, 5, 17)) is not None
    assert day_kind(D(2027, 5, 18)) == DayKind.weekday


def test_holiday_eves_are_derived_from_the_package() -> None:
    eves = holiday_eves(2027)
    assert set(eves) == {D(2027, 12, 24), D(2027, 12, 31), D(2027, 3, 27), D(2027, 5, 15)}
    assert day_kind(D(2027, 12, 24)) == DayKind.holiday_eve
    assert day_kind(D(2027, 3, 27)) == DayKind.holiday_eve  # Easter Saturday


def test_weekend_days() -> None:
    assert day_kind(D(2027, 1, 9)) == DayKind.saturday
    assert day_kind(D(2027, 1, 10)) == DayKind.sunday
    assert day_kind(D(2027, 1, 11)) == DayKind.weekday


def test_big_holidays_christmas_new_year_easter() -> None:
    assert big_holiday(D(2027, 12, 24)) == BigHoliday.christmas
    assert big_holiday(D(2027, 12, 26)) == BigHoliday.christmas
    assert big_holiday(D(2027, 12, 31)) == BigHoliday.new_year
    assert big_holiday(D(2027, 1, 1)) == BigHoliday.new_year
    assert big_holiday(D(2027, 3, 25)) == BigHoliday.easter  # Maundy Thursday
    assert big_holiday(D(2027, 3, 29)) == BigHoliday.easter  # Easter Monday
    assert big_holiday(D(2027, 3, 30)) is None


def test_categories() -> None:
    evening = make_shift_type("kveld")
    assert one(D(2027, 1, 5), evening).category == Category.weekday_evening
    assert one(D(2027, 1, 5)).category == Category.night
    assert one(D(2027, 1, 9)).category == Category.weekend
    assert one(D(2027, 5, 6)).category == Category.holiday
    assert one(D(2027, 12, 25)).category == Category.big_holiday
    day = make_shift_type("dag", period="day", start="08:00", end="16:00")
    assert one(D(2027, 1, 5), day).category == Category.weekday_day


def test_shift_types_apply_only_on_their_days() -> None:
    weekend = make_shift_type("helg", days=(DayKind.saturday, DayKind.sunday))
    shifts = expand(PlanPeriod(start=D(2027, 1, 4), end=D(2027, 1, 17)), [weekend])
    assert [s.date.weekday() for s in shifts] == [5, 6, 5, 6]


def test_expansion_ids_are_stable_and_ordered() -> None:
    shifts = expand(
        PlanPeriod(start=D(2027, 1, 4), end=D(2027, 1, 5)), [NIGHT, make_shift_type("kveld")]
    )
    assert [s.id for s in shifts] == [
        "2027-01-04:kveld",
        "2027-01-04:natt",
        "2027-01-05:kveld",
        "2027-01-05:natt",
    ]
