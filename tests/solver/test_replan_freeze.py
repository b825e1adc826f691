"""A re-plan that keeps the duties before a date (SolveOptions.freeze_before, «Behold vaktene
før» in the web app) keeps each of them whose doctor can still take it. A duty whose doctor
can no longer take it, like the night that runs into the first morning of a sick leave
starting on that date, is given to someone else, not left empty (solver.solve._reopened).
Each roster goes through the checker (roster.checker), the oracle."""

from __future__ import annotations

from roster.checker import check
from roster.formats.exchange import Roster
from roster.instance import Instance
from roster.model import Absence
from solver.solve import SolveOptions, solve
from tests.factories import (
    D,
    make_backup_type,
    make_doctor,
    make_instance,
    make_lis1,
    make_night,
    override,
    roster_of,
)

PREVIOUS = roster_of(
    ("2027-01-04:natt", "d2"),
    ("2027-01-05:natt", "d1"),  # 23:00 to 08:00 on the 6th, the sick leave's first morning
    ("2027-01-06:natt", "d2"),
    ("2027-01-07:natt", "d1"),
    ("2027-01-08:natt", "d3"),
)


def _instance(sick_from: object = None) -> Instance:
    d1 = make_doctor("d1")
    if sick_from is not None:
        sick = Absence(kind="sick", start=sick_from, end=D(2027, 1, 8), note="Sykmeldt")  # type: ignore[arg-type]
        d1 = d1.model_copy(update={"absences": (sick,)})
    return make_instance(
        doctors=(d1, make_doctor("d2"), make_doctor("d3")),
        shift_types=(make_night(),),
        start=D(2027, 1, 4),
        end=D(2027, 1, 8),
        overrides=(override("min_gap_days", days=0),),
    )


def _pairs(roster: Roster) -> set[tuple[str, str]]:
    return {(a.shift_id, a.doctor_id) for a in roster.assignments}


def test_replan_freeze_night_into_a_sick_leave_is_staffed() -> None:
    assert check(_instance(), PREVIOUS).ok
    inst = _instance(sick_from=D(2027, 1, 6))
    options = SolveOptions(
        time_limit=5, deterministic=True, previous=PREVIOUS, freeze_before=D(2027, 1, 6)
    )
    result = solve(inst, options)
    assert result.roster is not None
    assert check(inst, result.roster).ok, [str(b) for b in check(inst, result.roster).breaches]
    after = _pairs(result.roster)
    assert ("2027-01-04:natt", "d2") in after  # kept: its doctor can still take it
    night = {d for s, d in after if s == "2027-01-05:natt"}
    assert len(night) == 1 and night != {"d1"}  # before the date, yet staffed by another
    assert not {d for s, d in after if s >= "2027-01-06" and d == "d1"}


def test_replan_freeze_keeps_what_its_doctor_can_still_take() -> None:
    inst = _instance(sick_from=D(2027, 1, 7))  # the night of the 5th ends before it
    options = SolveOptions(
        time_limit=5, deterministic=True, previous=PREVIOUS, freeze_before=D(2027, 1, 7)
    )
    result = solve(inst, options)
    assert result.roster is not None
    assert check(inst, result.roster).ok
    after = _pairs(result.roster)
    assert {p for p in _pairs(PREVIOUS) if p[0] < "2027-01-07"} <= after


BACKUP_NIGHT = make_backup_type(
    "bakvakt-natt", covers=("natt",), period="night", start="23:00", end="08:00"
)
WITH_BACKUP = roster_of(
    ("2027-01-04:natt", "d1"),
    ("2027-01-05:natt", "lis"),  # a LIS1 doctor's night, into the sick leave's first morning
    ("2027-01-05:bakvakt-natt", "d2"),  # the kompetansebakvakt it needed
    ("2027-01-06:natt", "d3"),
    ("2027-01-07:natt", "d1"),
    ("2027-01-08:natt", "d2"),
)


def test_replan_freeze_backup_of_a_reopened_night_is_reopened_too() -> None:
    """The night's back-up is not held either: whether one is needed depends on who takes
    the night. Held, it made every stage's model reject the start (a sick LIS1 doctor on
    Innherred: no stage after coverage ran)."""
    sick = Absence(kind="sick", start=D(2027, 1, 6), end=D(2027, 1, 8), note="Sykmeldt")
    lis = make_lis1(absences=(sick,))
    inst = make_instance(
        doctors=(lis, make_doctor("d1"), make_doctor("d2"), make_doctor("d3")),
        shift_types=(make_night(), BACKUP_NIGHT),
        start=D(2027, 1, 4),
        end=D(2027, 1, 8),
        overrides=(override("min_gap_days", days=0),),
    )
    options = SolveOptions(
        time_limit=5, deterministic=True, previous=WITH_BACKUP, freeze_before=D(2027, 1, 6)
    )
    result = solve(inst, options)
    assert result.roster is not None
    assert check(inst, result.roster).ok, [str(b) for b in check(inst, result.roster).breaches]
    stages = {s.name: s.status for s in result.stages}
    assert stages["coverage"] == "optimal" and stages["changes"] in ("optimal", "feasible")
    after = _pairs(result.roster)
    night = {d for s, d in after if s == "2027-01-05:natt"}
    assert len(night) == 1 and night != {"lis"}
    assert ("2027-01-05:bakvakt-natt", "d2") not in after  # no LIS1 doctor left to back up
    assert ("2027-01-04:natt", "d1") in after
