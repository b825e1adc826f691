"""Background solves behind one small interface.

`JobRunner.submit(job_id)` hands a stored SolveJob to a worker; the worker runs `run_job`,
which claims the job, solves, re-checks the roster with roster's checker (the oracle) and
stores the roster and report. Progress (stage, largest deviation, proven bound) is written to
the job row while the solver works, so the page can be left and reopened.

The database row is the truth about a job, whoever runs it:
- a worker *claims* a queued job by raising `attempts` in one conditional UPDATE; only one
  claim can win, so a job sent twice (a retry, a message the broker delivered again) is
  solved once. Every later write of that worker (progress, heartbeat, result) names the
  claim's number and changes nothing once the job was cancelled or given to another worker:
  a solve is idempotent (same input, same seed), and a stale worker never stores a result;
- the worker keeps `heartbeat_at` fresh; `reap` gives a running job whose heartbeat is older
  than the lease back to the queue (at most `attempts` times) or fails it with a reason, so a
  killed worker leaves no job stuck;
- on a queued job `heartbeat_at` is when it was last sent (None: when it was made);
  `resend_lost` sends a job again that is still queued long after that, so a message the
  broker lost leaves no job waiting for ever either (a second copy is claimed by nobody).

`ThreadJobRunner` is the in-process default (one worker thread; solves never run inside a
request). web.queue.CeleryJobRunner sends the job id to Celery workers (`legevakt worker`).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import ColumnElement, and_, or_, select, update
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


@dataclass(frozen=True)
class Lease:
    """How a running job proves it is alive: a heartbeat every `heartbeat` seconds; after
    `lease` seconds without one the job is reaped, and after `attempts` claims it fails. A
    job still queued `resend` seconds after it was last sent is sent again (its message may
    be lost: a broker restarted without its data)."""

    heartbeat: float = 5.0
    lease: float = 30.0
    attempts: int = 3
    resend: float = 600.0


class JobRunner(Protocol):
    def submit(self, job_id: int) -> None: ...

    def cancel(self, job_id: int) -> None: ...

    def shutdown(self) -> None: ...


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _claimed(job_id: int, attempt: int) -> ColumnElement[bool]:
    """The fence: the job is still running under this claim."""
    return and_(SolveJob.id == job_id, SolveJob.status == "running", SolveJob.attempts == attempt)


def _write(factory: sessionmaker[Session], job_id: int, attempt: int, **values: Any) -> bool:
    """Update the job if this claim still holds it; False when it no longer does."""
    with factory() as s:
        done = s.execute(update(SolveJob).where(_claimed(job_id, attempt)).values(**values))
        s.commit()
        return bool(getattr(done, "rowcount", 0) == 1)


class _ProgressWriter:
    def __init__(
        self, factory: sessionmaker[Session], job_id: int, attempt: int, time_limit: float
    ) -> None:
        self.factory, self.job_id, self.attempt = factory, job_id, attempt
        self.time_limit = time_limit
        self.stages: list[dict[str, Any]] = []
        self.last_write = 0.0
        self.lock = threading.Lock()
        self.lost = threading.Event()  # the claim was cancelled or given away

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
            "attempt": self.attempt,
        }

    def write(self, elapsed: float) -> None:
        data = self.snapshot(elapsed)
        if not _write(
            self.factory, self.job_id, self.attempt, progress=data, heartbeat_at=utcnow()
        ):
            self.lost.set()

    def beat(self) -> None:
        if not _write(self.factory, self.job_id, self.attempt, heartbeat_at=utcnow()):
            self.lost.set()


class _Heartbeat:
    """A thread that keeps the claim's heartbeat fresh while the solver runs (CP-SAT
    releases the GIL, so it beats during the search too)."""

    def __init__(self, writer: _ProgressWriter, every: float) -> None:
        self.writer, self.every = writer, every
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="vaktplan-heartbeat", daemon=True)

    def _run(self) -> None:
        while not self.stop.wait(self.every):
            try:
                self.writer.beat()
            except Exception:  # a database hiccup: the next beat tries again
                log.warning("heartbeat of job %s failed", self.writer.job_id, exc_info=True)

    def __enter__(self) -> _Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join(timeout=self.every + 5)


@dataclass(frozen=True)
class _Claim:
    attempt: int
    text: str
    time_limit: float
    freeze: dt.date | None
    previous_text: str | None
    previous_roster: dict[str, Any] | None


def claim(factory: sessionmaker[Session], job_id: int, worker: str) -> _Claim | None:
    """Take a queued job for this worker, or None when it is not queued (already claimed,
    finished, cancelled, or gone)."""
    now = utcnow()
    with factory() as s:
        taken = s.execute(
            update(SolveJob)
            .where(SolveJob.id == job_id, SolveJob.status == "queued")
            .values(
                status="running",
                attempts=SolveJob.attempts + 1,
                started_at=now,
                heartbeat_at=now,
                worker=worker[:128],
            )
            .execution_options(synchronize_session=False)
        )
        if getattr(taken, "rowcount", 0) != 1:
            s.rollback()
            return None
        job = s.get(SolveJob, job_id, populate_existing=True)
        assert job is not None
        job.progress = {
            "label": "Bygger modellen",
            "elapsed": 0,
            "time_limit": job.time_limit,
            "attempt": job.attempts,
        }
        before = (
            s.get(PublishedVersion, job.previous_version_id) if job.previous_version_id else None
        )
        found = _Claim(
            attempt=job.attempts,
            text=job.instance_yaml,
            time_limit=job.time_limit,
            freeze=job.freeze_before,
            previous_text=before.instance_yaml if before else None,
            previous_roster=dict(before.roster) if before else None,
        )
        s.commit()
        return found


def run_job(
    factory: sessionmaker[Session],
    job_id: int,
    workers: int = 2,
    heartbeat: float = Lease.heartbeat,
    worker: str | None = None,
) -> None:
    """Claim one stored job, solve it and store its result. Never raises: failures are
    stored. Does nothing when the job is not queued (so a job sent twice is solved once)."""
    got = claim(factory, job_id, worker or worker_name())
    if got is None:
        return
    started = time.monotonic()
    writer = _ProgressWriter(factory, job_id, got.attempt, got.time_limit)
    try:
        with _Heartbeat(writer, heartbeat):
            instance = instance_from_text(got.text)
            previous = None
            if got.previous_roster is not None and got.previous_text is not None:
                previous = restrict(instance, roster_from_json(got.previous_roster))
            options = SolveOptions(
                time_limit=got.time_limit,
                seed=0,
                workers=workers,
                previous=previous,
                freeze_before=got.freeze if previous is not None else None,
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
        stored = _write(
            factory,
            job_id,
            got.attempt,
            status=status,
            roster=roster_to_json(result.roster) if result.roster is not None else None,
            report=report,
            message=message,
            progress=progress,
            finished_at=utcnow(),
        )
        if not stored:
            log.warning("job %s attempt %s: claim lost; result not stored", job_id, got.attempt)
    except Exception as exc:  # stored for the page; the traceback goes to the server log
        log.exception("solve job %s failed", job_id)
        _write(
            factory,
            job_id,
            got.attempt,
            status="failed",
            message=f"Uventet feil under løsing ({type(exc).__name__}).",
            finished_at=utcnow(),
        )


# --------------------------------------------------------------------------- recovery

LOST_MESSAGE = (
    "Arbeideren som laget planen, svarte ikke lenger ({attempts} forsøk). Lag planen på nytt; "
    "hvis det skjer igjen, kontakt den som drifter Vaktplan."
)
TOO_LONG_MESSAGE = (
    "Planen ble stoppet fordi den brukte mye lengre tid enn tidsgrensen. Lag planen på nytt; "
    "hvis det skjer igjen, kontakt den som drifter Vaktplan."
)


def hard_limit(time_limit: float) -> float:
    """Seconds after which a solve is stopped however it is doing: the solver keeps its own
    limit, this allows for building the model and checking the roster on a busy machine."""
    return time_limit * 2 + 120


def reap(factory: sessionmaker[Session], lease: Lease, now: dt.datetime | None = None) -> list[int]:
    """Running jobs whose heartbeat is older than the lease: back to the queue (returned, to
    be sent again) while they have attempts left, otherwise failed with a reason. Safe to run
    in every process at once: each change is conditional on what was read."""
    now = now or utcnow()
    stale_before = now - dt.timedelta(seconds=lease.lease)
    with factory() as s:
        rows = s.execute(
            select(SolveJob.id, SolveJob.attempts, SolveJob.started_at, SolveJob.time_limit).where(
                SolveJob.status == "running",
                or_(
                    SolveJob.heartbeat_at < stale_before,
                    and_(SolveJob.heartbeat_at.is_(None), SolveJob.started_at < stale_before),
                ),
            )
        ).all()
    requeued = []
    for job_id, attempts, started_at, time_limit in rows:
        too_long = started_at is not None and (now - started_at).total_seconds() > hard_limit(
            time_limit
        )
        if too_long or attempts >= lease.attempts:
            message = TOO_LONG_MESSAGE if too_long else LOST_MESSAGE.format(attempts=attempts)
            _write(factory, job_id, attempts, status="failed", message=message, finished_at=now)
            log.warning("job %s failed after %s attempts (lost worker)", job_id, attempts)
        elif _write(
            factory,
            job_id,
            attempts,
            status="queued",
            heartbeat_at=now,  # when it is sent again (resend_lost)
            progress={"label": f"Venter på en ny arbeider (forsøk {attempts + 1})"},
        ):
            log.warning("job %s: worker lost; queued again (attempt %s)", job_id, attempts + 1)
            requeued.append(job_id)
    return requeued


def resend_lost(
    factory: sessionmaker[Session], lease: Lease, now: dt.datetime | None = None
) -> list[int]:
    """Queued jobs last sent (or made) more than `lease.resend` seconds ago, to be sent again:
    the broker may have lost their message. Each is marked as sent now in a conditional
    UPDATE, so of several processes reaping at once only one sends it."""
    now = now or utcnow()
    before = now - dt.timedelta(seconds=lease.resend)
    due = and_(
        SolveJob.status == "queued",
        or_(
            SolveJob.heartbeat_at < before,
            and_(SolveJob.heartbeat_at.is_(None), SolveJob.created_at < before),
        ),
    )
    resent = []
    with factory() as s:
        for job_id in s.scalars(select(SolveJob.id).where(due)).all():
            done = s.execute(
                update(SolveJob)
                .where(SolveJob.id == job_id, due)
                .values(heartbeat_at=now)
                .execution_options(synchronize_session=False)
            )
            s.commit()
            if getattr(done, "rowcount", 0) == 1:
                log.warning("job %s still queued; sent again", job_id)
                resent.append(job_id)
    return resent


class Reaper:
    """A daemon thread that runs `reap` and `resend_lost` every few seconds and sends the jobs
    they return again."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        lease: Lease,
        resubmit: Callable[[int], None],
    ) -> None:
        self.factory, self.lease, self.resubmit = factory, lease, resubmit
        self.every = max(0.5, min(self.lease.lease / 3, 10.0))
        self.failing = False
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="vaktplan-reaper", daemon=True)

    def start(self) -> Reaper:
        self.thread.start()
        return self

    def _run(self) -> None:
        while not self.stop.wait(self.every):
            self.round()

    def round(self) -> None:
        """One round. While the database or broker is away it is tried again every round;
        the log gets the traceback once, a line per round after it, and a line when it
        works again (an outage of an hour is not 360 tracebacks)."""
        try:
            for job_id in reap(self.factory, self.lease):
                self.resubmit(job_id)
            for job_id in resend_lost(self.factory, self.lease):
                self.resubmit(job_id)
        except Exception as exc:
            if self.failing:
                first = str(exc).strip().splitlines()[:1]
                log.warning("reaping jobs failed again: %s", (first or [type(exc).__name__])[0])
            else:
                log.warning("reaping jobs failed; trying every %.0f s", self.every, exc_info=True)
            self.failing = True
            return
        if self.failing:
            log.warning("reaping jobs works again")
            self.failing = False

    def close(self) -> None:
        self.stop.set()


class ThreadJobRunner:
    """In-process worker thread(s). Jobs queue up; one solves at a time by default."""

    def __init__(self, factory: sessionmaker[Session], max_jobs: int = 1, workers: int = 2):
        self.factory = factory
        self.workers = workers
        self.pool = ThreadPoolExecutor(max_workers=max_jobs, thread_name_prefix="vaktplan-solve")
        self.futures: dict[int, Future[None]] = {}

    def submit(self, job_id: int) -> None:
        self.futures[job_id] = self.pool.submit(run_job, self.factory, job_id, self.workers)

    def cancel(self, job_id: int) -> None:
        """A thread cannot be stopped: a cancelled queued job is skipped when its turn comes;
        a running solve finishes in the background and its result is not stored."""
        future = self.futures.get(job_id)
        if future is not None:
            future.cancel()

    def wait(self, job_id: int, timeout: float | None = None) -> None:
        """Block until a job is finished (tests and the demo use it)."""
        future = self.futures.get(job_id)
        if future is not None and not future.cancelled():
            future.result(timeout=timeout)

    def shutdown(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)


def fail_interrupted(factory: sessionmaker[Session]) -> int:
    """Jobs left queued or running by a stopped server are marked failed at start (the
    in-process runner only: with a task queue, other processes' jobs are alive)."""
    with factory() as s:
        rows = list(s.scalars(select(SolveJob).where(SolveJob.status.in_(("queued", "running")))))
        for job in rows:
            job.status = "failed"
            job.message = "Avbrutt fordi serveren ble startet på nytt. Lag planen på nytt."
            job.finished_at = utcnow()
        s.commit()
        return len(rows)
