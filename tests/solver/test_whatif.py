"""What-if runs on tiny instances whose answer is known by construction. Every roster goes
through the checker (the oracle)."""

from __future__ import annotations

from roster.checker import check
from roster.comparison import compare, verdict
from roster.formats.exchange import Roster
from roster.instance import Instance
from roster.scenarios import Scenario, parse_scenarios_text
from solver.solve import SolveOptions, solve
from solver.whatif import run_whatif
from tests.factories import D, make_doctor, make_instance, make_shift_type, override
from tests.roster.test_scenarios import two_pools


def solved(inst: Instance) -> Roster:
    result = solve(inst, SolveOptions(time_limit=10, seed=1))
    assert result.roster is not None
    assert not check(inst, result.roster).breaches
    return result.roster


def one(text: str) -> Scenario:
    (s,) = parse_scenarios_text("scenarios:\n" + text)
    return s


def test_whatif_exempt_moves_the_duties_to_the_same_pool_only() -> None:
    inst = two_pools()
    base = solved(inst)
    result = run_whatif(
        inst, [one("  - name: a1 fri\n    changes:\n      - {exempt: a1}\n")], base,
        scenario_seconds=10,
    )  # fmt: skip
    (o,) = result.outcomes
    assert o.roster is not None and o.instance is not None and o.comparison is not None
    assert not check(o.instance, o.roster).breaches
    rows = {r.id: r for r in o.comparison.doctors}
    assert rows["a1"].after is not None and rows["a1"].after.shifts == 0
    kveld = sum(1 for s in inst.shifts if s.type_id == "kveld")
    assert rows["a2"].after.shifts + rows["a3"].after.shifts == kveld  # type: ignore[union-attr]
    # m2's doctors cannot take kveld: their duties do not change.
    for b in ("b1", "b2"):
        assert rows[b].shifts_diff == 0
    # a1's duties went to a2 and a3, about evenly.
    assert abs(rows["a2"].after.points - rows["a3"].after.points) <= 2  # type: ignore[union-attr]
    assert o.comparison.uncovered_after.total == 0 and o.holes_proven
    assert "a1 fri:" in o.verdict and "Lege a1" in o.verdict


def test_whatif_remove_municipality_removes_its_doctors_and_its_shifts() -> None:
    inst = two_pools()
    base = solved(inst)
    result = run_whatif(
        inst, [one("  - name: m2 ut\n    changes:\n      - {remove_municipality: m2}\n")], base
    )
    (o,) = result.outcomes
    assert o.roster is not None and o.instance is not None and o.comparison is not None
    assert not check(o.instance, o.roster).breaches
    assert all(a.shift_id.endswith(":kveld") for a in o.roster.assignments)
    assert {a.doctor_id for a in o.roster.assignments} <= {"a1", "a2", "a3"}
    munis = {r.id: r for r in o.comparison.municipalities}
    assert munis["m2"].after is None and munis["m1"].shifts_diff == 0
    assert "Sjøbygd ute" in o.verdict


def test_whatif_scaling_everyones_share_changes_nobodys_share_of_burden() -> None:
    inst = make_instance(
        doctors=(make_doctor("d1"), make_doctor("d2", share=0.5), make_doctor("d3")),
        shift_types=(make_shift_type("kveld"),),
        start=D(2027, 1, 4),
        end=D(2027, 1, 24),
        overrides=(override("min_gap_days", days=1),),
    )
    base = solved(inst)
    result = run_whatif(
        inst, [one("  - name: +20 %\n    changes:\n      - {scale_share: 1.2}\n")], base
    )
    (o,) = result.outcomes
    assert o.comparison is not None and o.roster is not None and o.instance is not None
    assert not check(o.instance, o.roster).breaches
    for r in o.comparison.doctors:
        assert r.before is not None and r.after is not None
        assert r.after.target == r.before.target
    assert "ingen endring i rettferdig andel" in o.verdict


def test_whatif_invalid_scenario_is_reported_not_raised() -> None:
    inst = two_pools()
    result = run_whatif(
        inst, [one("  - name: Feil\n    changes:\n      - {exempt: nobody}\n")], solved(inst)
    )
    (o,) = result.outcomes
    assert o.status == "invalid" and o.comparison is None
    assert "ukjent lege «nobody»" in o.verdict


def test_whatif_impossible_scenario_is_explained() -> None:
    """An agreed number of duties (fixed_shifts) that the new cap on duties forbids."""
    inst = make_instance(
        doctors=(make_doctor("d1", fixed_shifts=3), make_doctor("d2")),
        shift_types=(make_shift_type("kveld"),),
        start=D(2027, 1, 4),
        end=D(2027, 1, 10),
        overrides=(override("min_gap_days", days=1),),
    )
    result = run_whatif(
        inst,
        [one("  - name: Tak\n    changes:\n      - {rule: max_duties, params: {max: 1}}\n")],
        solved(inst),
        scenario_seconds=5,
    )
    (o,) = result.outcomes
    assert o.status == "infeasible" and o.comparison is None
    assert o.problems, "the solver's explanation is passed on"
    assert o.verdict.startswith("Tak: ingen mulig plan – ")


def test_compare_and_verdict_count_uncovered_nights() -> None:
    night = make_shift_type("natt", period="night", start="23:00", end="08:00", points=3)
    inst = make_instance(shift_types=(night,), start=D(2027, 1, 4), end=D(2027, 1, 5))
    full = Roster.model_validate(
        {"assignments": [{"shift_id": s.id, "doctor_id": "d1"} for s in inst.shifts[:1]]
         + [{"shift_id": s.id, "doctor_id": "d2"} for s in inst.shifts[1:]]}
    )  # fmt: skip
    empty = Roster()
    c = compare((inst, full), (inst, empty))
    assert c.uncovered_before.total == 0
    assert c.uncovered_after.total == 2 and c.uncovered_after.nights == 2
    assert verdict("Ingen", c).endswith("2 netter uten lege")


def test_replan_start_keeps_backup_pairing_when_the_backup_leaves() -> None:
    """The re-plan starts from the old roster. A kept LIS1 primary whose back-up is gone gets
    a new back-up or loses the duty: the starting roster keeps every rule by itself."""
    from roster.formats.exchange import Assignment
    from solver.construct import Goals, construct
    from solver.objectives import fairness_basis
    from solver.solve import build
    from tests.solver.test_builders import BACKUP, EVENING, LIS1, NO_GAP

    inst = make_instance(
        doctors=(LIS1, make_doctor("d1"), make_doctor("d2"), make_doctor("d3")),
        shift_types=(EVENING, BACKUP),
        start=D(2027, 1, 4),
        end=D(2027, 1, 17),
        overrides=(NO_GAP,),
    )
    ctx, _ = build(inst, SolveOptions(time_limit=5))
    index = {d.id: i for i, d in enumerate(ctx.doctors)}
    kveld = [si for si, s in enumerate(ctx.shifts) if s.type_id == "kveld"]
    # The old roster without its back-ups: the LIS1 doctor alone on every other evening.
    keep = {(index["lis"] if k % 2 else index["d1"], si) for k, si in enumerate(kveld)}
    pairs = construct(ctx, Goals(ctx, fairness_basis(ctx)), keep)
    roster = Roster(
        assignments=tuple(
            Assignment(shift_id=ctx.shifts[si].id, doctor_id=ctx.doctors[di].id)
            for di, si in sorted(pairs)
        )
    )
    assert not check(inst, roster).breaches
    lis = {ctx.shifts[si].date for di, si in pairs if di == index["lis"]}
    backed = {ctx.shifts[si].date for _, si in pairs if ctx.shifts[si].type_id == "bakvakt"}
    assert lis and lis <= backed, "kept LIS1 evenings are kept, with a back-up"


def test_verdict_says_unchanged_not_plus_minus_zero() -> None:
    """A doctor whose share did not move while the others' did is «uendret», not «±0,0»."""
    from roster.comparison import Comparison, Load, Row, Uncovered, verdict  # noqa: I001

    def row(i: str, before: float, after: float) -> Row:
        return Row(
            id=i,
            name=f"Lege {i}",
            municipality="A",
            before=Load(shifts=10, points=int(before), target=before),
            after=Load(shifts=10, points=int(after), target=after),
        )

    doctors = [row("a", 10, 13), row("b", 10, 13), row("c", 10, 13), row("d", 10, 10)]
    none = Uncovered(total=0, nights=0, weekends=0)
    c = Comparison(
        doctors=doctors,
        municipalities=[],
        uncovered_before=none,
        uncovered_after=none,
        max_deviation_before=0.0,
        max_deviation_after=0.0,
    )
    text = verdict("Test", c)
    assert "±" not in text
    assert "mest annerledes: Lege d, uendret" in text


def test_coverage_stage_is_proven_by_a_start_without_holes() -> None:
    """A starting roster that keeps every rule and leaves no hole needs no search for the
    coverage stage (its seconds go to the stages after); the roster keeps every rule."""
    inst = two_pools()
    base = solved(inst)
    for previous in (None, base):
        result = solve(inst, SolveOptions(time_limit=5, deterministic=True, previous=previous))
        assert result.roster is not None and not check(inst, result.roster).breaches
        coverage = result.stages[0]
        assert (coverage.name, coverage.status, coverage.value) == ("coverage", "optimal", 0.0)
        assert coverage.seconds == 0.0
