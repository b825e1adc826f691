"""A re-plan keeps the previous roster where it can, but not a kompetansebakvakt that no
primary needs any more (solver.start.without_idle_backups): the plan staffs a back-up only
when a doctor who may not work alone is on a duty it covers (rule competence_backup). A kept
roster with such a duty is one the model rejects, and the re-plan's stages then had nothing
to start from (a sick leave on Innherred moved 41 duties). Each roster goes through the
checker (roster.checker), the oracle."""

from __future__ import annotations

from roster.checker import check
from roster.formats.exchange import Roster
from roster.instance import Instance
from roster.model import Absence
from solver.solve import SolveOptions, build, solve
from solver.start import kept_pairs, without_idle_backups
from tests.factories import (
    D,
    make_backup_type,
    make_doctor,
    make_instance,
    make_lis1,
    make_shift_type,
    override,
    roster_of,
)

EVENING = make_shift_type("kveld")
BACKUP = make_backup_type()
LIS1 = make_lis1()
PREVIOUS = roster_of(
    ("2027-01-04:kveld", "lis"),
    ("2027-01-04:bakvakt", "d1"),
    ("2027-01-05:kveld", "d2"),
    ("2027-01-06:kveld", "d1"),
)


def _instance(lis: object = LIS1) -> Instance:
    return make_instance(
        doctors=(lis, make_doctor("d1"), make_doctor("d2")),  # type: ignore[arg-type]
        shift_types=(EVENING, BACKUP),
        start=D(2027, 1, 4),
        end=D(2027, 1, 6),
        overrides=(override("min_gap_days", days=0),),
    )


def _changed(before: Roster, after: Roster) -> set[tuple[str, str]]:
    old = {(a.doctor_id, a.shift_id) for a in before.assignments}
    return old - {(a.doctor_id, a.shift_id) for a in after.assignments}


def test_competence_backup_idle_backup_not_kept() -> None:
    ctx, _ = build(_instance(), SolveOptions())
    pair = {(ctx.doctor_index[d], ctx.shift_index[s]) for s, d in [("2027-01-04:bakvakt", "d1")]}
    with_lis = pair | {(ctx.doctor_index["lis"], ctx.shift_index["2027-01-04:kveld"])}
    assert without_idle_backups(ctx, with_lis) == with_lis  # the LIS1 doctor needs it
    with_d2 = pair | {(ctx.doctor_index["d2"], ctx.shift_index["2027-01-04:kveld"])}
    assert without_idle_backups(ctx, with_d2) == with_d2 - pair  # d2 may work alone


def test_competence_backup_replan_after_lis1_sick_leave_changes_little() -> None:
    sick = Absence(kind="sick", start=D(2027, 1, 4), end=D(2027, 1, 4), note="Sykmeldt")
    inst = _instance(LIS1.model_copy(update={"absences": (sick,)}))
    ctx, _ = build(inst, SolveOptions())
    kept = {(ctx.doctors[di].id, ctx.shifts[si].id) for di, si in kept_pairs(ctx, PREVIOUS)}
    assert kept == {("d2", "2027-01-05:kveld"), ("d1", "2027-01-06:kveld")}  # no idle back-up
    result = solve(inst, SolveOptions(time_limit=5, deterministic=True, previous=PREVIOUS))
    assert result.roster is not None
    assert check(inst, result.roster).ok
    changes = next(s for s in result.stages if s.name == "changes")
    assert changes.status in ("optimal", "feasible")  # the stage had a roster to start from
    # The sick doctor's evening and the back-up it needed go; nothing else moves.
    assert _changed(PREVIOUS, result.roster) == {
        ("lis", "2027-01-04:kveld"),
        ("d1", "2027-01-04:bakvakt"),
    }
