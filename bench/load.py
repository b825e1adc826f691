"""Load on one web process over loopback: feeds, pages and the Excel export at 20 concurrent
clients, measured with wrk (Debian package `wrk`); also a draft plan's pages (`draft…`).

    python bench/load.py [--seconds 10] [--connections 20] [--db bench/out/load.sqlite]
                         [--time-limit 25] [--runs 3] [--label after] [--write-results]

Sets up the Innherred demo (a solved, published plan, as `legevakt serve --demo` does, and
an unpublished copy of it as a draft) in an SQLite file (kept in bench/out/ and reused, so
later runs measure the same plan), starts ONE web process (`legevakt serve`, the real server
in its own process) on a free loopback port, and runs wrk against it for each case: a fixed
number of seconds, a fixed number of connections, one wrk thread. Before each case one
request checks the status and size of the answer and warms what the server keeps. Reports
requests per second and the latency percentiles (p50, p95, p99) wrk measured, with the
machine's load average (1 min) when the case started; with --runs N each case runs N times
and the run with the lowest p95 is kept (on a shared machine the best of a few short runs is
the fairer figure). With --write-results the table goes into bench/RESULTS.md with the
command and the goals marked met or not (earlier tables in the section are kept, but one
with the same label). Only loopback traffic; bounded in time; it stops by itself. Benchmarks
are not tests: nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: bench/ is not installed
    sys.path.insert(0, str(ROOT))

from bench.sections import kept_section, write_section  # noqa: E402

HEADING = "## Load on one web process (bench/load.py)"
OUT = ROOT / "bench" / "out"
LEGEVAKT = Path(sys.executable).parent / "legevakt"

WRK_SCRIPT = """
local names = {"If-None-Match", "Cookie"}
for _, name in ipairs(names) do
  local value = os.getenv("LOAD_" .. name:upper():gsub("-", "_"))
  if value and value ~= "" then wrk.headers[name] = value end
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "seconds": %f, "p50": %d, "p95": %d, "p99": %d, '
    .. '"errors": %d, "status_errors": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50),
    latency:percentile(95), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""


@dataclass(frozen=True)
class Case:
    key: str
    name: str
    path: str
    status: int
    etag: bool = False  # send the tag the first answer gave (a 304)
    cookie: bool = False


@dataclass(frozen=True)
class Goal:
    case: str
    text: str
    per_s: float | None = None
    p95_ms: float | None = None


GOALS = [
    Goal("doctor", "one doctor's feed ≥ 1 000 req/s, p95 ≤ 50 ms", per_s=1000, p95_ms=50),
    Goal("calendar", "calendar page p95 ≤ 200 ms", p95_ms=200),
    Goal("fairness", "fairness page p95 ≤ 200 ms", p95_ms=200),
    Goal("xlsx", "XLSX export ≤ 1 s (p95 under load)", p95_ms=1000),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(db: Path, time_limit: float) -> dict[str, Any]:
    """The demo plan in `db` (made once), and what the cases need: feed tokens, a doctor, the
    version, a login."""
    os.environ["VAKTPLAN_DB"] = str(db)
    from web import store
    from web.app import create_app
    from web.demo import setup_demo
    from web.deps import Settings
    from web.models import LegevaktRow, SolveJob, utcnow

    app: Any = create_app(Settings(database_url=f"sqlite:///{db}"))
    demo = setup_demo(app, time_limit, say=lambda _: None, example="innherred")
    with app.state.sessions() as s:
        row = s.query(LegevaktRow).filter_by(slug=demo.slug).one()
        instance = store.instance_from_text(row.instance_yaml)
        store.ensure_feed_tokens(s, row, instance, "bench")
        s.commit()
        version = store.latest_version(s, row.id)
        assert version is not None
        doctor = min(store.roster_from_json(version.roster).by_doctor())
        draft = next(
            (j.id for j in store.jobs_for(s, row) if j.status == "done" and j.id != version.job_id),
            None,
        )
        if draft is None:  # an unpublished copy of the published plan: a re-plan's draft
            src = s.get(SolveJob, version.job_id)
            assert src is not None
            copy = SolveJob(
                legevakt_id=row.id,
                status="done",
                instance_yaml=src.instance_yaml,
                time_limit=src.time_limit,
                progress=src.progress,
                roster=src.roster,
                report=src.report,
                created_by="bench",
                started_at=src.started_at,
                finished_at=utcnow(),
            )
            s.add(copy)
            s.commit()
            draft = copy.id
        tokens = {
            "all": store.active_token(s, row.id, None).token,  # type: ignore[union-attr]
            "doctor": store.active_token(s, row.id, doctor).token,  # type: ignore[union-attr]
        }
        info = {
            "slug": demo.slug,
            "version": version.number,
            "draft": draft,
            "tokens": tokens,
            "doctor": doctor,
            "password": demo.password,
            "user": demo.username,
            "doctors": len(instance.doctors),
        }
    app.state.runner.shutdown()
    app.state.engine.dispose()
    return info


def cases(info: dict[str, Any]) -> list[Case]:
    v = f"/legevakter/{info['slug']}/versjoner/{info['version']}"
    doctor, all_ = info["tokens"]["doctor"], info["tokens"]["all"]
    d = f"/planer/{info['draft']}"
    return [
        Case("doctor", "one doctor's feed, 200", f"/kalender/{doctor}.ics", 200),
        Case("doctor304", "one doctor's feed, 304", f"/kalender/{doctor}.ics", 304, etag=True),
        Case("all", "whole-legevakt feed, 200", f"/kalender/{all_}.ics", 200),
        Case("all304", "whole-legevakt feed, 304", f"/kalender/{all_}.ics", 304, etag=True),
        Case("calendar", "calendar page (month)", f"{v}/kalender?maned=2027-03", 200, cookie=True),
        Case("fairness", "fairness page", f"{v}/rettferdighet", 200, cookie=True),
        Case("xlsx", "XLSX export", f"{v}/eksport.xlsx", 200, cookie=True),
        # A draft plan (/planer/{id}): an unpublished copy of the version, with the changes
        # publishing it would make shown on its overview page.
        Case("draft", "draft: overview", d, 200, cookie=True),
        Case(
            "draftcal", "draft: calendar (month)", f"{d}/kalender?maned=2027-03", 200, cookie=True
        ),
        Case("draftweek", "draft: week", f"{d}/uke?uke=2027-U10", 200, cookie=True),
        Case("draftfair", "draft: fairness", f"{d}/rettferdighet", 200, cookie=True),
        Case("draftdoc", "draft: one doctor", f"{d}/leger/{info['doctor']}", 200, cookie=True),
        Case("draftxlsx", "draft: XLSX export", f"{d}/eksport.xlsx", 200, cookie=True),
    ]


def start_server(db: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, VAKTPLAN_DB=str(db))
    env.pop("DATABASE_URL", None)
    env.pop("VAKTPLAN_BROKER_URL", None)
    with log.open("wb") as out:
        server = subprocess.Popen(
            [str(LEGEVAKT), "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/login", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            raise SystemExit("the web process did not start:\n" + log.read_text())
        time.sleep(0.2)


def login(base: str, user: str, password: str) -> str:
    with httpx.Client(base_url=base, timeout=30) as c:
        page = c.get("/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token, "no CSRF field on the login page"
        r = c.post(
            "/login",
            data={"brukernavn": user, "passord": password, "neste": "/", "csrf_token": token[1]},
        )
        assert r.status_code in (200, 303), r.status_code
        return "; ".join(f"{k}={v}" for k, v in c.cookies.items())


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_case(
    base: str, case: Case, cookie: str, seconds: int, connections: int, script: Path, pid: int
) -> dict[str, Any]:
    headers = {"Cookie": cookie} if case.cookie else {}
    first = httpx.get(base + case.path, headers=headers, timeout=60)
    env = dict(os.environ, LOAD_COOKIE=headers.get("Cookie", ""), LOAD_IF_NONE_MATCH="")
    size = len(first.content)
    if case.etag:
        env["LOAD_IF_NONE_MATCH"] = first.headers["etag"]
        check = httpx.get(base + case.path, headers={"If-None-Match": first.headers["etag"]})
        assert check.status_code == 304, check.status_code
        size = 0
    else:
        assert first.status_code == case.status, (case.path, first.status_code)
    load = os.getloadavg()[0]
    cpu_before = cpu_seconds(pid)
    done = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "30s",
            "-s",
            str(script),
            base + case.path,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    )
    cpu = cpu_seconds(pid) - cpu_before
    line = next((x for x in done.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        raise SystemExit(f"wrk failed on {case.path}:\n{done.stdout}\n{done.stderr}")
    data: dict[str, Any] = json.loads(line[len("RESULT ") :])
    data["per_s"] = data["requests"] / data["seconds"]
    data["bytes"] = size
    data["cpu_ms"] = 1000 * cpu / data["requests"] if data["requests"] else None
    data["load"] = load
    return data


def best_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the lowest p95 (one that finished requests), and how many were made."""
    done = [r for r in runs if r["requests"]] or runs
    best = dict(min(done, key=lambda r: r["p95"]))
    best["runs"] = len(runs)
    return best


def measure(args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk")
    OUT.mkdir(parents=True, exist_ok=True)
    db = Path(args.db).resolve()
    info = prepare(db, args.time_limit)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "load.lua"
        script.write_text(WRK_SCRIPT)
        server = start_server(db, port, Path(tmp) / "server.log")
        try:
            cookie = login(base, info["user"], info["password"])
            results = {}
            for case in cases(info):
                if args.only and case.key not in args.only:
                    continue
                runs = []
                for _ in range(args.runs):
                    r = run_case(
                        base, case, cookie, args.seconds, args.connections, script, server.pid
                    )
                    runs.append(r)
                    print(
                        f"{case.name:32} {r['per_s']:8.1f} req/s  p50 {r['p50'] / 1000:7.1f} ms  "
                        f"p95 {r['p95'] / 1000:7.1f} ms  p99 {r['p99'] / 1000:7.1f} ms  "
                        f"errors {r['errors'] + r['status_errors']}  "
                        f"server CPU {cpu_text(r)} ms/req  load {r['load']:.1f}",
                        flush=True,
                    )
                results[case.key] = best_of(runs)
        finally:
            server.terminate()
            server.wait(timeout=30)
    return info, results


def cpu_text(r: dict[str, Any]) -> str:
    return "–" if r["cpu_ms"] is None else f"{r['cpu_ms']:.2f}"


def latency(r: dict[str, Any], key: str) -> str:
    return "–" if not r["requests"] else f"{r[key] / 1000:.1f}"


def goal_rows(results: dict[str, dict[str, Any]]) -> list[str]:
    rows = []
    for g in GOALS:
        r = results.get(g.case)
        if r is None:
            continue
        ok = bool(r["requests"]) and (
            (g.per_s is None or r["per_s"] >= g.per_s)
            and (g.p95_ms is None or r["p95"] / 1000 <= g.p95_ms)
        )
        rows.append(
            f"| {g.text} | {'yes' if ok else '**no**'} | {r['per_s']:.0f} req/s, "
            f"p95 {latency(r, 'p95')} ms, server CPU {cpu_text(r)} ms per request |"
        )
    for key in ("doctor", "all"):
        full, cached = results.get(key), results.get(key + "304")
        if full and cached:
            ratio = full["cpu_ms"] / cached["cpu_ms"] if cached["cpu_ms"] else 0.0
            which = "one doctor's" if key == "doctor" else "whole-legevakt"
            rows.append(
                f"| a 304 at least twice as cheap as a 200 ({which} feed) | "
                f"{'yes' if ratio >= 2 else '**no**'} | server CPU per request: 304 "
                f"{cpu_text(cached)} ms against 200 {cpu_text(full)} ms ({ratio:.1f}x); "
                f"{cached['per_s']:.0f} against {full['per_s']:.0f} req/s |"
            )
    return rows


def table(info: dict[str, Any], results: dict[str, dict[str, Any]], args: Any) -> list[str]:
    lines = [
        f"### {args.label} ({dt.date.today().isoformat()})",
        "",
        "| case | body bytes | req/s | p50 ms | p95 ms | p99 ms | errors | server CPU ms/req "
        "| load avg |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for case in cases(info):
        r = results.get(case.key)
        if r is None:
            continue
        lines.append(
            f"| {case.name} | {r['bytes']} | {r['per_s']:.0f} | {latency(r, 'p50')} | "
            f"{latency(r, 'p95')} | {latency(r, 'p99')} | "
            f"{r['errors'] + r['status_errors']} | {cpu_text(r)} | {r['load']:.1f} |"
        )
    lines += ["", "| goal | met | measured |", "|---|---|---|", *goal_rows(results), ""]
    return lines


def earlier_tables(section: str, label: str) -> list[str]:
    """The section's earlier `### ` parts, each kept, but for one with the same label (a
    rerun replaces it)."""
    parts = section.split("\n### ")[1:]
    return ["### " + part.strip() + "\n" for part in parts if not part.startswith(label + " (")]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=int, default=10)
    p.add_argument("--connections", type=int, default=20)
    p.add_argument("--db", default=str(OUT / "load.sqlite"))
    p.add_argument("--time-limit", type=float, default=25.0)
    p.add_argument("--runs", type=int, default=1, help="runs per case; the lowest p95 is kept")
    p.add_argument("--label", default="measured")
    p.add_argument("--only", nargs="*", help="case keys: doctor doctor304 all all304 …")
    p.add_argument("--write-results", action="store_true")
    args = p.parse_args(argv)
    info, results = measure(args)
    command = shlex.join(["python", "bench/load.py", *(argv or sys.argv[1:])])
    new = table(info, results, args)
    print("\n".join(new))
    if args.write_results:
        old = kept_section(HEADING)
        runs = f"the best of {args.runs} runs (lowest p95) per case" if args.runs > 1 else "1 run"
        lines = [
            HEADING,
            "",
            f"Written by `{command}`: the Innherred plan ({info['doctors']} doctors, first",
            "half of 2027) published in the web app, ONE web process (`legevakt serve`,",
            "uvicorn, SQLite) on 127.0.0.1, wrk with one thread and",
            f"{args.connections} connections for {args.seconds} s per case, {runs} (pages",
            "and the export with a leader's session); «load avg» is the machine's 1-minute",
            f"load average when the kept run started. {os.cpu_count()} CPUs, Python",
            f"{platform.python_version()}; the machine's 2 cores were shared with the load",
            "generator and with other engineers' work, so the figures are noisy.",
            "",
            *new,
            *earlier_tables(old, args.label),
        ]
        write_section(HEADING, "\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
