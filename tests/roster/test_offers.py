"""Who may take a duty, decided by the checker, and the kompetansebakvakt that follows it."""

from __future__ import annotations

import datetime as dt

from roster.changes import apply_changes
from roster.checker import check
from roster.model import Absence, ChangeKind, Exemption
from roster.offers import breaches_for, colleagues, move, with_backup
from tests.factories import (
    D,
    make_competence,
    make_doctor,
    make_instance,
    make_shift_type,
    override,
    roster_of,
)

AT = dt.datetime(2027, 1, 2, 9, tzinfo=dt.UTC)
EVENING = make_shift_type("kveld")
BACKUP = make_shift_type(
    "bakvakt",
    role="backup_competence",
    mode="standby",
    response_minutes=30,
    covers=("kveld",),
    points=1,
)
LIS1 = make_doctor(
    "lis",
    kind="lis1",
    competence=make_competence(
        specialist_since=None, authorised_since=D(2026, 1, 15), legevakt_shifts_before=5
    ),
)


def test_colleagues_lists_only_those_for_whom_every_rule_holds() -> None:
    away = make_doctor(
        "d3", absences=(Absence(kind="course", start=D(2027, 1, 5), end=D(2027, 1, 5)),)
    )
    old = make_doctor("d4", birth_date=D(1960, 1, 1), exemptions=(Exemption(kind="age"),))
    inst = make_instance(
        doctors=(make_doctor("d1"), make_doctor("d2"), away, old),
        start=D(2027, 1, 4),
        end=D(2027, 1, 6),
        overrides=(override("min_gap_days", days=0), override("max_duties_per_week", max=2)),
    )
    plan = roster_of(
        ("2027-01-04:kveld", "d2"), ("2027-01-05:kveld", "d1"), ("2027-01-06:kveld", "d2")
    )
    assert check(inst, plan).ok
    found = colleagues(inst, plan, "2027-01-05:kveld", "d1", ChangeKind.board, AT)
    assert sorted(found) == ["d2", "d3", "d4"]
    assert {d: [f.rule for f in fs] for d, fs in found.items()} == {
        "d2": ["max_duties_per_week"],
        "d3": ["absence"],
        "d4": ["age_exemption"],
    }


def test_with_backup_pairs_a_competent_colleague_when_the_new_primary_needs_one() -> None:
    inst = make_instance(
        doctors=(make_doctor("d1"), make_doctor("d2"), LIS1),
        shift_types=(EVENING, BACKUP),
        start=D(2027, 1, 4),
        end=D(2027, 1, 4),
    )
    plan = roster_of(("2027-01-04:kveld", "d1"))
    assert check(inst, plan).ok
    shift = next(s for s in inst.shifts if s.id == "2027-01-04:kveld")
    give = move(shift, "d1", "lis", ChangeKind.giveaway, AT)
    batch = with_backup(inst, plan, [give])
    assert [(c.shift_id, c.from_doctor, c.to_doctor) for c in batch] == [
        ("2027-01-04:kveld", "d1", "lis"),
        ("2027-01-04:bakvakt", None, "d1"),
    ]
    assert breaches_for(inst, plan, [give]) == []
    assert check(inst, apply_changes(inst, plan, batch).roster).ok
    # and back: the competent doctor takes the evening again, the back-up is released
    worked = apply_changes(inst, plan, batch).roster
    back = move(shift, "lis", "d2", ChangeKind.giveaway, AT)
    again = with_backup(inst, worked, [back])
    assert [(c.shift_id, c.from_doctor, c.to_doctor) for c in again] == [
        ("2027-01-04:kveld", "lis", "d2"),
        ("2027-01-04:bakvakt", "d1", None),
    ]
    assert check(inst, apply_changes(inst, worked, again).roster).ok


def test_with_backup_refuses_when_no_competent_backup_is_free() -> None:
    inst = make_instance(
        doctors=(make_doctor("d1"), LIS1),
        shift_types=(EVENING, BACKUP.model_copy(update={"pool": ("m2",)})),  # nobody in m2
        start=D(2027, 1, 4),
        end=D(2027, 1, 4),
    )
    plan = roster_of(("2027-01-04:kveld", "d1"))
    shift = next(s for s in inst.shifts if s.id == "2027-01-04:kveld")
    found = breaches_for(inst, plan, [move(shift, "d1", "lis", ChangeKind.giveaway, AT)])
    assert [f.rule for f in found] == ["competence_backup"]
