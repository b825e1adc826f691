"""How much a solve depends on its random seed: one instance, several solver seeds.

    python bench/seeds.py [--size M] [--seeds 5] [--time-limit 30]

Issue 15's goal: five seeds on M at 30 s within 0.2 point of each other (largest deviation
from target). The instance is the bench's own (`bench/run.py`, instance seed 0); only the
solver's seed changes. Every roster goes through the checker. Runs one after another in this
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
    print("| seed | status | stages done | max dev | total bound | breaches | time s |")
    print("|---|---|---|---|---|---|---|")
    for seed in range(args.seeds):
        t0 = time.monotonic()
        result = solve(inst, SolveOptions(time_limit=args.time_limit, seed=seed))
        seconds = time.monotonic() - t0
        assert result.roster is not None, result.status
        dev = evaluate(inst, result.roster).max_deviation
        breaches = len(check(inst, result.roster).breaches)
        total = next((s for s in result.stages if s.name == "total"), None)
        done = sum(1 for s in result.stages if s.status in ("optimal", "feasible"))
        bound = "–" if total is None or total.bound is None else f"{total.bound:.3f}"
        values.append(dev)
        print(
            f"| {seed} | {result.status} | {done}/{len(result.stages)} | {dev:.3f} | {bound} "
            f"| {breaches} | {seconds:.1f} |"
        )
    spread = max(values) - min(values)
    print(f"\nlargest deviation: {min(values):.3f}-{max(values):.3f}, spread {spread:.3f}")


if __name__ == "__main__":
    main()
