"""Background solves behind one small interface.

`JobRunner.submit(job_id)` hands a stored SolveJob to a worker; the worker runs `run_job`,
which reads the job, solves, re-checks the roster with roster's checker (the oracle) and
stores the roster and report. Progress (stage, largest deviation, proven bound) is written to
the job row while the solver works, so the page can be left and reopened.

`ThreadJobRunner` is the in-process default (one worker thread; solves never run inside a
request). A task-queue runner (e.g. Celery) implements the same `submit` by sending the job
id to a task that calls `run_job` with its own session factory.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from roster.checker import check
from roster.fairness import evaluate
from roster.glossary import STAGE_NO
from solver.report import build_report
from solver.solve import SolveOptions, solve
from web.models import PublishedVersion, SolveJob, utcnow
from web.store import instance_from_text, restrict, roster_from_json, roster_to_json

log = logging.getLogger("web.jobs")

#: How often progress is written while a stage improves (a new stage is written at once).
PROGRESS_EVERY = 0.5


class JobRunner(Protocol):
    def submit(self, job_id: int) -> None: ...

    def shutdown(self) -> None: ...


class _ProgressWriter:
    def __init__(self, factory: sessionmaker[Session], job_id: int, time_limit: float) -> None:
        self.factory, self.job_id, self.time_limit = factory, job_id, time_limit
        self.stages: list[dict[str, Any]] = []
        self.last_write = 0.0
        self.lock = threading.Lock()

    def __call__(
        self, stage: str, value: float | None, bound: float | None, elapsed: float
    ) -> None:
        with self.lock:
            new = not self.stages or self.stages[-1]["stage"] != stage
            entry = {
                "stage": stage,
                "label": STAGE_NO.get(stage, stage),
                "value": None if value is None else round(value, 3),
                "bound": None if bound is None else round(bound, 3),
                "elapsed": round(elapsed, 2),
            }
            if new:
                self.stages.append(entry)
            else:
                self.stages[-1] = entry
            now = time.monotonic()
            if not new and now - self.last_write < PROGRESS_EVERY:
                return
            self.last_write = now
            self.write(elapsed)

    def snapshot(self, elapsed: float) -> dict[str, Any]:
        total = next((s for s in self.stages if s["stage"] == "total"), None)
        current = self.stages[-1] if self.stages else None
        return {
            "stage": current["stage"] if current else None,
            "label": current["label"] if current else "Bygger modellen",
            "elapsed": round(elapsed, 1),
            "time_limit": self.time_limit,
            "largest_deviation": total["value"] if total else None,
            "bound": total["bound"] if total else None,
            "stages": list(self.stages),
        }

    def write(self, elapsed: float) -> None:
        data = self.snapshot(elapsed)
        with self.factory() as s:
            s.execute(update(SolveJob).where(SolveJob.id == self.job_id).values(progress=data))
            s.commit()


def run_job(factory: sessionmaker[Session], job_id: int, workers: int = 2) -> None:
    """Solve one stored job and store its result. Never raises: failures are stored."""
    with factory() as s:
        job = s.get(SolveJob, job_id)
        if job is None or job.status != "queued":
            return
        job.status = "running"
        job.started_at = utcnow()
        job.progress = {"label": "Bygger modellen", "elapsed": 0, "time_limit": job.time_limit}
        s.commit()
        text, time_limit, freeze = job.instance_yaml, job.time_limit, job.freeze_before
        before = (
            s.get(PublishedVersion, job.previous_version_id) if job.previous_version_id else None
        )
        previous_text = before.instance_yaml if before else None
        previous_roster = dict(before.roster) if before else None
    started = time.monotonic()
    writer = _ProgressWriter(factory, job_id, time_limit)
    try:
        instance = instance_from_text(text)
        previous = None
        if previous_roster is not None and previous_text is not None:
            previous = restrict(instance, roster_from_json(previous_roster))
        options = SolveOptions(
            time_limit=time_limit,
            seed=0,
            workers=workers,
            previous=previous,
            freeze_before=freeze if previous is not None else None,
            progress=writer,
        )
        result = solve(instance, options)
        checked = check(instance, result.roster) if result.roster is not None else None
        fairness = evaluate(instance, result.roster) if result.roster is not None else None
        report = build_report(instance, result, checked, fairness, options)
        status, message = "done", None
        if result.roster is None:
            status = "failed"
            message = (
                " ".join(result.explanation)
                if result.explanation
                else "Fant ingen vaktplan innen tidsgrensen. Prøv igjen med lengre tidsgrense."
            )
        with writer.lock:
            progress = writer.snapshot(time.monotonic() - started)
        progress["done"] = True
        with factory() as s:
            s.execute(
                update(SolveJob)
                .where(SolveJob.id == job_id)
                .values(
                    status=status,
                    roster=roster_to_json(result.roster) if result.roster is not None else None,
                    report=report,
                    message=message,
                    progress=progress,
                    finished_at=utcnow(),
                )
            )
            s.commit()
    except Exception as exc:  # stored for the page; the traceback goes to the server log
        log.exception("solve job %s failed", job_id)
        with factory() as s:
            s.execute(
                update(SolveJob)
                .where(SolveJob.id == job_id)
                .values(
                    status="failed",
                    message=f"Uventet feil under løsing ({type(exc).__name__}).",
                    finished_at=utcnow(),
                )
            )
            s.commit()


class ThreadJobRunner:
    """In-process worker thread(s). Jobs queue up; one solves at a time by default."""

    def __init__(self, factory: sessionmaker[Session], max_jobs: int = 1, workers: int = 2):
        self.factory = factory
        self.workers = workers
        self.pool = ThreadPoolExecutor(max_workers=max_jobs, thread_name_prefix="vaktplan-solve")
        self.futures: dict[int, Future[None]] = {}

    def submit(self, job_id: int) -> None:
        self.futures[job_id] = self.pool.submit(run_job, self.factory, job_id, self.workers)

    def wait(self, job_id: int, timeout: float | None = None) -> None:
        """Block until a job is finished (tests and the demo use it)."""
        future = self.futures.get(job_id)
        if future is not None:
            future.result(timeout=timeout)

    def shutdown(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)


def fail_interrupted(factory: sessionmaker[Session]) -> int:
    """Jobs left queued or running by a stopped server are marked failed at start."""
    with factory() as s:
        rows = list(s.scalars(select(SolveJob).where(SolveJob.status.in_(("queued", "running")))))
        for job in rows:
            job.status = "failed"
            job.message = "Avbrutt fordi serveren ble startet på nytt. Lag planen på nytt."
            job.finished_at = utcnow()
        s.commit()
        return len(rows)
