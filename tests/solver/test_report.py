"""report.json: keys, JSON, and figures that agree with the checker and roster.fairness."""

from __future__ import annotations

import json
from typing import Any

import pytest

from roster.checker import check
from roster.fairness import evaluate
from roster.instance import Instance
from roster.model import Exemption
from solver.report import build_report
from solver.solve import SolveOptions, SolveResult, solve
from tests.factories import D, make_doctor, make_instance, make_shift_type, override

ONSITE_NIGHT = make_shift_type(
    "natt", label="Natt", period="night", start="23:00", end="08:00", points=3
)
KEYS = [
    "format",
    "version",
    "instance",
    "legevakt",
    "period",
    "status",
    "explanation",
    "notes",
    "stages",
    "largest_deviation",
    "fairness",
    "uncovered",
    "days_off_after_night",
    "breaches",
    "remarks",
    "seconds",
    "variables",
    "seed",
    "workers",
    "time_limit",
    "deterministic",
    "replan",
    "rules",
]
OPTIONS = SolveOptions(time_limit=10, seed=3, deterministic=True)


def nights_instance(**kw: Any) -> Instance:
    """Mon 4 to Thu 7 Jan 2027, an on-site night each day, three fastleger, and a local
    agreement of 7 hours' rest before an on-site night (so the GPs may take weekday nights
    after their practice day; the day after each is given off)."""
    doctors = kw.pop("doctors", None) or tuple(make_doctor(f"d{i}") for i in (1, 2, 3))
    overrides = (override("rest", onsite_rest_hours=7), *kw.pop("overrides", ()))
    return make_instance(
        doctors=doctors,
        shift_types=(ONSITE_NIGHT,),
        start=D(2027, 1, 4),
        end=D(2027, 1, 7),
        overrides=overrides,
        **kw,
    )


def report_for(inst: Instance) -> tuple[dict[str, Any], SolveResult]:
    result = solve(inst, OPTIONS)
    assert result.roster is not None, result.explanation
    checked = check(inst, result.roster)
    fairness = evaluate(inst, result.roster)
    return build_report(inst, result, checked, fairness, OPTIONS), result


@pytest.fixture(scope="module")
def solved() -> tuple[Instance, dict[str, Any], SolveResult]:
    inst = nights_instance(overrides=(override("day_off_after_night", compensation_nok=2500),))
    report, result = report_for(inst)
    return inst, report, result


def test_report_has_the_keys_in_order(
    solved: tuple[Instance, dict[str, Any], SolveResult],
) -> None:
    inst, report, result = solved
    assert list(report) == KEYS
    assert report["status"] == result.status
    assert report["stages"] == [s.to_dict() for s in result.stages]
    assert [s["stage"] for s in report["stages"]][:3] == ["coverage", "categories", "total"]
    assert (report["seed"], report["workers"], report["time_limit"]) == (3, 2, 10)
    assert report["variables"] == result.variables
    assert report["rules"] == inst.rules.record()


def test_report_is_json(solved: tuple[Instance, dict[str, Any], SolveResult]) -> None:
    _, report, _ = solved
    text = json.dumps(report, ensure_ascii=False, allow_nan=False)
    assert json.loads(text) == report


def test_report_fairness_equals_roster_fairness(
    solved: tuple[Instance, dict[str, Any], SolveResult],
) -> None:
    inst, report, result = solved
    assert result.roster is not None
    fairness = evaluate(inst, result.roster)
    assert report["fairness"] == fairness.to_dict()
    assert report["largest_deviation"]["value"] == round(fairness.max_deviation, 3)
    total = result.stage("total")
    assert total is not None and total.value is not None
    assert total.value == pytest.approx(fairness.max_deviation, abs=1e-3)


def test_report_counts_days_off_and_their_cost(
    solved: tuple[Instance, dict[str, Any], SolveResult],
) -> None:
    inst, report, result = solved
    assert result.roster is not None
    days_off = check(inst, result.roster).days_off
    section = report["days_off_after_night"]
    assert section["count"] == len(days_off) > 0
    assert section["total_cost_nok"] == 2500 * len(days_off)
    assert {(d["doctor_id"], d["date"]) for d in section["days"]} == {
        (d.doctor_id, d.date.isoformat()) for d in days_off
    }


def test_report_without_compensation_has_no_cost() -> None:
    report, _ = report_for(nights_instance())
    assert report["days_off_after_night"]["count"] > 0
    assert report["days_off_after_night"]["total_cost_nok"] is None


def test_report_lists_uncovered_shift_with_explanation() -> None:
    off = Exemption(
        kind="health", scope="all", granted=True, start=D(2027, 1, 4), end=D(2027, 1, 4)
    )
    inst = nights_instance(
        doctors=tuple(make_doctor(f"d{i}", exemptions=(off,)) for i in (1, 2, 3))
    )
    report, _ = report_for(inst)
    [hole] = report["uncovered"]  # the first night: the period starts on the exempt day
    assert hole["date"] == "2027-01-04"
    assert hole["shift_id"] == "natt"
    assert hole["label"] == "Natt"
    assert hole["missing"] == 1
    assert "3 fritatt" in hole["explanation"]
    assert report["breaches"] == {"count": 1, "by_rule": {"coverage": 1}}


def test_report_for_impossible_plan_has_explanation_and_no_fairness() -> None:
    inst = nights_instance(doctors=(make_doctor("d1", fixed_shifts=9), make_doctor("d2")))
    result = solve(inst, OPTIONS)
    assert result.status == "infeasible"
    report = build_report(inst, result, None, None, OPTIONS)
    assert list(report) == KEYS
    assert report["explanation"] == result.explanation
    assert report["fairness"] is None
    assert report["uncovered"] == []
    assert report["breaches"] == {"count": 0, "by_rule": {}}
    json.dumps(report, allow_nan=False)
