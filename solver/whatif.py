"""What-if runs: solve the baseline once, then every scenario against it.

Each scenario is solved as a re-plan of the baseline (the baseline roster is the hint and the
"changes" stage keeps what need not change), so answers come in seconds and differ from the
baseline only where the scenario makes them. Every roster goes through the checker.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from roster.checker import check
from roster.comparison import Comparison, compare, verdict
from roster.errors import InputError
from roster.fairness import FairnessReport, evaluate
from roster.formats.exchange import Roster
from roster.instance import Instance
from roster.scenarios import Scenario, apply
from solver.defaults import BASELINE_SECONDS, SCENARIO_SECONDS
from solver.solve import SolveOptions, SolveResult, solve

#: Seconds per scenario and for the baseline when no roster is given. A one-doctor change on
#: Innherred settles well inside the scenario limit (bench/RESULTS.md).


@dataclass
class Outcome:
    """One scenario's answer: a comparison, or why there is none."""

    name: str
    comparison: Comparison | None = None
    roster: Roster | None = None
    instance: Instance | None = None
    status: str = "no_solution"  # solver status, or "invalid" when the scenario does not apply
    #: The plan's shifts without a doctor are proven the fewest any plan can have (the
    #: coverage stage reached its bound); else a short limit may have left some to fill.
    holes_proven: bool = False
    problems: list[str] = field(default_factory=list)  # Norwegian
    seconds: float = 0.0

    @property
    def verdict(self) -> str:
        if self.comparison is not None:
            return verdict(self.name, self.comparison)
        if self.status == "invalid":
            return f"{self.name}: kan ikke beregnes – {'; '.join(self.problems)}"
        if self.status == "infeasible":
            reason = "; ".join(self.problems) or "reglene kan ikke oppfylles samtidig"
            return f"{self.name}: ingen mulig plan – {reason}"
        return f"{self.name}: ingen plan funnet innen tidsgrensen (prøv høyere --time-limit)"


@dataclass
class WhatIfResult:
    baseline: Roster
    baseline_status: str  # "given" when the roster came from a file
    baseline_breaches: int
    outcomes: list[Outcome]
    seconds: float


Progress = Callable[[str], None]


def run_whatif(
    instance: Instance,
    scenarios: Sequence[Scenario],
    baseline: Roster | None = None,
    *,
    scenario_seconds: float = SCENARIO_SECONDS,
    baseline_seconds: float = BASELINE_SECONDS,
    seed: int = 0,
    workers: int = 2,
    progress: Progress | None = None,
) -> WhatIfResult:
    """Solve the baseline (unless given) and each scenario against it."""
    started = time.monotonic()
    status = "given"
    if baseline is None:
        if progress:
            progress("Grunnlag")
        result = solve(
            instance, SolveOptions(time_limit=baseline_seconds, seed=seed, workers=workers)
        )
        if result.roster is None:
            raise InputError([])  # pragma: no cover - the baseline instance was valid
        baseline, status = result.roster, result.status
    base_check = check(instance, baseline)
    base_report = evaluate(instance, baseline)
    outcomes = []
    for scenario in scenarios:
        if progress:
            progress(scenario.name)
        outcomes.append(
            _run_one(instance, baseline, base_report, scenario, scenario_seconds, seed, workers)
        )
    return WhatIfResult(
        baseline=baseline,
        baseline_status=status,
        baseline_breaches=len(base_check.breaches),
        outcomes=outcomes,
        seconds=time.monotonic() - started,
    )


def _run_one(
    instance: Instance,
    baseline: Roster,
    base_report: FairnessReport,
    scenario: Scenario,
    seconds: float,
    seed: int,
    workers: int,
) -> Outcome:
    started = time.monotonic()
    out = Outcome(name=scenario.name)
    try:
        changed = apply(instance, scenario)
    except InputError as exc:
        out.status = "invalid"
        out.problems = [p.message for p in exc.problems]
        return out
    result: SolveResult = solve(
        changed,
        SolveOptions(time_limit=seconds, seed=seed, workers=workers, previous=baseline),
    )
    out.instance, out.status, out.seconds = changed, result.status, 0.0
    out.holes_proven = any(st.name == "coverage" and st.status == "optimal" for st in result.stages)
    if result.roster is None:
        out.problems = list(result.explanation)
    else:
        checked = check(changed, result.roster)
        out.roster = result.roster
        out.comparison = compare(
            (instance, baseline), (changed, result.roster), len(checked.breaches), base_report
        )
    out.seconds = time.monotonic() - started
    return out
