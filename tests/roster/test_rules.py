"""One test per rule per case for the independent checker: `test_<rule>_<case>`.

Each builds a tiny instance, a roster by hand, and asserts on what the checker finds.
"""

from __future__ import annotations

import datetime as dt

import pytest

from roster.checker import check
from roster.model import BigHolidayDuty, DayKind, Exemption, History, RuleOverride, Wish
from tests.factories import (
    D,
    make_competence,
    make_doctor,
    make_instance,
    make_shift_type,
    override,
    roster_of,
)

NIGHT = make_shift_type("natt", period="night", start="23:00", end="08:00", points=3)
NIGHT_STANDBY = make_shift_type(
    "natt", period="night", start="23:00", end="08:00", mode="standby", response_minutes=15
)
EVENING = make_shift_type("kveld")


def rules_broken(instance, roster) -> list[str]:  # type: ignore[no-untyped-def]
    return [b.rule for b in check(instance, roster).breaches]


def one_day(day: dt.date, **kw):  # type: ignore[no-untyped-def]
    return make_instance(start=day, end=day, **kw)


# --------------------------------------------------------------------------- coverage


def test_coverage_holds() -> None:
    inst = make_instance(start=D(2027, 1, 4), end=D(2027, 1, 5))
    r = roster_of(("2027-01-04:kveld", "d1"), ("2027-01-05:kveld", "d2"))
    assert rules_broken(inst, r) == []


def test_coverage_breaks_on_hole() -> None:
    inst = make_instance(start=D(2027, 1, 4), end=D(2027, 1, 5))
    result = check(inst, roster_of(("2027-01-04:kveld", "d1")))
    assert [b.rule for b in result.breaches] == ["coverage"]
    assert result.breaches[0].shift_id == "2027-01-05:kveld"
    assert "ubemannet" in result.breaches[0].message


def test_coverage_breaks_on_too_many() -> None:
    inst = one_day(D(2027, 1, 4))
    assert rules_broken(
        inst, roster_of(("2027-01-04:kveld", "d1"), ("2027-01-04:kveld", "d2"))
    ) == ["coverage"]


# --------------------------------------------------------------------------- pool


def test_pool_holds() -> None:
    st = make_shift_type(pool=("m2",))
    inst = one_day(
        D(2027, 1, 4), shift_types=(st,), doctors=(make_doctor("d2", municipality="m2"),)
    )
    assert rules_broken(inst, roster_of(("2027-01-04:kveld", "d2"))) == []


def test_pool_breaks() -> None:
    st = make_shift_type(pool=("m2",))
    inst = one_day(
        D(2027, 1, 4), shift_types=(st,), doctors=(make_doctor("d1", municipality="m1"),)
    )
    found = check(inst, roster_of(("2027-01-04:kveld", "d1"))).breaches
    assert [b.rule for b in found] == ["pool"]
    assert found[0].doctor_id == "d1" and "Samarbeidsavtalen" in found[0].source


# --------------------------------------------------------------------------- absence


def test_absence_holds_before_holiday() -> None:
    doc = make_doctor(
        "d1", absences=({"kind": "holiday", "start": D(2027, 1, 5), "end": D(2027, 1, 6)},)
    )
    inst = one_day(D(2027, 1, 4), doctors=(doc,))
    assert rules_broken(inst, roster_of(("2027-01-04:kveld", "d1"))) == []


def test_absence_breaks_during_holiday() -> None:
    doc = make_doctor(
        "d1", absences=({"kind": "holiday", "start": D(2027, 1, 5), "end": D(2027, 1, 6)},)
    )
    inst = one_day(D(2027, 1, 5), doctors=(doc,))
    assert rules_broken(inst, roster_of(("2027-01-05:kveld", "d1"))) == ["absence"]


def test_absence_breaks_night_into_first_holiday_day() -> None:
    doc = make_doctor(
        "d1", absences=({"kind": "holiday", "start": D(2027, 1, 5), "end": D(2027, 1, 6)},)
    )
    inst = one_day(D(2027, 1, 4), doctors=(doc,), shift_types=(NIGHT_STANDBY,))
    assert rules_broken(inst, roster_of(("2027-01-04:natt", "d1"))) == ["absence"]


# --------------------------------------------------------------------------- one at a time


def test_one_at_a_time_holds() -> None:
    inst = one_day(D(2027, 1, 4), shift_types=(EVENING, NIGHT_STANDBY))
    r = roster_of(("2027-01-04:kveld", "d1"), ("2027-01-04:natt", "d1"))
    assert rules_broken(inst, r) == []  # back to back, no overlap


def test_one_at_a_time_breaks() -> None:
    long = make_shift_type("lang", start="15:00", end="01:00")
    inst = one_day(D(2027, 1, 4), shift_types=(EVENING, long))
    r = roster_of(("2027-01-04:kveld", "d1"), ("2027-01-04:lang", "d1"))
    assert "one_at_a_time" in rules_broken(inst, r)


# --------------------------------------------------------------------------- exemptions

AGE_CLAIM = Exemption(kind="age", claimed=True)
OLD_COURSES = make_competence(acute_course=D(2010, 1, 1), violence_course=D(2010, 1, 1))


def test_age_exemption_holds_before_60th_birthday() -> None:
    doc = make_doctor("d1", birth_date=D(1967, 1, 7), exemptions=(AGE_CLAIM,))
    inst = one_day(D(2027, 1, 6), doctors=(doc,))
    assert rules_broken(inst, roster_of(("2027-01-06:kveld", "d1"))) == []


def test_age_exemption_breaks_from_60th_birthday() -> None:
    doc = make_doctor("d1", birth_date=D(1967, 1, 7), exemptions=(AGE_CLAIM,))
    inst = one_day(D(2027, 1, 7), doctors=(doc,))
    found = check(inst, roster_of(("2027-01-07:kveld", "d1"))).breaches
    assert [b.rule for b in found] == ["age_exemption"]
    assert "FOR-2025-12-02-2405" in found[0].source  # 2026 and later cite the new regulation


def test_age_exemption_breaks_on_night_into_60th_birthday() -> None:
    doc = make_doctor("d1", birth_date=D(1967, 1, 7), exemptions=(AGE_CLAIM,))
    inst = one_day(D(2027, 1, 6), doctors=(doc,), shift_types=(NIGHT_STANDBY,))
    found = check(inst, roster_of(("2027-01-06:natt", "d1"))).breaches
    assert [b.rule for b in found] == ["age_exemption"]
    assert "fra 07.01 kl. 00, midt i vakten" in found[0].message


def test_age_exemption_holds_when_not_claimed() -> None:
    doc = make_doctor(
        "d1", birth_date=D(1960, 1, 1), exemptions=(Exemption(kind="age", claimed=False),)
    )
    inst = one_day(D(2027, 1, 7), doctors=(doc,))
    assert rules_broken(inst, roster_of(("2027-01-07:kveld", "d1"))) == []


def test_age_exemption_breaks_at_55_in_first_half_of_2013() -> None:
    doc = make_doctor(
        "d1", birth_date=D(1957, 1, 1), exemptions=(AGE_CLAIM,), competence=OLD_COURSES
    )
    inst = one_day(D(2013, 3, 1), doctors=(doc,))
    found = check(inst, roster_of(("2013-03-01:kveld", "d1"))).breaches
    assert [b.rule for b in found] == ["age_exemption"]
    assert "FOR-2012-08-29-842" in found[0].source


def test_age_exemption_holds_at_56_after_july_2013() -> None:
    doc = make_doctor(
        "d1", birth_date=D(1957, 1, 1), exemptions=(AGE_CLAIM,), competence=OLD_COURSES
    )
    inst = one_day(D(2013, 8, 1), doctors=(doc,))
    assert rules_broken(inst, roster_of(("2013-08-01:kveld", "d1"))) == []


def test_age_exemption_holds_in_office_hours() -> None:
    day_shift = make_shift_type(
        "dag", period="day", start="08:00", end="16:00", days=(DayKind.weekday,)
    )
    doc = make_doctor("d1", birth_date=D(1960, 1, 1), exemptions=(AGE_CLAIM,))
    inst = one_day(D(2027, 1, 7), doctors=(doc,), shift_types=(day_shift,))
    assert rules_broken(inst, roster_of(("2027-01-07:dag", "d1"))) == []


def test_age_exemption_local_breaks_when_granted_from_55() -> None:
    ex = Exemption(kind="age", claimed=True, granted=True)
    doc = make_doctor("d1", birth_date=D(1970, 1, 1), exemptions=(ex,))
    inst = one_day(
        D(2027, 1, 7),
        doctors=(doc,),
        overrides=(override("age_exemption_local", may_apply_age=55),),
    )
    found = check(inst, roster_of(("2027-01-07:kveld", "d1"))).breaches
    assert [b.rule for b in found] == ["age_exemption_local"]
    assert "Lokal overstyring" in found[0].source


def test_age_exemption_local_holds_without_local_agreement() -> None:
    ex = Exemption(kind="age", claimed=True, granted=True)
    doc = make_doctor("d1", birth_date=D(1970, 1, 1), exemptions=(ex,))
    inst = one_day(D(2027, 1, 7), doctors=(doc,))
    assert rules_broken(inst, roster_of(("2027-01-07:kveld", "d1"))) == []


PREGNANT = Exemption(kind="pregnancy", reference_date=D(2027, 4, 10))


def test_pregnancy_exemption_holds_before_last_three_months() -> None:
    inst = one_day(D(2027, 1, 9), doctors=(make_doctor("d1", exemptions=(PREGNANT,)),))
    assert rules_broken(inst, roster_of(("2027-01-09:kveld", "d1"))) == []


def test_pregnancy_exemption_breaks_in_last_three_months() -> None:
    inst = one_day(D(2027, 1, 10), doctors=(make_doctor("d1", exemptions=(PREGNANT,)),))
    assert rules_broken(inst, roster_of(("2027-01-10:kveld", "d1"))) == ["pregnancy_exemption"]


def test_pregnancy_exemption_breaks_after_the_due_date_while_unborn() -> None:
    # The exemption lasts until the birth; unknown, it is taken to be two weeks after term.
    inst = one_day(D(2027, 4, 24), doctors=(make_doctor("d1", exemptions=(PREGNANT,)),))
    assert rules_broken(inst, roster_of(("2027-04-24:kveld", "d1"))) == ["pregnancy_exemption"]


def test_pregnancy_exemption_holds_more_than_two_weeks_after_the_due_date() -> None:
    inst = one_day(D(2027, 4, 25), doctors=(make_doctor("d1", exemptions=(PREGNANT,)),))
    assert rules_broken(inst, roster_of(("2027-04-25:kveld", "d1"))) == []


def test_pregnancy_exemption_breaks_until_a_late_birth() -> None:
    late = PREGNANT.model_copy(update={"born": D(2027, 4, 30)})
    inst = one_day(D(2027, 4, 29), doctors=(make_doctor("d1", exemptions=(late,)),))
    assert rules_broken(inst, roster_of(("2027-04-29:kveld", "d1"))) == ["pregnancy_exemption"]


def test_pregnancy_exemption_holds_after_an_early_birth() -> None:
    early = PREGNANT.model_copy(update={"born": D(2027, 4, 1)})
    inst = one_day(D(2027, 4, 2), doctors=(make_doctor("d1", exemptions=(early,)),))
    assert rules_broken(inst, roster_of(("2027-04-02:kveld", "d1"))) == []


NURSING = Exemption(kind="breastfeeding", reference_date=D(2026, 1, 8))


def test_breastfeeding_exemption_breaks_before_first_birthday() -> None:
    inst = one_day(D(2027, 1, 7), doctors=(make_doctor("d1", exemptions=(NURSING,)),))
    assert rules_broken(inst, roster_of(("2027-01-07:kveld", "d1"))) == ["breastfeeding_exemption"]


def test_breastfeeding_exemption_holds_from_first_birthday() -> None:
    inst = one_day(D(2027, 1, 8), doctors=(make_doctor("d1", exemptions=(NURSING,)),))
    assert rules_broken(inst, roster_of(("2027-01-08:kveld", "d1"))) == []


def test_breastfeeding_exemption_breaks_following_the_birth_of_the_pregnancy() -> None:
    # Pregnancy and breastfeeding for the same doctor: breastfeeding follows from the birth.
    born = PREGNANT.model_copy(update={"born": D(2027, 4, 1)})
    nursing = Exemption(kind="breastfeeding")
    doc = make_doctor("d1", exemptions=(born, nursing))
    for day, rules in (
        (D(2027, 3, 31), ["pregnancy_exemption"]),
        (D(2027, 4, 1), ["breastfeeding_exemption", "pregnancy_exemption"]),  # the birth day
        (D(2027, 4, 2), ["breastfeeding_exemption"]),
        (D(2028, 3, 31), ["breastfeeding_exemption"]),
    ):
        inst = one_day(day, doctors=(doc,))
        assert sorted(rules_broken(inst, roster_of((f"{day}:kveld", "d1")))) == rules, day
    inst = one_day(D(2028, 4, 1), doctors=(doc,))
    assert rules_broken(inst, roster_of(("2028-04-01:kveld", "d1"))) == []


def test_breastfeeding_exemption_without_a_birth_is_bad_input() -> None:
    with pytest.raises(ValueError, match="amming krever barnets fødselsdato"):
        one_day(
            D(2027, 1, 7),
            doctors=(make_doctor("d1", exemptions=(Exemption(kind="breastfeeding"),)),),
        )


NIGHTS_FROM_6 = Exemption(kind="health", scope="nights", start=D(2027, 1, 6), granted=True)


def test_granted_exemption_holds_before_start_and_outside_scope() -> None:
    doc = make_doctor("d1", exemptions=(NIGHTS_FROM_6,))
    inst = make_instance(
        start=D(2027, 1, 4),
        end=D(2027, 1, 6),
        doctors=(doc,),
        shift_types=(EVENING, NIGHT_STANDBY),
        overrides=(override("min_gap_days", days=0),),
    )
    r = roster_of(("2027-01-04:natt", "d1"), ("2027-01-06:kveld", "d1"))
    found = check(inst, r).breaches
    assert [b.rule for b in found if b.doctor_id] == []  # night before start, evening not in scope


def test_granted_exemption_breaks_on_night_into_its_first_day() -> None:
    # Every hour a duty touches: the night of the 5th has seven hours on the 6th.
    doc = make_doctor("d1", exemptions=(NIGHTS_FROM_6,))
    inst = one_day(D(2027, 1, 5), doctors=(doc,), shift_types=(NIGHT_STANDBY,))
    found = check(inst, roster_of(("2027-01-05:natt", "d1"))).breaches
    assert [b.rule for b in found] == ["granted_exemption"]
    assert "fra 06.01 kl. 00, midt i vakten" in found[0].message


def test_granted_exemption_breaks_mid_period_start_nights_only() -> None:
    doc = make_doctor("d1", exemptions=(NIGHTS_FROM_6,))
    inst = one_day(D(2027, 1, 6), doctors=(doc,), shift_types=(NIGHT_STANDBY,))
    assert rules_broken(inst, roster_of(("2027-01-06:natt", "d1"))) == ["granted_exemption"]


def test_granted_exemption_holds_when_not_granted() -> None:
    ex = Exemption(kind="social", scope="all", granted=False)
    inst = one_day(D(2027, 1, 6), doctors=(make_doctor("d1", exemptions=(ex,)),))
    assert rules_broken(inst, roster_of(("2027-01-06:kveld", "d1"))) == []


# --------------------------------------------------------------------------- courses

COURSE_5Y = override("courses_required", acute_valid_months=60)


def test_courses_required_holds_before_course_expires() -> None:
    doc = make_doctor("d1", competence=make_competence(acute_course=D(2022, 1, 6)))
    inst = one_day(D(2027, 1, 5), doctors=(doc,), overrides=(COURSE_5Y,))
    assert rules_broken(inst, roster_of(("2027-01-05:kveld", "d1"))) == []


def test_courses_required_breaks_when_course_expires_in_period() -> None:
    doc = make_doctor("d1", competence=make_competence(acute_course=D(2022, 1, 6)))
    inst = one_day(D(2027, 1, 6), doctors=(doc,), overrides=(COURSE_5Y,))
    assert rules_broken(inst, roster_of(("2027-01-06:kveld", "d1"))) == ["courses_required"]


def test_courses_required_breaks_without_violence_course() -> None:
    doc = make_doctor("d1", competence=make_competence(violence_course=None))
    inst = one_day(D(2027, 1, 6), doctors=(doc,))
    assert rules_broken(inst, roster_of(("2027-01-06:kveld", "d1"))) == ["courses_required"]


def test_courses_required_breaks_on_night_into_the_day_the_course_expires() -> None:
    doc = make_doctor("d1", competence=make_competence(acute_course=D(2022, 1, 6)))
    inst = one_day(
        D(2027, 1, 5), doctors=(doc,), shift_types=(NIGHT_STANDBY,), overrides=(COURSE_5Y,)
    )
    found = check(inst, roster_of(("2027-01-05:natt", "d1"))).breaches
    assert [b.rule for b in found] == ["courses_required"]
    assert "fra 06.01 kl. 00" in found[0].message


NO_COURSES = make_competence(acute_course=None, violence_course=None)


def test_courses_required_holds_before_the_transition_ended() -> None:
    # The course requirement applies from 1 May 2022 (transition extended from 1 May 2021).
    inst = one_day(D(2022, 4, 29), doctors=(make_doctor("d1", competence=NO_COURSES),))
    assert rules_broken(inst, roster_of(("2022-04-29:kveld", "d1"))) == []


def test_courses_required_breaks_from_1_may_2022() -> None:
    inst = one_day(
        D(2022, 4, 30),
        doctors=(make_doctor("d1", competence=NO_COURSES),),
        shift_types=(NIGHT_STANDBY,),
    )
    found = check(inst, roster_of(("2022-04-30:natt", "d1"))).breaches
    assert [b.rule for b in found] == ["courses_required"]  # the night runs into 1 May
    assert "§ 7" in found[0].source


# --------------------------------------------------------------------------- competence

LIS1 = make_doctor(
    "lis",
    kind="lis1",
    competence=make_competence(
        specialist_since=None, authorised_since=D(2024, 7, 15), legevakt_shifts_before=50
    ),
)
BACKUP = make_shift_type(
    "bakvakt",
    role="backup_competence",
    mode="standby",
    response_minutes=30,
    covers=("kveld",),
    points=1,
)


def test_competence_backup_breaks_before_30_months() -> None:
    inst = one_day(D(2027, 1, 14), doctors=(LIS1,))
    found = check(inst, roster_of(("2027-01-14:kveld", "lis"))).breaches
    assert [b.rule for b in found] == ["competence_backup"]
    assert "akuttmedisinforskriften" in found[0].source.lower()


def test_competence_backup_holds_after_passing_30_months_in_period() -> None:
    inst = one_day(D(2027, 1, 15), doctors=(LIS1,))
    assert rules_broken(inst, roster_of(("2027-01-15:kveld", "lis"))) == []


def test_competence_backup_holds_with_competent_backup() -> None:
    inst = one_day(D(2027, 1, 14), doctors=(LIS1, make_doctor("d1")), shift_types=(EVENING, BACKUP))
    r = roster_of(("2027-01-14:kveld", "lis"), ("2027-01-14:bakvakt", "d1"))
    assert rules_broken(inst, r) == []


def test_competence_backup_breaks_with_incompetent_backup() -> None:
    other = LIS1.model_copy(update={"id": "lis2"})
    inst = one_day(D(2027, 1, 14), doctors=(LIS1, other), shift_types=(EVENING, BACKUP))
    r = roster_of(("2027-01-14:kveld", "lis"), ("2027-01-14:bakvakt", "lis2"))
    assert rules_broken(inst, r).count("competence_backup") == 2


def test_competence_backup_holds_after_40_shifts_worked_in_period() -> None:
    few = make_doctor(
        "lis",
        competence=make_competence(
            specialist_since=None, authorised_since=D(2020, 1, 1), legevakt_shifts_before=39
        ),
    )
    inst = make_instance(
        start=D(2027, 1, 4),
        end=D(2027, 1, 5),
        doctors=(few, make_doctor("d1")),
        shift_types=(EVENING, BACKUP),
        overrides=(override("min_gap_days", days=0),),
    )
    r = roster_of(
        ("2027-01-04:kveld", "lis"), ("2027-01-04:bakvakt", "d1"), ("2027-01-05:kveld", "lis")
    )
    assert rules_broken(inst, r) == []  # the 40th shift on 4 Jan makes 5 Jan competent


LIS1_DONE = make_doctor(
    "d1",
    competence=make_competence(
        specialist_since=None,
        authorised_since=D(2023, 9, 1),
        lis1_completed=D(2024, 3, 1),
        legevakt_shifts_before=5,
    ),
)
LIS1_CHOSEN = override("competence_backup", lis1_exception=True)


def test_competence_backup_holds_for_lis1_completed_in_2024_when_the_legevakt_chose_it() -> None:
    inst = one_day(D(2024, 6, 3), doctors=(LIS1_DONE,), overrides=(LIS1_CHOSEN,))
    assert rules_broken(inst, roster_of(("2024-06-03:kveld", "d1"))) == []


def test_competence_backup_breaks_for_lis1_completed_in_2024_by_default() -> None:
    # The exception was the municipality's choice, never automatic.
    inst = one_day(D(2024, 6, 3), doctors=(LIS1_DONE,))
    assert rules_broken(inst, roster_of(("2024-06-03:kveld", "d1"))) == ["competence_backup"]


def test_competence_backup_breaks_for_lis1_completed_after_2024() -> None:
    inst = one_day(D(2025, 1, 6), doctors=(LIS1_DONE,), overrides=(LIS1_CHOSEN,))
    assert rules_broken(inst, roster_of(("2025-01-06:kveld", "d1"))) == ["competence_backup"]


def test_competence_backup_holds_on_the_last_evening_of_the_lis1_exception() -> None:
    inst = one_day(D(2024, 12, 31), doctors=(LIS1_DONE,), overrides=(LIS1_CHOSEN,))
    assert rules_broken(inst, roster_of(("2024-12-31:kveld", "d1"))) == []


def test_competence_backup_breaks_on_a_night_that_runs_past_the_lis1_exception() -> None:
    # 31 Dec 2024 23:00 to 1 Jan 2025 08:00: eight hours under the rule without the exception.
    inst = one_day(
        D(2024, 12, 31),
        doctors=(LIS1_DONE,),
        shift_types=(NIGHT_STANDBY,),
        overrides=(LIS1_CHOSEN,),
    )
    found = check(inst, roster_of(("2024-12-31:natt", "d1"))).breaches
    assert [b.rule for b in found] == ["competence_backup"]
    assert "fra 01.01 kl. 00, midt i vakten" in found[0].message
    assert "Lokal overstyring" in found[0].source  # the 2025 rule, with the legevakt's choice


def test_competence_backup_breaks_on_a_night_before_30_months_are_reached() -> None:
    # LIS1 passes 30 months on 15 Jan 2027: the night of the 14th is not all competent hours.
    inst = one_day(D(2027, 1, 14), doctors=(LIS1,), shift_types=(NIGHT_STANDBY,))
    assert rules_broken(inst, roster_of(("2027-01-14:natt", "lis"))) == ["competence_backup"]


def test_competence_backup_holds_before_the_requirement_was_in_force() -> None:
    # akuttmedisinforskriften § 7's competence requirements apply from 1 January 2020.
    inst = one_day(D(2019, 6, 3), doctors=(LIS1_DONE,))
    assert rules_broken(inst, roster_of(("2019-06-03:kveld", "d1"))) == []


def test_competence_backup_breaks_on_a_night_into_2020() -> None:
    inst = one_day(D(2019, 12, 31), doctors=(LIS1_DONE,), shift_types=(NIGHT_STANDBY,))
    found = check(inst, roster_of(("2019-12-31:natt", "d1"))).breaches
    assert [b.rule for b in found] == ["competence_backup"]
    assert "§ 7" in found[0].source and "§ 21" not in found[0].source


def test_competence_backup_breaks_when_backup_cannot_attend_in_time() -> None:
    inst = one_day(
        D(2027, 1, 14),
        doctors=(LIS1, make_doctor("d1")),
        shift_types=(EVENING, BACKUP),
        overrides=(override("competence_backup", attend_in_person=True, max_response_minutes=20),),
    )
    r = roster_of(("2027-01-14:kveld", "lis"), ("2027-01-14:bakvakt", "d1"))
    assert rules_broken(inst, r) == ["competence_backup"]


# --------------------------------------------------------------------------- rest

LATE = make_shift_type("sen", start="16:00", end="01:00")  # on site, ends after midnight
EARLY = make_shift_type("tidlig", period="day", start="07:00", end="15:00")
AFTERNOON = make_shift_type("ettermiddag", period="day", start="16:00", end="23:00")
LATE_STANDBY = make_shift_type(
    "sen", start="16:00", end="01:00", mode="standby", response_minutes=20
)


def test_rest_holds_after_eight_hours() -> None:
    doc = make_doctor("d1", kind="legevaktlege")
    inst = make_instance(
        start=D(2027, 1, 9),
        end=D(2027, 1, 10),
        doctors=(doc,),
        shift_types=(NIGHT, AFTERNOON),
        overrides=(override("min_gap_days", days=0),),
    )
    r = roster_of(("2027-01-09:natt", "d1"), ("2027-01-10:ettermiddag", "d1"))
    assert [b for b in rules_broken(inst, r) if b != "coverage"] == []


def test_rest_breaks_before_next_duty_naming_both_with_dates() -> None:
    doc = make_doctor("d1", kind="legevaktlege")
    inst = make_instance(
        start=D(2027, 1, 9),
        end=D(2027, 1, 10),
        doctors=(doc,),
        shift_types=(LATE, EARLY),
        overrides=(override("min_gap_days", days=0),),
    )
    r = roster_of(("2027-01-09:sen", "d1"), ("2027-01-10:tidlig", "d1"))
    found = [b for b in check(inst, r).breaches if b.rule != "coverage"]
    assert [b.rule for b in found] == ["rest"]
    assert found[0].message == (
        "bare 6 timer hvile mellom Sen (tilstedevakt) lørdag 09.01 16:00–01:00 og "
        "Tidlig (tilstedevakt) søndag 10.01 07:00–15:00 (krav 8 timer)"
    )
    assert "SFS 2305" in found[0].source and "7.4" in found[0].source


def test_rest_breaks_before_onsite_duty_after_standby() -> None:
    # Rest before a duty: the on-site morning needs 8 hours before it, even after a standby.
    doc = make_doctor("d1", kind="legevaktlege")
    inst = make_instance(
        start=D(2027, 1, 9),
        end=D(2027, 1, 10),
        doctors=(doc,),
        shift_types=(LATE_STANDBY, EARLY),
        overrides=(override("min_gap_days", days=0),),
    )
    r = roster_of(("2027-01-09:sen", "d1"), ("2027-01-10:tidlig", "d1"))
    assert [b for b in rules_broken(inst, r) if b != "coverage"] == ["rest"]


def test_rest_breaks_against_practice_day_after() -> None:
    inst = one_day(
        D(2027, 1, 4), doctors=(make_doctor("d1", kind="fastlege"),), shift_types=(LATE,)
    )
    found = check(inst, roster_of(("2027-01-04:sen", "d1"))).breaches
    assert [b.rule for b in found] == ["rest"]
    assert found[0].message == (
        "bare 7 timer hvile mellom Sen (tilstedevakt) mandag 04.01 16:00–01:00 og "
        "egen praksisdag tirsdag 05.01 08:00–16:00 (krav 8 timer)"
    )


def test_rest_breaks_onsite_night_after_practice_day() -> None:
    # The GP's own practice day 08-16 is a work period: an on-site night from 23:00 leaves 7
    # hours off before it (SFS 2305 pkt. 7.4). The day after is given off as usual.
    inst = one_day(D(2027, 1, 4), doctors=(make_doctor("d1"),), shift_types=(NIGHT,))
    result = check(inst, roster_of(("2027-01-04:natt", "d1")))
    assert [b.rule for b in result.breaches] == ["rest"]
    assert result.breaches[0].message == (
        "bare 7 timer hvile mellom egen praksisdag mandag 04.01 08:00–16:00 og "
        "Natt (tilstedevakt) mandag 04.01 23:00–08:00 (krav 8 timer)"
    )
    assert [(o.doctor_id, o.date) for o in result.days_off] == [("d1", D(2027, 1, 5))]


def test_rest_holds_onsite_evening_straight_after_practice_day() -> None:
    # The evening duty that starts as the practice day ends continues the working day.
    inst = one_day(D(2027, 1, 4), doctors=(make_doctor("d1"),), shift_types=(EVENING,))
    assert rules_broken(inst, roster_of(("2027-01-04:kveld", "d1"))) == []


def test_rest_holds_standby_night_after_practice_day() -> None:
    inst = one_day(D(2027, 1, 4), doctors=(make_doctor("d1"),), shift_types=(NIGHT_STANDBY,))
    assert rules_broken(inst, roster_of(("2027-01-04:natt", "d1"))) == []


def test_rest_breaks_standby_night_when_local_agreement_counts_standby() -> None:
    inst = one_day(
        D(2027, 1, 4),
        doctors=(make_doctor("d1"),),
        shift_types=(NIGHT_STANDBY,),
        overrides=(override("rest", standby_rest_hours=8),),
    )
    found = check(inst, roster_of(("2027-01-04:natt", "d1"))).breaches
    assert [b.rule for b in found] == ["rest", "rest"]  # before the night and after it
    assert all("Lokal overstyring" in b.source for b in found)


def test_rest_holds_onsite_night_after_practice_day_with_local_seven_hours() -> None:
    inst = one_day(
        D(2027, 1, 4),
        doctors=(make_doctor("d1"),),
        shift_types=(NIGHT,),
        overrides=(override("rest", onsite_rest_hours=7),),
    )
    assert rules_broken(inst, roster_of(("2027-01-04:natt", "d1"))) == []


def test_rest_holds_after_day_off_after_night() -> None:
    # Sunday and Monday on-site nights: Monday's practice day is given off after the first,
    # so nothing is worked before the second.
    inst = make_instance(
        start=D(2027, 1, 10),
        end=D(2027, 1, 11),
        doctors=(make_doctor("d1"),),
        shift_types=(NIGHT,),
        overrides=(override("min_gap_days", days=0),),
    )
    result = check(inst, roster_of(("2027-01-10:natt", "d1"), ("2027-01-11:natt", "d1")))
    assert result.ok
    assert [o.date for o in result.days_off] == [D(2027, 1, 11), D(2027, 1, 12)]


def test_rest_holds_for_doctor_without_practice() -> None:
    inst = one_day(
        D(2027, 1, 4), doctors=(make_doctor("d1", kind="legevaktlege"),), shift_types=(LATE,)
    )
    assert rules_broken(inst, roster_of(("2027-01-04:sen", "d1"))) == []


def test_rest_holds_for_standby() -> None:
    inst = one_day(D(2027, 1, 4), doctors=(make_doctor("d1"),), shift_types=(LATE_STANDBY,))
    assert rules_broken(inst, roster_of(("2027-01-04:sen", "d1"))) == []


def test_rest_reads_the_old_rule_id_and_values() -> None:
    old = RuleOverride.model_validate(
        {"rule": "rest_after_duty", "params": {"min_rest_hours": 11, "applies_to_standby": True}}
    )
    assert old.rule == "rest"
    assert old.params == {"onsite_rest_hours": 11, "standby_rest_hours": 11}


SUNDAY_NIGHT = D(2027, 1, 10)


def test_day_off_after_night_holds_and_gives_day_off() -> None:
    inst = one_day(SUNDAY_NIGHT, doctors=(make_doctor("d1"),), shift_types=(NIGHT,))
    result = check(inst, roster_of(("2027-01-10:natt", "d1")))
    assert result.ok
    assert [(o.doctor_id, o.date) for o in result.days_off] == [("d1", D(2027, 1, 11))]


def test_day_off_after_night_breaks_when_not_agreed() -> None:
    inst = one_day(
        SUNDAY_NIGHT,
        doctors=(make_doctor("d1"),),
        shift_types=(NIGHT,),
        overrides=(override("day_off_after_night", enabled=False),),
    )
    assert rules_broken(inst, roster_of(("2027-01-10:natt", "d1"))) == ["day_off_after_night"]


SEVEN_HOURS = override("rest", onsite_rest_hours=7)  # so a weekday night is no rest breach


def test_day_off_after_night_holds_before_saturday() -> None:
    inst = one_day(
        D(2027, 1, 8),
        doctors=(make_doctor("d1"),),
        shift_types=(NIGHT,),
        overrides=(override("day_off_after_night", enabled=False), SEVEN_HOURS),
    )
    result = check(inst, roster_of(("2027-01-08:natt", "d1")))
    assert result.ok and result.days_off == ()


def test_day_off_after_night_holds_before_public_holiday_on_weekday() -> None:
    # 25 March 2027 is Maundy Thursday: no practice day after the night of 24 March
    inst = one_day(
        D(2027, 3, 24),
        doctors=(make_doctor("d1"),),
        shift_types=(NIGHT,),
        overrides=(override("day_off_after_night", enabled=False), SEVEN_HOURS),
    )
    assert rules_broken(inst, roster_of(("2027-03-24:natt", "d1"))) == []


# --------------------------------------------------------------------------- frequency and caps


def test_min_gap_days_holds_two_days_apart() -> None:
    inst = make_instance(start=D(2027, 1, 4), end=D(2027, 1, 6))
    r = roster_of(
        ("2027-01-04:kveld", "d1"), ("2027-01-05:kveld", "d2"), ("2027-01-06:kveld", "d1")
    )
    assert rules_broken(inst, r) == []


def test_min_gap_days_breaks_on_consecutive_days() -> None:
    inst = make_instance(start=D(2027, 1, 4), end=D(2027, 1, 5))
    r = roster_of(("2027-01-04:kveld", "d1"), ("2027-01-05:kveld", "d1"))
    assert rules_broken(inst, r) == ["min_gap_days"]


def test_min_gap_days_holds_evening_straight_into_night() -> None:
    inst = one_day(D(2027, 1, 4), shift_types=(EVENING, NIGHT_STANDBY))
    r = roster_of(("2027-01-04:kveld", "d1"), ("2027-01-04:natt", "d1"))
    assert rules_broken(inst, r) == []


def test_max_nights_breaks_over_cap() -> None:
    inst = make_instance(
        start=D(2027, 1, 4),
        end=D(2027, 1, 6),
        shift_types=(NIGHT_STANDBY,),
        overrides=(override("max_nights", max=1),),
    )
    r = roster_of(("2027-01-04:natt", "d1"), ("2027-01-05:natt", "d2"), ("2027-01-06:natt", "d1"))
    assert rules_broken(inst, r) == ["max_nights"]


def test_max_nights_holds_at_cap() -> None:
    inst = make_instance(
        start=D(2027, 1, 4),
        end=D(2027, 1, 5),
        shift_types=(NIGHT_STANDBY,),
        overrides=(override("max_nights", max=1),),
    )
    r = roster_of(("2027-01-04:natt", "d1"), ("2027-01-05:natt", "d2"))
    assert rules_broken(inst, r) == []


def test_max_duties_per_week_breaks_second_duty_in_one_week() -> None:
    inst = make_instance(
        start=D(2027, 1, 4),
        end=D(2027, 1, 6),
        overrides=(override("min_gap_days", days=0), override("max_duties_per_week", max=1)),
    )
    r = roster_of(
        ("2027-01-04:kveld", "d1"), ("2027-01-05:kveld", "d2"), ("2027-01-06:kveld", "d1")
    )
    breaches = check(inst, r).breaches
    assert [(b.rule, b.doctor_id, b.shift_id) for b in breaches] == [
        ("max_duties_per_week", "d1", "2027-01-06:kveld")
    ]
    assert "uke 1" in breaches[0].message


def test_max_duties_per_week_holds_across_the_week_boundary() -> None:
    # Sunday 10 and Monday 11 January 2027 are in two ISO weeks
    inst = make_instance(
        start=D(2027, 1, 10),
        end=D(2027, 1, 11),
        overrides=(override("min_gap_days", days=0), override("max_duties_per_week", max=1)),
    )
    r = roster_of(("2027-01-10:kveld", "d1"), ("2027-01-11:kveld", "d1"))
    assert rules_broken(inst, r) == []


def test_max_duties_per_week_holds_without_a_cap() -> None:
    inst = make_instance(
        start=D(2027, 1, 4), end=D(2027, 1, 6), overrides=(override("min_gap_days", days=0),)
    )
    r = roster_of(
        ("2027-01-04:kveld", "d1"), ("2027-01-05:kveld", "d1"), ("2027-01-06:kveld", "d1")
    )
    assert rules_broken(inst, r) == []


WEEKEND_DAY = make_shift_type(
    "helg", period="day", start="08:00", end="16:00", days=(DayKind.saturday, DayKind.sunday)
)


def test_max_weekends_breaks_over_cap() -> None:
    inst = make_instance(
        start=D(2027, 1, 9),
        end=D(2027, 1, 17),
        shift_types=(WEEKEND_DAY,),
        overrides=(override("max_weekends", max=1),),
    )
    r = roster_of(
        ("2027-01-09:helg", "d1"),
        ("2027-01-10:helg", "d2"),
        ("2027-01-16:helg", "d1"),
        ("2027-01-17:helg", "d2"),
    )
    assert sorted(rules_broken(inst, r)) == ["max_weekends", "max_weekends"]


def test_max_weekends_holds_within_one_weekend() -> None:
    inst = make_instance(
        start=D(2027, 1, 9),
        end=D(2027, 1, 11),
        shift_types=(WEEKEND_DAY,),
        overrides=(override("max_weekends", max=1), override("min_gap_days", days=1)),
    )
    r = roster_of(("2027-01-09:helg", "d1"), ("2027-01-10:helg", "d1"))
    assert rules_broken(inst, r) == []


def test_max_duties_breaks_over_cap() -> None:
    inst = make_instance(
        start=D(2027, 1, 4), end=D(2027, 1, 8), overrides=(override("max_duties", max=2),)
    )
    r = roster_of(*[(f"2027-01-0{d}:kveld", "d1" if d % 2 == 0 else "d2") for d in range(4, 9)])
    assert rules_broken(inst, r) == ["max_duties"]  # d1 has 4th, 6th and 8th


def test_max_duties_holds_at_cap() -> None:
    inst = make_instance(
        start=D(2027, 1, 4), end=D(2027, 1, 7), overrides=(override("max_duties", max=2),)
    )
    r = roster_of(*[(f"2027-01-0{d}:kveld", "d1" if d % 2 == 0 else "d2") for d in range(4, 8)])
    assert rules_broken(inst, r) == []


def test_fixed_shifts_holds() -> None:
    doc = make_doctor("d1", fixed_shifts=1)
    inst = make_instance(start=D(2027, 1, 4), end=D(2027, 1, 5), doctors=(doc, make_doctor("d2")))
    assert (
        rules_broken(inst, roster_of(("2027-01-04:kveld", "d1"), ("2027-01-05:kveld", "d2"))) == []
    )


def test_fixed_shifts_breaks() -> None:
    doc = make_doctor("d1", fixed_shifts=2)
    inst = make_instance(start=D(2027, 1, 4), end=D(2027, 1, 5), doctors=(doc, make_doctor("d2")))
    assert rules_broken(
        inst, roster_of(("2027-01-04:kveld", "d1"), ("2027-01-05:kveld", "d2"))
    ) == ["fixed_shifts"]


# --------------------------------------------------------------------------- soft rules


def test_big_holiday_rotation_breaks_same_christmas_again() -> None:
    hist = History(big_holidays=(BigHolidayDuty(year=2026, holiday="christmas", doctor="d1"),))
    inst = one_day(D(2027, 12, 24), history=hist)
    result = check(inst, roster_of(("2027-12-24:kveld", "d1")))
    assert result.ok and [r.rule for r in result.remarks] == ["big_holiday_rotation"]


def test_big_holiday_rotation_holds_for_other_doctor() -> None:
    hist = History(big_holidays=(BigHolidayDuty(year=2026, holiday="christmas", doctor="d1"),))
    inst = one_day(D(2027, 12, 24), history=hist)
    assert check(inst, roster_of(("2027-12-24:kveld", "d2"))).remarks == ()


def test_wishes_breaks_avoid_wish() -> None:
    doc = make_doctor("d1", wishes=(Wish(want=False, start=D(2027, 1, 4), weight=3),))
    inst = one_day(D(2027, 1, 4), doctors=(doc,))
    result = check(inst, roster_of(("2027-01-04:kveld", "d1")))
    assert result.ok and [r.rule for r in result.remarks] == ["wishes"]


def test_wishes_holds_on_other_day() -> None:
    doc = make_doctor("d1", wishes=(Wish(want=False, start=D(2027, 1, 5), weight=3),))
    inst = one_day(D(2027, 1, 4), doctors=(doc,))
    assert check(inst, roster_of(("2027-01-04:kveld", "d1"))).remarks == ()
