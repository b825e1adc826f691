"""Fairness accounting (roster.fairness.evaluate): counts and points per doctor against the
targets, like doctors' spread, municipalities, Gini."""

from __future__ import annotations

import pytest

from roster.fairness import evaluate, gini, municipality_keys
from roster.model import Municipality
from tests.factories import D, make_doctor, make_instance, make_legevakt, make_night, roster_of


def test_evaluate_counts_points_hours_types_and_categories() -> None:
    inst = make_instance(start=D(2027, 1, 8), end=D(2027, 1, 9))
    report = evaluate(inst, roster_of(("2027-01-08:kveld", "d1"), ("2027-01-09:kveld", "d2")))
    loads = {d.doctor_id: d for d in report.doctors}
    assert loads["d1"].points == 2 and loads["d1"].minutes_onsite == 7 * 60
    assert loads["d2"].count_by_category["weekend"] == 1
    assert loads["d1"].count_by_category["evening"] == 1
    assert loads["d2"].by_category["weekend"] == 2 and loads["d1"].by_category["weekend"] == 0
    assert loads["d1"].by_type == {"kveld": 1}
    assert loads["d1"].type_targets == {"kveld": 1.0}
    assert report.max_deviation == 0
    assert report.to_dict()["doctors"][0]["hours_onsite"] == 7.0


def test_evaluate_deviation_and_spread() -> None:
    inst = make_instance(start=D(2027, 1, 4), end=D(2027, 1, 5))
    report = evaluate(inst, roster_of(("2027-01-04:kveld", "d1"), ("2027-01-05:kveld", "d1")))
    assert report.max_deviation == 2 and report.spread == 4
    assert report.type_max_deviation["kveld"] == 1


def test_evaluate_like_doctors_spread_per_type_and_category() -> None:
    inst = make_instance(
        doctors=(make_doctor("a"), make_doctor("b"), make_doctor("c")),
        shift_types=(make_night(),),
        start=D(2027, 1, 4),
        end=D(2027, 1, 9),
    )
    days = ["04", "05", "06", "07", "08", "09"]
    lopsided = evaluate(
        inst,
        roster_of(
            *((f"2027-01-{d}:natt", "a") for d in days[:4]),
            (f"2027-01-{days[4]}:natt", "b"),
            (f"2027-01-{days[5]}:natt", "c"),
        ),
    )
    assert lopsided.like_groups == [["a", "b", "c"]]
    assert lopsided.like_spread["night"] == 3 and lopsided.like_spread["type:natt"] == 3
    even = evaluate(
        inst, roster_of(*((f"2027-01-{d}:natt", "abc"[i % 3]) for i, d in enumerate(days)))
    )
    assert even.like_spread["night"] == 0 and even.like_spread["type:natt"] == 0
    assert even.like_spread["weekend"] == 1  # one Saturday night: someone has it


def test_evaluate_municipality_target_and_its_doctors_targets() -> None:
    inst = make_instance(
        doctors=(make_doctor("a1"), make_doctor("b1", municipality="m2")),
        start=D(2027, 1, 4),
        end=D(2027, 1, 7),
    )
    report = evaluate(inst, roster_of(("2027-01-04:kveld", "a1"), ("2027-01-05:kveld", "a1")))
    m1 = next(m for m in report.municipalities if m.municipality_id == "m1")
    assert m1.target == pytest.approx(8 * 0.75)  # 8 points, population key 3000:1000
    assert m1.doctors_target == pytest.approx(4)  # two equal doctors
    assert m1.points == 4


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
