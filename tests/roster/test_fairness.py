"""Fairness accounting: targets from participation share, exemptions and history; the
integer lower bound; municipality keys."""

from __future__ import annotations

import itertools

import pytest

from roster.fairness import basis, evaluate, gini, integer_lower_bound, municipality_keys, targets
from roster.model import Exemption, History, Municipality
from tests.factories import D, make_doctor, make_instance, make_legevakt, make_shift_type, roster_of


def test_targets_split_equally_between_equal_doctors() -> None:
    inst = make_instance()
    b = basis(inst)
    assert targets(b, 14) == pytest.approx({"d1": 7.0, "d2": 7.0})


def test_targets_follow_participation_share() -> None:
    inst = make_instance(doctors=(make_doctor("full"), make_doctor("half", share=0.5)))
    assert targets(basis(inst), 12) == pytest.approx({"full": 8.0, "half": 4.0})


def test_targets_shrink_with_partial_exemption() -> None:
    night = make_shift_type("natt", period="night", start="23:00", end="08:00", points=2)
    no_nights = make_doctor(
        "d2", exemptions=(Exemption(kind="health", scope="nights", granted=True),)
    )
    inst = make_instance(
        doctors=(make_doctor("d1"), no_nights), shift_types=(make_shift_type(), night)
    )
    t = targets(basis(inst), 28)
    assert t["d1"] == pytest.approx(2 * t["d2"])  # d2 can carry half of what d1 can


def test_targets_carry_over_history() -> None:
    hist = History(carry_points={"d1": 2.0, "d2": -2.0})
    inst = make_instance(history=hist)
    assert targets(basis(inst), 14) == pytest.approx({"d1": 5.0, "d2": 9.0})


def test_fixed_shift_doctors_are_not_compared() -> None:
    inst = make_instance(doctors=(make_doctor("d1"), make_doctor("vikar", fixed_shifts=2)))
    assert basis(inst).compared == ["d1"]


def test_evaluate_counts_points_hours_and_categories() -> None:
    inst = make_instance(start=D(2027, 1, 8), end=D(2027, 1, 9))
    report = evaluate(inst, roster_of(("2027-01-08:kveld", "d1"), ("2027-01-09:kveld", "d2")))
    loads = {d.doctor_id: d for d in report.doctors}
    assert loads["d1"].points == 2 and loads["d1"].minutes_onsite == 7 * 60
    assert loads["d2"].by_category["weekend"] == 2 and loads["d1"].by_category["weekend"] == 0
    assert report.max_deviation == 0
    assert report.to_dict()["doctors"][0]["hours_onsite"] == 7.0


def test_evaluate_deviation_and_spread() -> None:
    inst = make_instance(start=D(2027, 1, 4), end=D(2027, 1, 5))
    report = evaluate(inst, roster_of(("2027-01-04:kveld", "d1"), ("2027-01-05:kveld", "d1")))
    assert report.max_deviation == 2 and report.spread == 4


def test_municipality_keys_by_population_equal_and_agreed() -> None:
    munis = (
        Municipality(id="m1", name="A", population=3000, share=0.5),
        Municipality(id="b", name="B", population=1000, share=0.5),
    )
    assert municipality_keys(make_instance(legevakt=make_legevakt(munis))) == {
        "m1": 0.75,
        "b": 0.25,
    }
    assert municipality_keys(make_instance(legevakt=make_legevakt(munis, cost_key="equal"))) == {
        "m1": 0.5,
        "b": 0.5,
    }
    assert municipality_keys(make_instance(legevakt=make_legevakt(munis, cost_key="agreed"))) == {
        "m1": 0.5,
        "b": 0.5,
    }


def test_gini_zero_when_equal_and_positive_when_not() -> None:
    assert gini([3, 3, 3]) == 0
    assert gini([0, 0, 9]) == pytest.approx(2 / 3)


def test_integer_lower_bound_equal_split() -> None:
    b = basis(make_instance())
    assert integer_lower_bound(b, (14, 14)) == 0  # 7 each
    assert integer_lower_bound(b, (15, 15)) == 0.5  # 7 and 8 around 7.5


def test_integer_lower_bound_never_exceeds_a_brute_force_optimum() -> None:
    docs = tuple(make_doctor(f"d{i}", share=s) for i, s in enumerate((1.0, 0.5, 1.0), start=1))
    b = basis(make_instance(doctors=docs))
    for total in range(0, 12):
        best = min(
            max(abs(x - t) for x, t in zip(combo, targets(b, total).values(), strict=True))
            for combo in itertools.product(range(total + 1), repeat=3)
            if sum(combo) == total
        )
        assert integer_lower_bound(b, (total, total)) == pytest.approx(best)
