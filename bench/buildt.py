"""Where a solve's time goes before the search: model build, fairness basis (targets), count
plan and first roster, per size.

    python bench/buildt.py [--sizes INNHERRED,L,XL] [--seed 1] [--plan-seconds 10]
                           [--profile L] [--first]

Each size runs in this process one after the other (the instance is built before the clock
starts). `--profile SIZE` prints the top of a cProfile of the model build and the basis on
that size. `--first` also times the count plan and the first roster (greedy construction and
rebalance). Benchmarks are not tests: nothing here asserts on time. On a shared machine the
figures are noisy; the load average is printed with them.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: examples/ and bench/ are not installed
    sys.path.insert(0, str(ROOT))

from bench.run import make_instance  # noqa: E402
from solver.construct import Goals  # noqa: E402
from solver.objectives import fairness_basis  # noqa: E402
from solver.plan import count_plan  # noqa: E402
from solver.result import SolveOptions  # noqa: E402
from solver.solve import build  # noqa: E402
from solver.start import first_roster  # noqa: E402


def one(size: str, seed: int, plan_seconds: float, first: bool, profile: bool) -> dict[str, float]:
    instance = make_instance(size, seed)
    options = SolveOptions()
    prof = cProfile.Profile(time.process_time) if profile else None
    out: dict[str, float] = {}
    c0 = time.process_time()
    t0 = time.perf_counter()
    if prof is not None:
        prof.enable()
    ctx, _ = build(instance, options)
    t1, c1 = time.perf_counter(), time.process_time()
    b = fairness_basis(ctx)
    t2, c2 = time.perf_counter(), time.process_time()
    if prof is not None:
        prof.disable()
    out.update(build=t1 - t0, build_cpu=c1 - c0, basis=t2 - t1, basis_cpu=c2 - c1)
    out["vars"] = float(len(ctx.x))
    if first:
        weights = {str(k): v for k, v in instance.fairness.category_weights.items()}
        ctx.deadline = time.monotonic() + 10 * plan_seconds
        counts = count_plan(ctx, b, plan_seconds, options.workers, weights, False)
        t3 = time.perf_counter()
        first_roster(ctx, options, Goals(ctx, b, counts), 0.0)
        t4 = time.perf_counter()
        out.update(plan=t3 - t2, first=t4 - t3)
    if prof is not None:
        pstats.Stats(prof).sort_stats("cumulative").print_stats(35)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="INNHERRED,L,XL")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--plan-seconds", type=float, default=10.0)
    p.add_argument("--profile", default="", help="profile the build and basis of this size")
    p.add_argument("--first", action="store_true", help="time count plan and first roster too")
    a = p.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f} (2 shared cores: noisy figures)")
    for size in a.sizes.split(","):
        r = one(size, a.seed, a.plan_seconds, a.first, size == a.profile)
        cells = " ".join(f"{k} {v:.2f}s" if k != "vars" else f"vars {int(v)}" for k, v in r.items())
        print(f"{size}: {cells}  (load {os.getloadavg()[0]:.2f})", flush=True)


if __name__ == "__main__":
    main()
