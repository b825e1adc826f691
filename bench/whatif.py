"""Benchmark of `legevakt whatif` on the Innherred example, as a planner runs it.

    python bench/whatif.py [--baseline ROSTER.csv] [--repeat 3] [--write-results]

1. The baseline: `legevakt solve` at its default limit (skipped with --baseline).
2. A one-doctor change (`--exempt lev-02 --from 2027-03-01`), the whole command from the
   shell (Python start, loading, solving, printing), `--repeat` times.
3. A file of ten scenarios (bench/whatif_scenarios.yaml), the whole command, once.

Every scenario's roster goes through the checker inside the command (breaches are reported
in its JSON); this script records wall times, statuses, holes, breaches and the largest
deviation from fair share. With --write-results it rewrites the What-if section of
bench/RESULTS.md. Benchmarks are not tests: nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: bench/ is not installed
    sys.path.insert(0, str(ROOT))

from bench.sections import write_section  # noqa: E402
from solver.defaults import SCENARIO_SECONDS  # noqa: E402

INSTANCE = ROOT / "examples" / "innherred" / "instance.yaml"
SCENARIOS = ROOT / "bench" / "whatif_scenarios.yaml"
OUT = ROOT / "bench" / "out" / "whatif"
HEADING = "## What-if (bench/whatif.py)"
ONE = ["--exempt", "lev-02", "--from", "2027-03-01"]


def legevakt(*args: str | Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    cmd = [sys.executable, "-m", "legevakt", *(str(a) for a in args)]
    t0 = time.monotonic()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
    return time.monotonic() - t0, done


def whatif(baseline: Path, *args: str | Path) -> tuple[float, dict[str, Any]]:
    seconds, done = legevakt("whatif", INSTANCE, "--baseline", baseline, "--format", "json", *args)
    if done.returncode not in (0, 3):
        raise SystemExit(f"whatif failed ({done.returncode}):\n{done.stderr}\n{done.stdout}")
    return seconds, json.loads(done.stdout)


def scenario_cells(s: dict[str, Any]) -> list[str]:
    c = s["comparison"] or {}
    holes = c.get("uncovered_after", {}).get("total", "–")
    dev = c.get("max_deviation_after")
    return [
        s["name"],
        s["status"],
        f"{s['seconds']:.1f}",
        "–" if dev is None else f"{dev:.2f}",
        str(holes),
        str(c.get("breaches_after", "–")),
    ]


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def section(command: str, base_note: str, one: list[float], one_json: dict[str, Any],
            ten: float, ten_json: dict[str, Any]) -> str:  # fmt: skip
    header = ["scenario", "status", "solve s", "max dev after", "holes", "breaches"]
    solve_s = float(one_json["scenarios"][0]["seconds"])
    base_dev = next(
        (s["comparison"]["max_deviation_before"] for s in ten_json["scenarios"] if s["comparison"]),
        None,
    )
    return "\n".join(
        [
            HEADING,
            "",
            f"Written by `{command}`. Wall time of the whole command as a planner runs it",
            "(Python start, loading Innherred, solving each scenario against the baseline",
            f"with the default {SCENARIO_SECONDS:g} s per scenario, the checker, printing JSON).",
            "",
            f"- Baseline: {base_note}; its largest deviation from fair share: "
            f"{'–' if base_dev is None else f'{base_dev:.2f}'} points.",
            f"- One-doctor change (`whatif {' '.join(ONE)}`), {len(one)} runs: median "
            f"{statistics.median(one):.1f} s, max {max(one):.1f} s. Goal ≤ 5 s: "
            f"{'met' if max(one) <= 5 else 'not met'}. The scenario itself (its re-plan, "
            f"checker and comparison, without Python's start, loading and the baseline's "
            f"report): {solve_s:.1f} s; issue 15's goal ≤ 3 s: "
            f"{'met' if solve_s <= 3 else 'not met'}.",
            f"- Ten scenarios (bench/whatif_scenarios.yaml): {ten:.1f} s. Goal ≤ 60 s: "
            f"{'met' if ten <= 60 else 'not met'}.",
            "",
            table(
                header,
                [scenario_cells(s) for s in [*one_json["scenarios"], *ten_json["scenarios"]]],
            ),
            "",
            "`max dev after`: largest deviation of a doctor's burden from fair share in the",
            f"scenario's plan. Within {SCENARIO_SECONDS:g} s the plan is mostly the re-plan's",
            "starting roster",
            "(the baseline kept, then rebalanced toward the new fair shares by a local search,",
            "checker-clean); CP-SAT improves it when given more time (`--time-limit`). The",
            "fair shares themselves are exact.",
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--baseline", type=Path, help="roster.csv to use instead of solving one")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--write-results", action="store_true")
    args = p.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    if args.baseline is None:
        seconds, done = legevakt("solve", INSTANCE, "--out", OUT / "baseline")
        if done.returncode != 0:
            raise SystemExit(f"baseline solve failed:\n{done.stdout}\n{done.stderr}")
        baseline = OUT / "baseline" / "roster.csv"
        note = f"`legevakt solve` at its default limit ({seconds:.0f} s)"
    else:
        baseline, note = args.baseline, f"given ({args.baseline})"
    one_times, one_json = [], {}
    for _ in range(args.repeat):
        seconds, one_json = whatif(baseline, *ONE)
        one_times.append(seconds)
        print(f"one-doctor change: {seconds:.1f} s", flush=True)
    ten, ten_json = whatif(baseline, "--scenario", SCENARIOS)
    print(f"ten scenarios: {ten:.1f} s", flush=True)
    for s in ten_json["scenarios"]:
        print("  " + s["verdict"])
    command = "python bench/whatif.py" + (" --write-results" if args.write_results else "")
    text = section(command, note, one_times, one_json, ten, ten_json)
    print(text)
    if args.write_results:
        write_section(HEADING, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
