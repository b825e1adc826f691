"""Benchmark: the CP-SAT solver against the greedy peer on seeded instances of four sizes.

    python bench/run.py [--sizes S,M,L,XL,INNHERRED] [--time-limit-scale 1.0] [--seed 1]
                        [--workers 2] [--out bench/out/results.json] [--write-results] [--log]

Each (size, method) runs in its own child process (`--one SIZE METHOD`), so that its peak
memory (ru_maxrss of the child, which includes OR-Tools' C++ memory) is its own. The child
builds the instance, runs the method, and writes the roster and the solver's figures to a
file; the parent checks the roster (roster.checker) and measures fairness (roster.fairness),
prints a table, and with --write-results rewrites bench/RESULTS.md. Each run's load average
(before and after) and the child's CPU seconds go into the JSON and the printout: on a shared
machine wall times are inflated. `--log` shows the solver's debug log (where the time goes).

Benchmarks are not tests: nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: examples/ and bench/ are not installed
    sys.path.insert(0, str(ROOT))

from bench.sections import RESULTS_MD, kept_section  # noqa: E402
from roster.instance import Instance, load_instance, resolve  # noqa: E402

# name: (doctors, municipalities, weeks, solver time limit in seconds)
SIZES: dict[str, tuple[int, int, int, float]] = {
    "S": (5, 1, 13, 10.0),
    "M": (55, 4, 26, 60.0),  # the default limit of `legevakt solve` and the web app
    "L": (150, 8, 52, 60.0),
    "XL": (350, 12, 52, 300.0),
}
#: The real example (Innherred-sized, half a year): the same limit as M.
REAL = {"INNHERRED": (ROOT / "examples" / "innherred" / "instance.yaml", 60.0)}  # CLI/web default
ALL_SIZES = [*SIZES, *REAL]
METHODS = ("solver", "solver-det", "greedy")
#: Deterministic mode (one worker, CP-SAT's deterministic clock) is measured where it is cheap
#: enough to run twice: what reproducibility costs.
DETERMINISTIC_SIZES = {"S", "M", "INNHERRED"}
CATEGORIES = ("night", "weekend", "evening", "big_holiday", "backup")
#: The peer: a plain Timefold model of the same instances, same rules, scored by this
#: project's checker and fairness accounting (issue 10; Innherred and M at 30 s). Category
#: figures are in points against the targets of that time.
PEER_30S = {"max dev": (0.53, 0.94), "night pts": (2.3, 5.7), "weekend pts": (2.7, 4.7)}
PEER_WISHES_30S = (4, 7)
TRIED_HEADING = "## What we tried"
#: Sections other scripts write (bench/whatif.py, bench/feeds.py), kept here as written.
KEPT_HEADINGS = ("## What-if (bench/whatif.py)", "## Calendar feeds (bench/feeds.py)")


def make_instance(size: str, seed: int) -> Instance:
    if size in REAL:
        return load_instance(REAL[size][0])
    from examples.generate import generate

    doctors, munis, weeks, _ = SIZES[size]
    return resolve(generate(doctors, munis, weeks, seed))


def time_limit(size: str, scale: float) -> float:
    base = REAL[size][1] if size in REAL else SIZES[size][3]
    return base * scale


# --------------------------------------------------------------------------- child


def run_one(size: str, method: str, seed: int, limit: float, workers: int, out: Path) -> None:
    """Build the instance, run one method, write what it produced to `out` (JSON)."""
    inst = make_instance(size, seed)
    _ = inst.shifts  # calendar expansion is not the method's time
    data: dict[str, Any] = {"size": size, "method": method}
    if method == "greedy":
        from bench.greedy import greedy_roster

        t0 = time.monotonic()
        roster = greedy_roster(inst)
        data |= {"seconds": time.monotonic() - t0, "status": "greedy", "variables": None}
    else:
        from solver.solve import SolveOptions, solve

        done_at: dict[str, float] = {}

        def progress(stage: str, value: float | None, bound: float | None, t: float) -> None:
            done_at[stage] = t  # the last report of a stage is its end

        t0 = time.monotonic()
        options = SolveOptions(
            time_limit=limit,
            seed=seed,
            workers=workers,
            progress=progress,
            deterministic=method == "solver-det",
        )
        result = solve(inst, options)
        data |= {
            "seconds": time.monotonic() - t0,
            "status": result.status,
            "variables": result.variables,
            "stages": [s.to_dict() for s in result.stages],
            "stage_done_at": done_at,
        }
        roster = result.roster
    data["assignments"] = (
        None if roster is None else [[a.shift_id, a.doctor_id] for a in roster.assignments]
    )
    out.write_text(json.dumps(data), encoding="utf-8")


def debug_log() -> None:
    """The solver's debug log on stderr, each line stamped with the wall and CPU seconds of
    this process and the load average (a shared machine distorts wall time)."""
    import logging

    wall0, cpu0 = time.monotonic(), time.process_time()

    class Stamped(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            wall, cpu = time.monotonic() - wall0, time.process_time() - cpu0
            load = os.getloadavg()[0]
            return f"[{wall:6.1f}s wall {cpu:6.1f}s cpu load {load:.1f}] {record.getMessage()}"

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(Stamped())
    log = logging.getLogger("solver")
    log.setLevel(logging.DEBUG)
    log.addHandler(handler)


# --------------------------------------------------------------------------- parent


@dataclass
class Row:
    size: str
    method: str
    status: str
    seconds: float
    peak_mb: float
    doctors: int
    shifts: int
    variables: int | None = None
    max_deviation: float | None = None
    category: dict[str, float] = field(default_factory=dict)  # duties from target
    category_points: dict[str, float] = field(default_factory=dict)  # points from target
    worst_type: float | None = None  # duties from target, any shift type
    like_spread: dict[str, int] = field(default_factory=dict)  # category or 'type:<id>'
    wishes_broken: int | None = None
    stages_done: str = "–"  # stages that ended with a roster, of all
    municipality: float | None = None
    total_value: float | None = None
    total_bound: float | None = None
    total_status: str | None = None
    total_done_at: float | None = None
    breaches: int | None = None
    holes: int | None = None
    breaches_by_rule: dict[str, int] = field(default_factory=dict)
    stages: list[dict[str, Any]] = field(default_factory=list)
    load: tuple[float, float] | None = None  # 1-minute load average before and after the run
    cpu_seconds: float | None = None  # the child process's CPU time (user + system)

    @property
    def gap(self) -> float | None:
        if self.total_value is None or self.total_bound is None:
            return None
        return self.total_value - self.total_bound

    @property
    def worst_category(self) -> float | None:
        return max(self.category.values()) if self.category else None

    @property
    def worst_like(self) -> int | None:
        return max(self.like_spread.values()) if self.like_spread else None


def spawn(size: str, method: str, args: argparse.Namespace) -> tuple[dict[str, Any], float]:
    """Run one method in a child process; return its output and its peak RSS in MB."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "one.json"
        cmd = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--one",
            size,
            method,
            "--seed",
            str(args.seed),
            "--workers",
            str(args.workers),
            "--time-limit",
            str(time_limit(size, args.time_limit_scale)),
            "--result-file",
            str(out),
            *(["--log"] if args.log else []),
        ]
        child = subprocess.Popen(cmd, cwd=ROOT)
        _, status, usage = os.wait4(child.pid, 0)  # this child's own rusage
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0 or not out.exists():
            raise RuntimeError(f"{size}/{method}: child failed (exit {child.returncode})")
        data = json.loads(out.read_text(encoding="utf-8"))
    data["cpu_seconds"] = usage.ru_utime + usage.ru_stime  # the child's, instance build included
    return data, usage.ru_maxrss / 1024  # Linux: kilobytes


def measure(inst: Instance, data: dict[str, Any], peak_mb: float) -> Row:
    from roster.checker import check
    from roster.fairness import basis, evaluate
    from roster.formats.exchange import Assignment, Roster

    row = Row(
        size=data["size"],
        method=data["method"],
        status=data["status"],
        seconds=data["seconds"],
        peak_mb=peak_mb,
        doctors=len(inst.doctors),
        shifts=sum(1 for s in inst.shifts if s.needed_always),
        variables=data.get("variables"),
        stages=data.get("stages", []),
    )
    if row.stages:
        ended = sum(1 for s in row.stages if s["status"] not in ("skipped", "unknown"))
        row.stages_done = f"{ended}/{len(row.stages)}"
    total = next((s for s in row.stages if s["stage"] == "total"), None)
    if total is not None:
        row.total_value, row.total_bound = total["value"], total["bound"]
        row.total_status = total["status"]
        row.total_done_at = data.get("stage_done_at", {}).get("total")
    if data["assignments"] is None:
        return row
    roster = Roster(
        assignments=tuple(Assignment(shift_id=s, doctor_id=d) for s, d in data["assignments"])
    )
    result = check(inst, roster)
    row.breaches_by_rule = result.by_rule()
    row.holes = row.breaches_by_rule.get("coverage", 0)
    row.breaches = len(result.breaches)
    report = evaluate(inst, roster)
    row.max_deviation = report.max_deviation
    row.category = {c: report.category_max_deviation[c] for c in CATEGORIES}
    b = basis(inst)
    row.category_points = {
        c: max(
            (
                abs(d.by_category[c] - b.category_points[d.doctor_id][c])
                for d in report.doctors
                if d.doctor_id in b.category_points
            ),
            default=0.0,
        )
        for c in CATEGORIES
    }
    row.worst_type = max(report.type_max_deviation.values(), default=0.0)
    row.like_spread = dict(report.like_spread)
    row.wishes_broken = len([f for f in result.remarks if f.rule == "wishes"])
    row.municipality = report.municipality_max_deviation
    return row


def ratio(greedy: float | None, solver: float | None) -> float | None:
    """How many times smaller the solver's figure is than greedy's (inf: solver is zero)."""
    if greedy is None or solver is None:
        return None
    if solver <= 1e-9:
        return math.inf if greedy > 1e-9 else 1.0
    return greedy / solver


# --------------------------------------------------------------------------- output


def fmt(x: float | int | None, digits: int = 2) -> str:
    if x is None:
        return "–"
    if isinstance(x, float) and math.isinf(x):
        return "∞"
    if isinstance(x, int):
        return str(x)
    return f"{x:.{digits}f}"


COLUMNS = (
    "size",
    "method",
    "status",
    "stages done",
    "time s",
    "peak MB",
    "vars",
    "max dev",
    "total bound",
    "gap",
    "night",
    "weekend",
    "evening",
    "big hol.",
    "backup",
    "any type",
    "like spread",
    "night pts",
    "weekend pts",
    "wishes broken",
    "munic.",
    "breaches",
    "holes",
)


def row_cells(r: Row) -> list[str]:
    c = r.category
    return [
        r.size,
        r.method,
        r.status,
        r.stages_done,
        fmt(r.seconds, 1),
        fmt(r.peak_mb, 0),
        fmt(r.variables),
        fmt(r.max_deviation),
        fmt(r.total_bound, 3),
        fmt(r.gap, 3),
        *(fmt(c.get(k)) for k in CATEGORIES),
        fmt(r.worst_type),
        fmt(r.worst_like),
        fmt(r.category_points.get("night"), 1),
        fmt(r.category_points.get("weekend"), 1),
        fmt(r.wishes_broken),
        fmt(r.municipality, 1),
        fmt(r.breaches),
        fmt(r.holes),
    ]


LIKE_COLUMNS = ("size", "method", *CATEGORIES, "each shift type")


def like_cells(r: Row) -> list[str]:
    types = [v for k, v in r.like_spread.items() if k.startswith("type:")]
    return [
        r.size,
        r.method,
        *(fmt(r.like_spread.get(c)) for c in CATEGORIES),
        fmt(max(types, default=None)),
    ]


RATIO_COLUMNS = (
    "size",
    "max dev",
    "night",
    "weekend",
    "evening",
    "big hol.",
    "backup",
    "worst category",
)


def ratio_cells(size: str, rows: list[Row]) -> list[str] | None:
    by = {r.method: r for r in rows if r.size == size}
    if "solver" not in by or "greedy" not in by:
        return None
    s, g = by["solver"], by["greedy"]
    return [
        size,
        fmt(ratio(g.max_deviation, s.max_deviation), 1),
        *(fmt(ratio(g.category.get(c), s.category.get(c)), 1) for c in CATEGORIES),
        fmt(ratio(g.worst_category, s.worst_category), 1),
    ]


def print_tables(rows: list[Row], sizes: list[str]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not console.is_terminal:  # piped to a file or a log: do not squeeze to 80 columns
        console = Console(width=200)
    table = Table(title="Solver vs greedy (deviations in burden points)")
    for col in COLUMNS:
        table.add_column(
            col, justify="left" if col in ("size", "method", "status", "total stage") else "right"
        )
    for r in rows:
        table.add_row(*row_cells(r))
    console.print(table)
    like = Table(
        title="Like-doctor spread: largest max - min count among doctors with the same targets"
    )
    for col in LIKE_COLUMNS:
        like.add_column(col, justify="left" if col in ("size", "method") else "right")
    for r in rows:
        like.add_row(*like_cells(r))
    console.print(like)
    ratios = Table(title="How many times smaller the solver's deviation is (greedy / solver)")
    for col in RATIO_COLUMNS:
        ratios.add_column(col, justify="left" if col == "size" else "right")
    for size in sizes:
        cells = ratio_cells(size, rows)
        if cells:
            ratios.add_row(*cells)
    console.print(ratios)


def markdown_table(header: tuple[str, ...], body: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cells) + " |" for cells in body]
    return "\n".join(lines)


# --------------------------------------------------------------------------- goals


def goals(rows: list[Row]) -> list[tuple[str, str, str]]:
    """(goal, met?, evidence) for each goal from the issue."""
    by = {(r.size, r.method): r for r in rows}

    def get(size: str, method: str = "solver") -> Row | None:
        return by.get((size, method))

    out: list[tuple[str, str, str]] = []
    for size in ("INNHERRED", "M"):
        out += fairness_goals(size, get(size), get(size, "greedy"))
    m = get("M")
    if m is None:
        out.append(("M: stage total proven optimal in ≤ 10 s", "not run", ""))
    else:
        ok = m.total_status == "optimal" and m.total_done_at is not None and m.total_done_at <= 10
        out.append(
            (
                "M: stage total proven optimal in ≤ 10 s",
                yes(ok),
                f"total {m.total_status}, value {fmt(m.total_value, 3)}, bound "
                f"{fmt(m.total_bound, 3)}, done after {fmt(m.total_done_at, 1)} s",
            )
        )
    big = get("L")
    if big is None:
        out.append(("L: within 0.1 point of its proven bound in ≤ 60 s", "not run", ""))
    else:
        gap = big.gap
        ok = gap is not None and gap <= 0.1 + 1e-9 and big.seconds <= 60 + 1
        out.append(
            (
                "L: within 0.1 point of its proven bound in ≤ 60 s",
                yes(ok),
                f"gap {fmt(gap, 3)} (value {fmt(big.total_value, 3)}, bound "
                f"{fmt(big.total_bound, 3)}), {fmt(big.seconds, 1)} s",
            )
        )
    xl = get("XL")
    if xl is None:
        out.append(("XL: checker-clean, bound reported, ≤ 300 s, ≤ 4 GB", "not run", ""))
    else:
        ok = (
            xl.breaches == 0
            and xl.total_bound is not None
            and xl.seconds <= 300 + 1
            and xl.peak_mb <= 4096
        )
        out.append(
            (
                "XL: checker-clean, bound reported, ≤ 300 s, ≤ 4 GB",
                yes(ok),
                f"{fmt(xl.breaches)} breaches, bound {fmt(xl.total_bound, 3)}, "
                f"{fmt(xl.seconds, 1)} s, {fmt(xl.peak_mb, 0)} MB",
            )
        )
    for size in ("L",):
        s, g = get(size), get(size, "greedy")
        name = f"{size}: max deviation ≥ 3x and worst category ≥ 5x smaller than greedy, 0 breaches"
        if s is None or g is None:
            out.append((name, "not run", ""))
            continue
        r_total = ratio(g.max_deviation, s.max_deviation)
        r_cat = ratio(g.worst_category, s.worst_category)
        ok = (
            r_total is not None
            and r_total >= 3
            and r_cat is not None
            and r_cat >= 5
            and s.breaches == 0
        )
        out.append(
            (
                name,
                yes(ok),
                f"total {fmt(r_total, 1)}x ({fmt(g.max_deviation)} vs {fmt(s.max_deviation)}), "
                f"worst category {fmt(r_cat, 1)}x ({fmt(g.worst_category)} vs "
                f"{fmt(s.worst_category)}), solver breaches {fmt(s.breaches)}",
            )
        )
    return out


def fairness_goals(size: str, s: Row | None, g: Row | None) -> list[tuple[str, str, str]]:
    """Issue 10's goals on one size at its default limit."""
    names = (
        f"{size}: like-doctor spread ≤ 1 for every category and shift type",
        f"{size}: largest deviation within 0.5 point of its proven bound",
        f"{size}: every stage done",
        f"{size}: worst category deviation ≥ 5x smaller than greedy's",
        f"{size}: ahead of the peer at 30 s (max dev ≤ 0.53, night ≤ 2.3 and weekend ≤ 2.7"
        " points, ≤ 4 wishes broken)",
    )
    if s is None:
        return [(n, "not run", "") for n in names]
    gap = (
        None
        if s.max_deviation is None or s.total_bound is None
        else s.max_deviation - s.total_bound
    )
    r_cat = ratio(g.worst_category, s.worst_category) if g else None
    peer = [
        ("max dev", s.max_deviation, PEER_30S["max dev"][0]),
        ("night pts", s.category_points.get("night"), PEER_30S["night pts"][0]),
        ("weekend pts", s.category_points.get("weekend"), PEER_30S["weekend pts"][0]),
        ("wishes", s.wishes_broken, PEER_WISHES_30S[0]),
    ]
    return [
        (
            names[0],
            yes(s.worst_like is not None and s.worst_like <= 1),
            f"worst {fmt(s.worst_like)}",
        ),
        (
            names[1],
            yes(gap is not None and gap <= 0.5 + 1e-9),
            f"{fmt(s.max_deviation)} against a bound of {fmt(s.total_bound, 3)}",
        ),
        (names[2], yes(s.stages_done.split("/")[0] == s.stages_done.split("/")[-1]), s.stages_done),
        (
            names[3],
            yes(r_cat is not None and r_cat >= 5),
            f"{fmt(r_cat, 1)}x ({fmt(g.worst_category if g else None)} vs {fmt(s.worst_category)} duties)",
        ),
        (
            names[4],
            yes(all(v is not None and v <= limit + 1e-9 for _, v, limit in peer)),
            ", ".join(f"{k} {fmt(v, 2)}" for k, v, _ in peer),
        ),
    ]


def yes(ok: bool) -> str:
    return "yes" if ok else "**no**"


# --------------------------------------------------------------------------- RESULTS.md


def machine_facts() -> list[str]:
    ram = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = f"{int(line.split()[1]) / 1024**2:.1f} GiB"
    except OSError:
        pass
    try:
        ortools = metadata.version("ortools")
    except metadata.PackageNotFoundError:
        ortools = "?"
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return [
        f"- CPUs (nproc): {cpus}",
        f"- RAM: {ram}",
        f"- CPU: {cpu_model() or platform.processor() or '?'}",
        f"- OS: {platform.system()} {platform.release()}",
        f"- Python: {platform.python_version()}",
        f"- OR-Tools: {ortools}",
    ]


def cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


DEFAULT_TRIED = """## What we tried

_To be filled in by the lead: what was changed in the solver to reach the goals, what helped
and what did not, with figures._
"""


def kept_tried_section() -> str:
    """The 'What we tried' section of the current RESULTS.md, kept as written."""
    if not RESULTS_MD.exists():
        return DEFAULT_TRIED
    text = RESULTS_MD.read_text(encoding="utf-8")
    at = text.find(TRIED_HEADING)
    if at < 0:
        return DEFAULT_TRIED
    rest = text[at + len(TRIED_HEADING) :]
    end = rest.find("\n## ")
    return TRIED_HEADING + (rest if end < 0 else rest[: end + 1]).rstrip() + "\n"


def results_markdown(rows: list[Row], sizes: list[str], command: str) -> str:
    ratio_rows = [c for c in (ratio_cells(s, rows) for s in sizes) if c]
    goal_rows = [[g, met, ev] for g, met, ev in goals(rows)]
    instance_lines = []
    for size in sizes:
        if size in REAL:
            instance_lines.append(
                f"- {size}: examples/innherred/instance.yaml, solver limit "
                f"{time_limit(size, 1.0):g} s"
            )
        else:
            d, m, w, limit = SIZES[size]
            instance_lines.append(
                f"- {size}: {d} doctors, {m} municipalities, {w} weeks "
                f"(examples.generate), solver limit {limit:g} s"
            )
    return "\n".join(
        [
            "# Benchmark results",
            "",
            "Written by `python bench/run.py --write-results`; rerun it to refresh. The CP-SAT",
            "solver (solver.solve) against the greedy peer (bench/greedy.py: the spreadsheet",
            "way, fewest points first, no look-ahead, no targets). Deviations are in burden",
            "points, measured by roster.fairness on the returned roster; breaches by",
            "roster.checker (holes are the breaches of rule `coverage`, counted apart too).",
            "",
            f"- Date: {dt.date.today().isoformat()}",
            f"- Command: `{command}`",
            *machine_facts(),
            "",
            "Instances (seeded):",
            *instance_lines,
            "",
            "## Results",
            "",
            "Targets are the consistent ones of roster.targets: every duty shared among the",
            "doctors who can take it, by share. `max dev`: largest deviation of a doctor's",
            "points from target; `total bound`: the solver's proven lower bound on it (stage",
            "total); `gap` = stage value − bound. `night` … `backup`: largest deviation of a",
            "doctor's number of duties in the category from its target (duties); `any type`:",
            "the same for the worst shift type; `like spread`: largest max − min count, over",
            "every category and shift type, among doctors with the same targets; `night pts`,",
            "`weekend pts`: largest deviation in points (comparable with the peer's figures);",
            "`wishes broken`: wishes the roster does not meet (checker remarks); `munic.`:",
            "largest deviation of a municipality from its key. `stages done`: stages that",
            "ended with a roster, of all. `time s`: wall time of the method (the instance",
            "already built); `peak MB`: peak RSS of the child process.",
            "",
            markdown_table(COLUMNS, [row_cells(r) for r in rows]),
            "",
            "Like-doctor spread per category and shift type (largest max − min count among",
            "doctors with the same targets; ≤ 1 is the goal):",
            "",
            markdown_table(LIKE_COLUMNS, [like_cells(r) for r in rows]),
            "",
            "How many times smaller the solver's deviation is than greedy's (greedy / solver):",
            "",
            markdown_table(RATIO_COLUMNS, ratio_rows),
            "",
            "## Goals",
            "",
            markdown_table(("goal", "met", "measured"), goal_rows),
            "",
            kept_tried_section().rstrip(),
            "",
            *(
                part
                for h in KEPT_HEADINGS
                if kept_section(h)
                for part in (kept_section(h).rstrip(), "")
            ),
        ]
    )


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--sizes", default="S,M,L,XL,INNHERRED", help="comma-separated: S,M,L,XL,INNHERRED"
    )
    p.add_argument("--time-limit-scale", type=float, default=1.0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "results.json")
    p.add_argument("--write-results", action="store_true", help="rewrite bench/RESULTS.md")
    p.add_argument(
        "--log",
        action="store_true",
        help="the solver's debug log (where its time goes: wall and CPU seconds) on stderr",
    )
    p.add_argument("--one", nargs=2, metavar=("SIZE", "METHOD"), help=argparse.SUPPRESS)
    p.add_argument("--time-limit", type=float, help=argparse.SUPPRESS)
    p.add_argument("--result-file", type=Path, help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.one:
        size, method = args.one
        if args.log:
            debug_log()
        run_one(size, method, args.seed, args.time_limit, args.workers, args.result_file)
        return 0
    sizes = [s.strip().upper() for s in args.sizes.split(",") if s.strip()]
    unknown = [s for s in sizes if s not in ALL_SIZES]
    if unknown:
        print(f"unknown size(s): {', '.join(unknown)} (choose from {', '.join(ALL_SIZES)})")
        return 2
    command = "python bench/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
    rows: list[Row] = []
    for size in sizes:  # sequential: one method at a time on the machine
        inst = make_instance(size, args.seed)
        for method in METHODS:
            if method == "solver-det" and size not in DETERMINISTIC_SIZES:
                continue
            load_before = os.getloadavg()[0]
            print(f"{size} {method} ... (load average {load_before:.2f})", flush=True)
            try:
                data, peak = spawn(size, method, args)
            except RuntimeError as exc:  # record it and go on with the other runs
                print(exc, flush=True)
                failed = {"size": size, "method": method, "status": "failed", "seconds": 0.0}
                data, peak = failed | {"assignments": None}, 0.0
            row = measure(inst, data, peak)
            row.load = (round(load_before, 2), round(os.getloadavg()[0], 2))
            row.cpu_seconds = data.get("cpu_seconds")
            print(
                f"{size} {method}: {row.seconds:.1f} s wall, {row.cpu_seconds or 0:.1f} s CPU "
                f"(child, with the instance build), load average after {row.load[1]:.2f}",
                flush=True,
            )
            rows.append(row)
    print_tables(rows, sizes)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "command": command.strip(),
        "seed": args.seed,
        "workers": args.workers,
        "time_limit_scale": args.time_limit_scale,
        "rows": [asdict(r) | {"gap": r.gap} for r in rows],
        "goals": [{"goal": g, "met": m, "measured": e} for g, m, e in goals(rows)],
    }
    args.out.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", "utf-8")
    print(f"wrote {args.out}")
    if args.write_results:
        RESULTS_MD.write_text(results_markdown(rows, sizes, command.strip()), encoding="utf-8")
        print(f"wrote {RESULTS_MD}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
