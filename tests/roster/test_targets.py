"""Fair targets (roster.targets): every duty shared among the doctors who can take it, in
proportion to their share; per shift type, per category and in points."""

from __future__ import annotations

import pytest

from roster.model import (
    Absence,
    Competence,
    Exemption,
    FairnessConfig,
    History,
    Municipality,
)
from roster.targets import band, basis, categories_of, integer_lower_bound
from tests.factories import (
    D,
    make_doctor,
    make_instance,
    make_legevakt,
    make_night,
    make_shift_type,
)

WEEK = {"start": D(2027, 1, 4), "end": D(2027, 1, 10)}  # Monday to Sunday, no holidays


def test_targets_split_equally_between_equal_doctors() -> None:
    b = basis(make_instance(**WEEK))
    assert b.types["d1"]["kveld"] == pytest.approx(3.5)
    assert b.points == pytest.approx({"d1": 7.0, "d2": 7.0})
    assert b.like_groups() == [["d1", "d2"]]


def test_targets_follow_participation_share() -> None:
    inst = make_instance(doctors=(make_doctor("full"), make_doctor("half", share=0.5)), **WEEK)
    assert basis(inst).points == pytest.approx({"full": 28 / 3, "half": 14 / 3})


def test_targets_a_night_only_doctor_takes_an_even_share_of_nights() -> None:
    """Frosta in Innherred: in the night pool only. Its doctor's nights equal a colleague's;
    the evenings are shared by the others alone."""
    evening = make_shift_type(pool=("m1",))
    inst = make_instance(
        doctors=(make_doctor("a1"), make_doctor("a2"), make_doctor("b1", municipality="m2")),
        shift_types=(evening, make_night()),
        **WEEK,
    )
    b = basis(inst)
    assert b.types["b1"]["natt"] == pytest.approx(b.types["a1"]["natt"]) == pytest.approx(7 / 3)
    assert b.types["b1"]["kveld"] == 0 and b.types["a1"]["kveld"] == pytest.approx(3.5)
    assert b.points["b1"] == pytest.approx(7)  # nights only: 7/3 nights of 3 points


def test_targets_partial_exemption_lowers_the_target_by_default() -> None:
    no_nights = Exemption(kind="health", scope="nights", granted=True)
    inst = make_instance(
        doctors=(make_doctor("d1"), make_doctor("d2", exemptions=(no_nights,))),
        shift_types=(make_shift_type(), make_night()),
        **WEEK,
    )
    b = basis(inst)
    assert b.types["d2"]["natt"] == 0 and b.types["d1"]["natt"] == 7
    assert b.types["d2"]["kveld"] == pytest.approx(3.5)
    assert b.points["d2"] == pytest.approx(7) and b.points["d1"] == pytest.approx(28)


def test_targets_partial_exemption_is_made_up_when_the_legevakt_says_so() -> None:
    no_nights = Exemption(kind="health", scope="nights", granted=True)
    inst = make_instance(
        doctors=(make_doctor("d1"), make_doctor("d2", exemptions=(no_nights,))),
        shift_types=(make_shift_type(), make_night(points=2)),
        fairness=FairnessConfig(exemption_makeup=True),
        **WEEK,
    )
    b = basis(inst)
    # d2 makes up with every evening: the sharing gets there as far as scaling allows
    assert b.points["d2"] == pytest.approx(b.points["d1"], abs=0.02)
    assert b.points["d2"] == pytest.approx(14, abs=0.01)
    assert b.types["d2"]["kveld"] == pytest.approx(7, abs=0.01)
    assert b.types["d2"]["natt"] == 0


def test_targets_statutory_exemption_is_never_made_up() -> None:
    over_60 = Exemption(kind="age", scope="outside_hours", claimed=True)
    old = make_doctor("d2", birth_date=D(1960, 1, 1), exemptions=(over_60,))
    inst = make_instance(
        doctors=(make_doctor("d1"), old, make_doctor("d3")),
        fairness=FairnessConfig(exemption_makeup=True),
        **WEEK,
    )
    b = basis(inst)
    assert "d2" not in b.points  # nothing to carry, nothing made up
    assert b.points["d1"] == pytest.approx(7)


def test_targets_carry_over_moves_points_between_doctors() -> None:
    inst = make_instance(history=History(carry_points={"d1": 2.0, "d2": -2.0}), **WEEK)
    b = basis(inst)
    assert b.points == pytest.approx({"d1": 5.0, "d2": 9.0})
    assert b.types["d1"]["kveld"] == pytest.approx(2.5)  # spread over the duties d1 takes


def test_targets_fixed_shift_doctor_gets_the_agreed_number_and_is_not_compared() -> None:
    inst = make_instance(
        doctors=(make_doctor("d1"), make_doctor("d2"), make_doctor("vikar", fixed_shifts=3)),
        **WEEK,
    )
    b = basis(inst)
    assert b.compared == ("d1", "d2")
    assert b.fixed == {"vikar": 3}
    assert b.types["vikar"]["kveld"] == pytest.approx(3)
    assert b.types["d1"]["kveld"] == pytest.approx(2)  # the other four evenings, halved


def test_targets_backups_follow_the_doctors_who_need_them() -> None:
    """A LIS1 doctor needs a kompetansebakvakt on each of their evenings: the expected
    back-ups are shared by the doctors who may be back-up."""
    backup = make_shift_type(
        "bakvakt",
        role="backup_competence",
        mode="standby",
        response_minutes=30,
        points=1,
        covers=("kveld",),
    )
    lis1 = make_doctor(
        "lis1",
        kind="lis1",
        competence=Competence(
            authorised_since=D(2026, 9, 1),
            acute_course=D(2026, 9, 1),
            violence_course=D(2026, 9, 1),
        ),
    )
    inst = make_instance(
        doctors=(make_doctor("d1"), make_doctor("d2"), lis1),
        shift_types=(make_shift_type(), backup),
        **WEEK,
    )
    b = basis(inst)
    assert b.types["lis1"]["kveld"] == pytest.approx(7 / 3)
    assert b.types["lis1"].get("bakvakt", 0) == 0
    assert b.types["d1"]["bakvakt"] + b.types["d2"]["bakvakt"] == pytest.approx(7 / 3)
    assert b.categories["d1"]["backup"] == pytest.approx(7 / 6)


def test_targets_holiday_keeps_the_target_long_leave_reduces_it() -> None:
    holiday = Absence(kind="holiday", start=D(2027, 1, 4), end=D(2027, 1, 6))
    leave = Absence(kind="leave", start=D(2027, 1, 4), end=D(2027, 1, 6))
    on_holiday = basis(
        make_instance(doctors=(make_doctor("d1", absences=(holiday,)), make_doctor("d2")), **WEEK)
    )
    assert on_holiday.points["d1"] == pytest.approx(7)
    on_leave = basis(
        make_instance(doctors=(make_doctor("d1", absences=(leave,)), make_doctor("d2")), **WEEK)
    )
    assert on_leave.points["d1"] == pytest.approx(4)  # half of the four evenings after
    assert on_leave.points["d2"] == pytest.approx(10)


def test_targets_municipality_key_counts_only_the_shift_types_it_takes_part_in() -> None:
    munis = (
        Municipality(id="m1", name="Stor", population=9000),
        Municipality(id="m2", name="Liten", population=1000),
    )
    inst = make_instance(
        doctors=(make_doctor("a1"), make_doctor("b1", municipality="m2")),
        shift_types=(make_shift_type(pool=("m1",)), make_night()),
        legevakt=make_legevakt(munis),
        **WEEK,
    )
    b = basis(inst)
    # evenings (14 points) are m1's alone; nights (21 points) split 9:1
    assert b.municipalities["m1"] == pytest.approx(14 + 21 * 0.9)
    assert b.municipalities["m2"] == pytest.approx(21 * 0.1)


def test_categories_of_a_duty() -> None:
    inst = make_instance(shift_types=(make_shift_type(), make_night()), **WEEK)
    by_id = {s.id: s for s in inst.shifts}
    assert categories_of(by_id["2027-01-04:kveld"]) == {"evening"}
    assert categories_of(by_id["2027-01-09:kveld"]) == {"weekend"}
    assert categories_of(by_id["2027-01-09:natt"]) == {"night", "weekend"}


def test_band_is_the_whole_numbers_next_to_the_target() -> None:
    assert band(3.5) == (3, 4)
    assert band(3.0) == (3, 3)
    assert band(0.2) == (0, 1)


def test_integer_lower_bound_equal_split() -> None:
    assert integer_lower_bound({"a": 7.0, "b": 7.0}, (14, 14)) == 0
    assert integer_lower_bound({"a": 7.5, "b": 7.5}, (15, 15)) == 0.5


def test_integer_lower_bound_never_exceeds_a_brute_force_optimum() -> None:
    import itertools

    targets = {"a": 2.4, "b": 1.2, "c": 2.4}
    for total in range(0, 9):
        best = min(
            max(abs(x - t) for x, t in zip(combo, targets.values(), strict=True))
            for combo in itertools.product(range(total + 1), repeat=3)
            if sum(combo) == total
        )
        assert integer_lower_bound(targets, (total, total)) == pytest.approx(best)
