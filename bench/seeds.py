"""How much a solve depends on its random seed: one instance, several solver seeds.

    python bench/seeds.py [--size M] [--seeds 5] [--time-limit 30]

Issue 15's goals: five seeds on M at 30 s within 0.2 point of each other (largest deviation
from target), and M's total stage proven optimal within 10 s. The instance is the bench's own
(`bench/run.py`, instance seed 0); only the solver's seed changes. Per seed: the roster's
largest deviation, the total stage's own value and status, when it ended (seconds since the
solve began) and how long the stage itself took (since the stage before it ended). Every roster goes through the checker. Runs one after another in this
process (each with the solver's default two workers). A benchmark, not a test: nothing here
asserts.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: bench/ is not installed
    sys.path.insert(0, str(ROOT))

from bench.run import make_instance  # noqa: E402
from roster.checker import check  # noqa: E402
from roster.fairness import evaluate  # noqa: E402
from solver.result import Progress  # noqa: E402
from solver.solve import SolveOptions, solve  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", default="M")
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--time-limit", type=float, default=30.0)
    args = p.parse_args()
    inst = make_instance(args.size, 0)
    _ = inst.shifts
    values: list[float] = []
    print(
        "| seed | status | stages done | max dev | total | total status | total bound "
        "| total ended s | total stage s | breaches | time s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for seed in range(args.seeds):
        ended: dict[str, float] = {}
        t0 = time.monotonic()
        result = solve(
            inst, SolveOptions(time_limit=args.time_limit, seed=seed, progress=_recorder(ended))
        )
        seconds = time.monotonic() - t0
        assert result.roster is not None, result.status
        dev = evaluate(inst, result.roster).max_deviation
        breaches = len(check(inst, result.roster).breaches)
        total = next((s for s in result.stages if s.name == "total"), None)
        done = sum(1 for s in result.stages if s.status in ("optimal", "feasible"))
        bound = "–" if total is None or total.bound is None else f"{total.bound:.3f}"
        value = "–" if total is None or total.value is None else f"{total.value:.3f}"
        status = "–" if total is None else total.status
        at, own = _stage_times(ended, "total")
        values.append(dev)
        print(
            f"| {seed} | {result.status} | {done}/{len(result.stages)} | {dev:.3f} | {value} "
            f"| {status} | {bound} | {at} | {own} | {breaches} | {seconds:.1f} |"
        )
    spread = max(values) - min(values)
    print(f"\nlargest deviation: {min(values):.3f}-{max(values):.3f}, spread {spread:.3f}")


def _recorder(ended: dict[str, float]) -> Progress:
    """A progress callback that notes when each stage ended (seconds since the start)."""

    def progress(stage: str, value: float | None, bound: float | None, at: float) -> None:
        ended[stage] = at

    return progress


def _stage_times(ended: dict[str, float], name: str) -> tuple[str, str]:
    """When the stage ended (seconds since the solve began) and how long it took since the
    stage before it ended (its build, completion and search), as table cells."""
    if name not in ended:
        return "–", "–"
    order = list(ended)  # stages report in the order they end
    at = ended[name]
    before = ended[order[order.index(name) - 1]] if order.index(name) > 0 else 0.0
    return f"{at:.1f}", f"{at - before:.1f}"


if __name__ == "__main__":
    main()
