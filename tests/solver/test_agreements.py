"""The first roster meets agreed numbers of duties (fixed_shifts) where the rules let it
(solver.moves.keep_agreements): from empty seats, and from doctors without an agreement.
Each roster goes through the checker (roster.checker), the oracle."""

from __future__ import annotations

from roster.checker import check
from roster.instance import Instance
from solver.construct import Goals, caps_of, fits, take
from solver.context import BuildCtx, Pair
from solver.moves import keep_agreements
from solver.objectives import fairness_basis
from solver.solve import SolveOptions, build
from solver.start import roster_from
from tests.factories import D, make_doctor, make_instance, make_shift_type, override

EVENING = make_shift_type("kveld")


def _instance() -> Instance:
    doctors = (
        make_doctor("vikar", kind="vikar", fixed_shifts=4),
        make_doctor("d2"),
        make_doctor("d3"),
    )
    return make_instance(
        doctors=doctors,
        shift_types=(EVENING,),
        start=D(2027, 1, 4),
        end=D(2027, 1, 17),
        overrides=(override("min_gap_days", days=0),),
    )


def _breaches(ctx: BuildCtx, pairs: set[Pair]) -> list[str]:
    solution = [0] * len(ctx.model.proto.variables)
    for pair, var in ctx.x.items():
        solution[var.index] = 1 if pair in pairs else 0
    found = check(ctx.instance, roster_from(ctx, solution))
    return [f.rule for f in found.breaches]


def _count(ctx: BuildCtx, pairs: set[Pair], doctor: str) -> int:
    di = ctx.doctor_index[doctor]
    return sum(1 for d, _ in pairs if d == di)


def test_fixed_shifts_first_roster_takes_empty_seats() -> None:
    ctx, _ = build(_instance(), SolveOptions())
    goals = Goals(ctx, fairness_basis(ctx))
    pairs = keep_agreements(ctx, goals, set())
    assert _count(ctx, pairs, "vikar") == 4
    assert "fixed_shifts" not in _breaches(ctx, pairs)


def test_fixed_shifts_first_roster_takes_duties_from_others() -> None:
    ctx, _ = build(_instance(), SolveOptions())
    goals = Goals(ctx, fairness_basis(ctx))
    st, caps = goals.state(), caps_of(ctx)
    vikar = ctx.doctor_index["vikar"]
    for si, _ in enumerate(ctx.shifts):  # every seat to the others: the agreement broken
        for di in sorted(set(range(len(ctx.doctors))) - {vikar}):
            if fits(ctx, st, di, si, caps):
                take(ctx, st, di, si)
                break
    before = set(st.assigned)
    assert _count(ctx, before, "vikar") == 0 and _breaches(ctx, before) == ["fixed_shifts"]
    after = keep_agreements(ctx, goals, before)
    assert _count(ctx, after, "vikar") == 4
    assert _breaches(ctx, after) == []
    assert len(after) == len(before)  # duties passed, none added or lost
