"""The greedy peer (bench/greedy.py): the checker finds nothing but holes in its rosters."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.greedy import greedy_roster
from roster.checker import check
from roster.formats.exchange import Roster
from roster.instance import Instance, load_instance
from roster.model import Absence, Doctor, Exemption, Role
from tests.factories import (
    D,
    make_competence,
    make_doctor,
    make_instance,
    make_shift_type,
    override,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def non_coverage(instance: Instance, roster: Roster) -> list[str]:
    return [str(b) for b in check(instance, roster).breaches if b.rule != "coverage"]


def coverage_breaches(instance: Instance, roster: Roster) -> int:
    return sum(1 for b in check(instance, roster).breaches if b.rule == "coverage")


def dates_of(roster: Roster, doctor_id: str) -> list[str]:
    return sorted(s.split(":")[0] for s in roster.by_doctor().get(doctor_id, []))


def lis1(id: str = "a-lis1") -> Doctor:
    """A LIS1 doctor who may not work alone (sorts first on ties by id)."""
    competence = make_competence(
        specialist_since=None, authorised_since=D(2026, 6, 1), legevakt_shifts_before=0
    )
    return make_doctor(id, kind="lis1", competence=competence)


def test_greedy_staffs_every_shift_and_passes_the_checker() -> None:
    inst = make_instance(doctors=tuple(make_doctor(f"d{i}") for i in range(1, 4)))
    roster = greedy_roster(inst)
    assert check(inst, roster).breaches == ()
    assert len(roster.assignments) == len(inst.shifts)


def test_greedy_spreads_points_evenly() -> None:
    inst = make_instance(doctors=tuple(make_doctor(f"d{i}") for i in range(1, 4)))
    counts = [len(v) for v in greedy_roster(inst).by_doctor().values()]
    assert max(counts) - min(counts) <= 1


def test_greedy_respects_exemption() -> None:
    exempted = make_doctor("d1", exemptions=(Exemption(kind="health", scope="all", granted=True),))
    inst = make_instance(doctors=(exempted, make_doctor("d2"), make_doctor("d3")))
    roster = greedy_roster(inst)
    assert dates_of(roster, "d1") == []
    assert check(inst, roster).breaches == ()


def test_greedy_respects_absence() -> None:
    away = make_doctor(
        "d1", absences=(Absence(kind="holiday", start=D(2027, 1, 4), end=D(2027, 1, 7)),)
    )
    inst = make_instance(doctors=(away, make_doctor("d2"), make_doctor("d3")))
    roster = greedy_roster(inst)
    assert dates_of(roster, "d1")  # takes shifts once back
    assert all(day >= "2027-01-08" for day in dates_of(roster, "d1"))
    assert check(inst, roster).breaches == ()


def test_greedy_respects_min_gap_days() -> None:
    # three doctors in turn would be back on day four: with a gap of four days, a hole instead
    inst = make_instance(
        doctors=tuple(make_doctor(f"d{i}") for i in range(1, 4)),
        overrides=(override("min_gap_days", days=4),),
    )
    roster = greedy_roster(inst)
    for d in ("d1", "d2", "d3"):
        days = [D.fromisoformat(x) for x in dates_of(roster, d)]
        assert all((b - a).days >= 4 for a, b in zip(days, days[1:], strict=False))
    assert non_coverage(inst, roster) == []
    assert coverage_breaches(inst, roster) > 0


def test_greedy_leaves_hole_when_nobody_can_take_it() -> None:
    other_pool = make_shift_type("natt", period="night", start="23:00", end="08:00", pool=("m2",))
    inst = make_instance(shift_types=(make_shift_type(), other_pool))  # doctors live in m1
    roster = greedy_roster(inst)
    nights = [s for s in inst.shifts if s.type_id == "natt"]
    assert not any(a.shift_id.endswith(":natt") for a in roster.assignments)
    assert coverage_breaches(inst, roster) == len(nights)
    assert non_coverage(inst, roster) == []


def test_greedy_keeps_rest_before_own_practice_day() -> None:
    doctors = (make_doctor("d1"), make_doctor("d2"), make_doctor("v1", kind="vikar"))
    inst = make_instance(doctors=doctors, overrides=(override("rest", onsite_rest_hours=11),))
    roster = greedy_roster(inst)
    # 16-23 plus 11 hours reaches into the next practice day (08-16): only Friday and Saturday
    for d in ("d1", "d2"):
        assert {D.fromisoformat(x).weekday() for x in dates_of(roster, d)} <= {4, 5}
    assert non_coverage(inst, roster) == []


def test_greedy_respects_max_duties() -> None:
    inst = make_instance(overrides=(override("max_duties", max=2),))
    roster = greedy_roster(inst)
    assert all(len(v) <= 2 for v in roster.by_doctor().values())
    assert non_coverage(inst, roster) == []


def test_greedy_assigns_kompetansebakvakt_for_lis1_primary() -> None:
    backup = make_shift_type(
        "bakvakt",
        role="backup_competence",
        mode="standby",
        response_minutes=30,
        points=1,
        covers=("kveld",),
    )
    inst = make_instance(
        doctors=(lis1(), make_doctor("d1"), make_doctor("d2"), make_doctor("d3")),
        shift_types=(make_shift_type(), backup),
    )
    roster = greedy_roster(inst)
    staffed = roster.by_shift()
    assert staffed["2027-01-04:kveld"] == ["a-lis1"]  # fewest points, first by id
    backed = {s.date for s in inst.shifts if s.role == Role.backup_competence and s.id in staffed}
    assert {D.fromisoformat(x) for x in dates_of(roster, "a-lis1")} == backed
    assert all(staffed[f"{day}:bakvakt"][0] != "a-lis1" for day in backed)
    assert check(inst, roster).breaches == ()


def test_greedy_keeps_lis1_off_duty_without_a_backup_type() -> None:
    inst = make_instance(doctors=(lis1(), make_doctor("d1"), make_doctor("d2")))
    roster = greedy_roster(inst)
    assert dates_of(roster, "a-lis1") == []
    assert non_coverage(inst, roster) == []


@pytest.mark.parametrize("name", ["small", "innherred"])
def test_greedy_on_examples_breaks_no_hard_rule(name: str) -> None:
    inst = load_instance(EXAMPLES / name / "instance.yaml")
    roster = greedy_roster(inst)
    assert non_coverage(inst, roster) == []
