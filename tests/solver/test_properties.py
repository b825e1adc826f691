"""Property tests: on small random instances the solver either returns a roster that the
independent checker accepts (holes only where the coverage stage proved they are needed), or
says explicitly that no roster exists and why. Exceptions are never swallowed."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from roster.checker import check
from roster.model import Absence, Exemption
from solver.solve import SolveOptions, solve
from tests.factories import (
    D,
    make_competence,
    make_doctor,
    make_instance,
    make_night,
    make_shift_type,
    override,
)

START = D(2027, 3, 22)  # the week before Easter 2027: holidays, eves and a DST night

TYPES = {
    "kveld": make_shift_type("kveld"),
    "natt": make_night(label="Natt"),
    "dag": make_shift_type(
        "dag",
        period="day",
        start="08:00",
        end="16:00",
        days=("saturday", "sunday", "holiday", "holiday_eve"),
        points=3,
    ),
}
BACKUP = make_shift_type(
    "bakvakt",
    role="backup_competence",
    mode="standby",
    response_minutes=30,
    covers=("kveld", "natt"),
    points=1,
    start="16:00",
    end="08:00",
)


@st.composite
def doctors(draw: st.DrawFn, index: int) -> object:
    kw: dict[str, object] = {"name": f"Lege {index}"}
    if draw(st.booleans()) and index > 1:
        kw["kind"] = "lis1"
        kw["competence"] = make_competence(
            specialist_since=None, authorised_since=D(2026, 1, 1), legevakt_shifts_before=2
        )
    day = START + dt.timedelta(days=draw(st.integers(0, 6)))
    if draw(st.integers(0, 3)) == 0:
        scope = draw(st.sampled_from(["all", "nights", "weekends"]))
        kw["exemptions"] = (Exemption(kind="health", scope=scope, start=day, granted=True),)
    if draw(st.integers(0, 3)) == 0:
        kw["absences"] = (
            Absence(
                kind="holiday", start=day, end=day + dt.timedelta(days=draw(st.integers(0, 2)))
            ),
        )
    if draw(st.integers(0, 5)) == 0:
        kw["fixed_shifts"] = draw(st.integers(0, 3))
    kw["share"] = draw(st.sampled_from([1.0, 1.0, 0.5]))
    return make_doctor(f"d{index}", **kw)


@st.composite
def instances(draw: st.DrawFn) -> object:
    n = draw(st.integers(2, 4))
    docs = tuple(draw(doctors(i)) for i in range(1, n + 1))
    names = draw(st.lists(st.sampled_from(sorted(TYPES)), min_size=1, max_size=3, unique=True))
    types = tuple(TYPES[k] for k in sorted(names))
    covered = tuple(k for k in ("kveld", "natt") if k in names)
    if covered and draw(st.booleans()):
        types += (BACKUP.model_copy(update={"covers": covered}),)
    days = draw(st.integers(1, 7))
    overrides = [override("min_gap_days", days=draw(st.integers(0, 2)))]
    if draw(st.booleans()):
        overrides.append(override("max_nights", max=draw(st.integers(0, 3))))
    return make_instance(
        doctors=docs,
        shift_types=types,
        start=START,
        end=START + dt.timedelta(days=days - 1),
        overrides=tuple(overrides),
    )


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_solver_output_passes_the_checker_or_is_explicitly_infeasible(inst: object) -> None:
    result = solve(inst, SolveOptions(time_limit=10, deterministic=True))  # type: ignore[arg-type]
    event(result.status)
    if result.status == "infeasible":
        assert result.roster is None and result.explanation
        return
    assert result.status in ("optimal", "feasible"), result.status
    assert result.roster is not None
    checked = check(inst, result.roster)  # type: ignore[arg-type]
    assert [str(b) for b in checked.breaches if b.rule != "coverage"] == []
    holes = sum(1 for b in checked.breaches if b.rule == "coverage")
    event("with holes" if holes else "no holes")
    coverage = result.stage("coverage")
    assert coverage is not None and coverage.status == "optimal"
    assert holes == 0 or coverage.value == coverage.bound  # holes only when proven unavoidable
