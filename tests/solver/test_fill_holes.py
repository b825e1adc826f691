"""A re-plan's first roster fills seats nobody can take as things stand by passing a duty on
(solver.moves.fill_holes): the only doctor free for the seat takes it when a duty of theirs
that stands in the way can go to a third doctor. Each roster goes through the checker
(roster.checker), the oracle."""

from __future__ import annotations

from roster.checker import check
from roster.instance import Instance
from solver.construct import Goals
from solver.context import BuildCtx, Pair
from solver.moves import fill_holes
from solver.objectives import fairness_basis
from solver.solve import SolveOptions, build
from solver.start import missing, roster_from, solution_of
from tests.factories import D, make_doctor, make_instance, make_shift_type, override

EVENING = make_shift_type("kveld")
MONDAY = {"kind": "holiday", "start": D(2027, 1, 4), "end": D(2027, 1, 4)}


def _instance() -> Instance:
    """Monday to Wednesday, one evening duty a day, never two duty days in a row; only «a»
    is free on Monday."""
    return make_instance(
        doctors=(
            make_doctor("a"),
            make_doctor("b", absences=(MONDAY,)),
            make_doctor("c", absences=(MONDAY,)),
        ),
        shift_types=(EVENING,),
        start=D(2027, 1, 4),
        end=D(2027, 1, 6),
        overrides=(override("min_gap_days", days=2),),
    )


def _pairs(ctx: BuildCtx, *held: tuple[str, str]) -> set[Pair]:
    return {(ctx.doctor_index[d], ctx.shift_index[s]) for d, s in held}


def _breaches(ctx: BuildCtx, pairs: set[Pair]) -> list[str]:
    return [b.rule for b in check(ctx.instance, roster_from(ctx, solution_of(ctx, pairs))).breaches]


def test_coverage_fill_holes_passes_a_duty_on() -> None:
    ctx, _ = build(_instance(), SolveOptions())
    goals = Goals(ctx, fairness_basis(ctx))
    before = _pairs(ctx, ("a", "2027-01-05:kveld"), ("b", "2027-01-06:kveld"))
    assert missing(ctx, before) == 1 and _breaches(ctx, before) == ["coverage"]
    after = fill_holes(ctx, goals, before)
    assert after == _pairs(
        ctx, ("a", "2027-01-04:kveld"), ("c", "2027-01-05:kveld"), ("b", "2027-01-06:kveld")
    )
    assert _breaches(ctx, after) == []


def test_coverage_fill_holes_leaves_a_seat_nobody_can_take() -> None:
    """With «a» away on Monday too, no one can take it: the roster stays as it was."""
    inst = _instance()
    away = inst.doctors[0].model_copy(update={"absences": inst.doctors[1].absences})
    ctx, _ = build(inst.model_copy(update={"doctors": (away, *inst.doctors[1:])}), SolveOptions())
    goals = Goals(ctx, fairness_basis(ctx))
    before = _pairs(ctx, ("a", "2027-01-05:kveld"), ("b", "2027-01-06:kveld"))
    assert fill_holes(ctx, goals, before) == before
    assert _breaches(ctx, before) == ["coverage"]
