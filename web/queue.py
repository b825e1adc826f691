"""Solves on a distributed task queue: Celery with Redis as the broker.

The web processes send a job's id to the queue (`CeleryJobRunner.submit`); `legevakt worker`
starts Celery workers on any machine that reaches the database and the broker, and each
worker runs web.jobs.run_job for the ids it receives. The database row stays the truth
(claims, fences, heartbeats: see web.jobs), so the queue only has to deliver at least once:

- `acks_late` with `reject_on_worker_lost`: a message is acknowledged when its solve has
  ended, so a worker that dies mid-solve leaves it to be delivered again (Redis gives an
  unacknowledged message to another worker after the visibility timeout);
- the reaper (web.jobs.Reaper, in every web process and every worker) does not wait that
  long: a job whose heartbeat stops is queued again and sent again within the lease, or
  failed after its last attempt; a message that arrives for a job already claimed or
  finished does nothing; a job still queued long after it was sent (Redis restarted without
  its data) is sent again;
- time limits: the solver keeps its own limit; Celery kills a solve that runs past
  web.jobs.hard_limit (model building on an overloaded machine), and the reaper fails it;
- cancellation: the row is marked cancelled at once (web.store.cancel_job), and the worker
  process that runs it is terminated (Celery's revoke with terminate).

Configuration from the environment, the same in web processes and workers:
VAKTPLAN_BROKER_URL (redis://host:6379/0), DATABASE_URL, and for tests or tuning
VAKTPLAN_JOB_HEARTBEAT, VAKTPLAN_JOB_LEASE, VAKTPLAN_JOB_ATTEMPTS, VAKTPLAN_JOB_RESEND (seconds,
seconds, count, seconds).
"""

from __future__ import annotations

import logging
import os
from typing import Any

from celery import Celery, signals
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from web.db import shown_url
from web.jobs import Lease, Reaper, hard_limit, run_job, worker_name
from web.models import SolveJob, utcnow

log = logging.getLogger("web.queue")

BROKER_ENV = "VAKTPLAN_BROKER_URL"
QUEUE = "vaktplan-solve"
TASK = "vaktplan.solve"
#: Redis hands an unacknowledged message to another worker after this many seconds. It must
#: exceed the longest solve (web.jobs.hard_limit of the largest time limit): a shorter one
#: would start a second copy of a solve still running (harmless, as only one claim can win,
#: but wasteful). The reaper recovers lost workers far sooner.
VISIBILITY_TIMEOUT = 3600
QUEUE_DOWN = (
    "Køen for planlegging svarer ikke, så planen ble ikke startet. Prøv igjen om litt; hvis "
    "det skjer igjen, kontakt den som drifter Vaktplan."
)


def lease_from_env() -> Lease:
    base = Lease()
    return Lease(
        heartbeat=float(os.environ.get("VAKTPLAN_JOB_HEARTBEAT", base.heartbeat)),
        lease=float(os.environ.get("VAKTPLAN_JOB_LEASE", base.lease)),
        attempts=int(os.environ.get("VAKTPLAN_JOB_ATTEMPTS", base.attempts)),
        resend=float(os.environ.get("VAKTPLAN_JOB_RESEND", base.resend)),
    )


def make_celery(broker_url: str) -> Celery:
    app = Celery("vaktplan", broker=broker_url, set_as_current=False)
    app.conf.update(
        task_default_queue=QUEUE,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT},
    )
    app.task(name=TASK, acks_late=True)(_solve_task)
    return app


def broker_problem(broker_url: str, timeout: float = 5.0) -> str | None:
    """Why the broker at `broker_url` cannot be reached, in Norwegian for the operator, or
    None when it answers. `legevakt worker` asks before it starts (Celery would otherwise
    retry in its log for minutes); `legevakt serve` warns."""
    try:
        with make_celery(broker_url).connection_for_write(connect_timeout=timeout) as conn:
            conn.ensure_connection(max_retries=0, timeout=timeout)
    except Exception as exc:  # refused, unknown host, wrong password, not a broker URL
        detail = str(exc).strip().strip("'").rstrip(".") or type(exc).__name__
        return (
            f"Køen ({shown_url(broker_url)}) svarer ikke: {detail}. Sjekk {BROKER_ENV}, at Redis "
            "kjører, og at den slipper inn denne maskinen."
        )
    return None


# --------------------------------------------------------------------------- worker side

_factory: tuple[int, sessionmaker[Session]] | None = None


def _worker_factory() -> sessionmaker[Session]:
    """This process's own engine (a forked pool process never uses its parent's)."""
    global _factory
    if _factory is None or _factory[0] != os.getpid():
        from web.db import database_url, make_engine, session_factory

        _factory = (os.getpid(), session_factory(make_engine(database_url())))
    return _factory[1]


def _solve_task(job_id: int) -> None:
    lease = lease_from_env()
    workers = int(os.environ.get("VAKTPLAN_SOLVER_WORKERS", "2"))
    run_job(_worker_factory(), int(job_id), workers=workers, heartbeat=lease.heartbeat)


def task_id(job_id: int, attempt: int) -> str:
    """The Celery task id of a job's n-th sending (cancellation revokes them all)."""
    return f"vaktplan-job-{job_id}-{attempt}"


def send(app: Celery, factory: sessionmaker[Session], job_id: int) -> None:
    """Send a queued job to the workers, with the hard time limit of its solve."""
    with factory() as s:
        row = s.execute(
            select(SolveJob.time_limit, SolveJob.attempts).where(SolveJob.id == job_id)
        ).first()
    if row is None:
        return
    time_limit, attempts = row
    app.send_task(
        TASK,
        args=[job_id],
        task_id=task_id(job_id, attempts),
        time_limit=hard_limit(time_limit),
        queue=QUEUE,
    )


def run_worker(
    broker_url: str, concurrency: int = 1, hostname: str | None = None, loglevel: str = "INFO"
) -> None:
    """Start a Celery worker in this process (prefork pool, one solve per pool process),
    with a reaper thread in the main process."""
    app = make_celery(broker_url)
    lease = lease_from_env()
    reaper: Reaper | None = None

    def _start_reaper(**_: Any) -> None:
        nonlocal reaper
        factory = _worker_factory()
        reaper = Reaper(factory, lease, lambda job_id: send(app, factory, job_id)).start()

    def _fresh_engine(**_: Any) -> None:
        global _factory
        if _factory is not None and _factory[0] != os.getpid():
            _factory[1].kw["bind"].dispose(close=False)  # the parent's connections stay its own
            _factory = None

    signals.worker_ready.connect(_start_reaper, weak=False)
    signals.worker_process_init.connect(_fresh_engine, weak=False)
    worker = app.Worker(
        concurrency=concurrency,
        pool="prefork",
        loglevel=loglevel,
        hostname=hostname or f"vaktplan@{worker_name()}",
        queues=[QUEUE],
        without_gossip=True,
        without_mingle=True,
        without_heartbeat=True,
        max_tasks_per_child=20,
    )
    try:
        worker.start()
    finally:
        if reaper is not None:
            reaper.close()


# --------------------------------------------------------------------------- web side


class CeleryJobRunner:
    """The JobRunner of web processes that share a database and a broker."""

    def __init__(self, factory: sessionmaker[Session], broker_url: str, lease: Lease) -> None:
        self.factory = factory
        self.app = make_celery(broker_url)
        self.reaper = Reaper(factory, lease, self.submit).start()

    def submit(self, job_id: int) -> None:
        try:
            send(self.app, self.factory, job_id)
        except Exception:  # the broker is away: say so at once rather than wait forever
            log.exception("job %s could not be sent to the queue", job_id)
            with self.factory() as s:
                s.execute(
                    update(SolveJob)
                    .where(SolveJob.id == job_id, SolveJob.status == "queued")
                    .values(status="failed", message=QUEUE_DOWN, finished_at=utcnow())
                )
                s.commit()

    def cancel(self, job_id: int) -> None:
        with self.factory() as s:
            attempts = s.scalar(select(SolveJob.attempts).where(SolveJob.id == job_id)) or 0
        ids = [task_id(job_id, n) for n in range(attempts + 1)]
        try:
            self.app.control.revoke(ids, terminate=True, signal="SIGKILL")
        except Exception:  # the row is cancelled already; the worker's result is fenced off
            log.warning("revoking job %s failed", job_id, exc_info=True)

    def shutdown(self) -> None:
        self.reaper.close()
