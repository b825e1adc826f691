"""The solver judges every hour a duty touches, under the rule version of each hour's date,
and does not judge dates before a rule was in force. Every roster goes through the checker
(tests.solver.test_builders.solved), which must agree."""

from __future__ import annotations

import datetime as dt

from roster.model import Exemption
from tests.factories import D, make_competence, make_doctor, make_instance, make_night, override
from tests.roster.test_rules import LIS1_CHOSEN, LIS1_DONE
from tests.solver.test_builders import EVENING, NO_GAP, shifts_of, solved

NIGHT = make_night()


def holes(checked: object) -> list[str]:
    return sorted(b.shift_id for b in checked.breaches if b.rule == "coverage")  # type: ignore[attr-defined]


def alone(doctor: object, start: dt.date, end: dt.date, *overrides: object, types=(NIGHT,)):  # type: ignore[no-untyped-def]
    """One doctor and nights (or `types`) from start to end, duties on consecutive days
    allowed: whatever the doctor may not take stays empty."""
    return make_instance(
        doctors=(doctor,),
        shift_types=types,
        start=start,
        end=end,
        overrides=(NO_GAP, *overrides),
    )


def test_age_exemption_no_night_into_the_60th_birthday() -> None:
    turning = make_doctor("d1", birth_date=D(1967, 1, 7), exemptions=(Exemption(kind="age"),))
    result, checked = solved(alone(turning, D(2027, 1, 5), D(2027, 1, 6)), holes_ok=True)
    assert shifts_of(result.roster, "d1") == ["2027-01-05:natt"]  # type: ignore[arg-type]
    assert holes(checked) == ["2027-01-06:natt"]


def test_competence_backup_night_past_the_lis1_exception_is_not_alone() -> None:
    inst = alone(LIS1_DONE, D(2024, 12, 31), D(2024, 12, 31), LIS1_CHOSEN, types=(EVENING, NIGHT))
    result, checked = solved(inst, holes_ok=True)
    assert shifts_of(result.roster, "d1") == ["2024-12-31:kveld"]  # type: ignore[arg-type]
    assert holes(checked) == ["2024-12-31:natt"]


def test_competence_backup_not_judged_before_2020() -> None:
    new = make_doctor(
        "d1", competence=make_competence(specialist_since=None, authorised_since=None)
    )
    result, checked = solved(alone(new, D(2019, 6, 3), D(2019, 6, 4)))
    assert checked.ok and len(shifts_of(result.roster, "d1")) == 2  # type: ignore[arg-type]


def test_courses_required_no_night_into_the_day_the_course_expires() -> None:
    doc = make_doctor("d1", competence=make_competence(acute_course=D(2022, 1, 6)))
    five_years = override("courses_required", acute_valid_months=60)
    result, checked = solved(alone(doc, D(2027, 1, 4), D(2027, 1, 5), five_years), holes_ok=True)
    assert shifts_of(result.roster, "d1") == ["2027-01-04:natt"]  # type: ignore[arg-type]
    assert holes(checked) == ["2027-01-05:natt"]


def test_courses_required_not_judged_before_1_may_2022() -> None:
    none = make_doctor("d1", competence=make_competence(acute_course=None, violence_course=None))
    result, checked = solved(alone(none, D(2022, 4, 28), D(2022, 4, 30)), holes_ok=True)
    assert shifts_of(result.roster, "d1") == ["2022-04-28:natt", "2022-04-29:natt"]  # type: ignore[arg-type]
    assert holes(checked) == ["2022-04-30:natt"]  # runs into 1 May


def test_pregnancy_exemption_lasts_until_the_birth() -> None:
    due = Exemption(kind="pregnancy", reference_date=D(2027, 4, 10))
    unborn = make_doctor("d1", exemptions=(due,))
    _, checked = solved(alone(unborn, D(2027, 4, 20), D(2027, 4, 21)), holes_ok=True)
    assert holes(checked) == ["2027-04-20:natt", "2027-04-21:natt"]  # two weeks after term
    born = make_doctor("d1", exemptions=(due.model_copy(update={"born": D(2027, 4, 15)}),))
    result, checked = solved(alone(born, D(2027, 4, 20), D(2027, 4, 21)))
    assert checked.ok and len(shifts_of(result.roster, "d1")) == 2  # type: ignore[arg-type]


def test_breastfeeding_exemption_follows_the_birth() -> None:
    due = Exemption(kind="pregnancy", reference_date=D(2027, 4, 10), born=D(2027, 4, 15))
    mother = make_doctor("d1", exemptions=(due, Exemption(kind="breastfeeding")))
    _, checked = solved(alone(mother, D(2027, 4, 20), D(2027, 4, 21)), holes_ok=True)
    assert holes(checked) == ["2027-04-20:natt", "2027-04-21:natt"]
