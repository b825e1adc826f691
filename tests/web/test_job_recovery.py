"""A job is claimed once, fenced by its claim, recovered when its worker stops beating, and
cancelled at once; on SQLite and on PostgreSQL. (The same with real processes, Celery and
Redis: tests/deploy.)"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.web.conftest import TIME_LIMIT, api_login
from tests.web.test_jobs import Recorder
from web import store
from web.app import create_app
from web.db import session_factory
from web.deps import Settings
from web.jobs import (
    LOST_MESSAGE,
    TOO_LONG_MESSAGE,
    Lease,
    _write,
    claim,
    reap,
    resend_lost,
    run_job,
)
from web.models import SolveJob, utcnow

LEASE = Lease(heartbeat=1.0, lease=10.0, attempts=2)


def _queued_job(engine: Engine) -> int:
    with session_factory(engine)() as s:
        row = store.create_legevakt(s, store.example_text("small"), "kari")
        job = store.create_job(s, row, "kari", TIME_LIMIT)
        s.commit()
        return job.id


def _job(engine: Engine, job_id: int) -> SolveJob:
    with session_factory(engine)() as s:
        found = s.get(SolveJob, job_id)
        assert found is not None
        return found


def test_claim_one_worker_wins_when_two_claim_at_once(engine: Engine) -> None:
    job_id = _queued_job(engine)
    factory = session_factory(engine)
    barrier = threading.Barrier(2, timeout=30)
    got: list[Any] = []

    def take(name: str) -> None:
        barrier.wait()
        got.append(claim(factory, job_id, name))

    both = [threading.Thread(target=take, args=(n,)) for n in ("a:1", "b:2")]
    for t in both:
        t.start()
    for t in both:
        t.join(timeout=60)
    assert len([c for c in got if c is not None]) == 1
    job = _job(engine, job_id)
    assert (job.status, job.attempts) == ("running", 1)
    assert claim(factory, job_id, "c:3") is None  # running: nobody else takes it


def test_claim_fences_the_writes_of_a_worker_that_lost_it(engine: Engine) -> None:
    job_id = _queued_job(engine)
    factory = session_factory(engine)
    first = claim(factory, job_id, "a:1")
    assert first is not None
    later = utcnow() + dt.timedelta(seconds=LEASE.lease + 1)
    assert reap(factory, LEASE, now=later) == [job_id]  # a's heartbeat stopped
    second = claim(factory, job_id, "b:2")
    assert second is not None and second.attempt == 2
    # a comes back to life: none of its writes land
    assert not _write(factory, job_id, first.attempt, status="done", message="a")
    assert _write(factory, job_id, second.attempt, message="b")
    job = _job(engine, job_id)
    assert (job.status, job.message, job.worker) == ("running", "b", "b:2")


def test_reap_leaves_a_beating_job_and_fails_one_out_of_attempts(engine: Engine) -> None:
    job_id = _queued_job(engine)
    factory = session_factory(engine)
    assert claim(factory, job_id, "a:1") is not None
    assert reap(factory, LEASE) == []  # fresh heartbeat
    later = utcnow() + dt.timedelta(seconds=LEASE.lease + 1)
    assert reap(factory, LEASE, now=later) == [job_id]
    job = _job(engine, job_id)
    assert job.status == "queued" and "forsøk 2" in job.progress["label"]
    assert claim(factory, job_id, "b:2") is not None
    assert reap(factory, LEASE, now=later + dt.timedelta(seconds=LEASE.lease + 1)) == []
    job = _job(engine, job_id)
    assert job.status == "failed"
    assert job.message == LOST_MESSAGE.format(attempts=2)
    assert job.finished_at is not None


def test_reap_fails_a_solve_far_past_its_time_limit(engine: Engine) -> None:
    job_id = _queued_job(engine)
    factory = session_factory(engine)
    assert claim(factory, job_id, "a:1") is not None
    much_later = utcnow() + dt.timedelta(hours=2)
    assert reap(factory, Lease(attempts=5), now=much_later) == []
    job = _job(engine, job_id)
    assert (job.status, job.message) == ("failed", TOO_LONG_MESSAGE)


def test_run_job_skips_a_job_it_cannot_claim(engine: Engine) -> None:
    job_id = _queued_job(engine)
    factory = session_factory(engine)
    assert claim(factory, job_id, "a:1") is not None
    run_job(factory, job_id)  # a second delivery of the same job: does nothing
    job = _job(engine, job_id)
    assert (job.status, job.worker, job.roster) == ("running", "a:1", None)


def test_cancel_a_queued_job_frees_the_legevakt(tmp_path: Path, template_db: Path) -> None:
    import shutil

    shutil.copyfile(template_db, tmp_path / "jobs.sqlite")
    recorder = Recorder()
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'jobs.sqlite'}", time_limit=TIME_LIMIT)
    app: Any = create_app(settings, runner=recorder)
    with TestClient(app) as client:
        api_login(client)
        client.post("/api/legevakter", json={"eksempel": "small"})
        job_id = client.post("/api/legevakter/fjellvik/planer", json={}).json()["id"]
        r = client.post(f"/api/planer/{job_id}/avbryt")
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "cancelled" and "Avbrutt av leder" in r.json()["melding"]
        assert recorder.cancelled == [job_id]
        again = client.post(f"/api/planer/{job_id}/avbryt")
        assert again.status_code == 409 and "kan ikke avbrytes" in again.json()["feil"]["melding"]
        run_job(app.state.sessions, job_id)  # the worker gets it late: nothing happens
        assert client.get(f"/api/planer/{job_id}").json()["status"] == "cancelled"
        assert "avbrutt" in client.get(f"/planer/{job_id}").text
        assert client.post("/api/legevakter/fjellvik/planer", json={}).status_code == 202
        log = client.get("/api/legevakter/fjellvik/logg").json()
        assert any(e["handling"] == "plan_avbrutt" for e in log), log
    app.state.engine.dispose()


def test_resend_lost_sends_a_long_queued_job_again_once(engine: Engine) -> None:
    job_id = _queued_job(engine)
    factory = session_factory(engine)
    assert resend_lost(factory, LEASE) == []  # just made: its message is on its way
    later = utcnow() + dt.timedelta(seconds=LEASE.resend + 1)
    assert resend_lost(factory, LEASE, now=later) == [job_id]
    assert resend_lost(factory, LEASE, now=later) == []  # another process, same round: no copy
    again = later + dt.timedelta(seconds=LEASE.resend + 1)
    assert resend_lost(factory, LEASE, now=again) == [job_id]
    assert claim(factory, job_id, "a:1") is not None
    assert resend_lost(factory, LEASE, now=again + dt.timedelta(hours=1)) == []  # running


def test_resend_lost_counts_from_a_requeue_not_from_the_job_made(engine: Engine) -> None:
    lease = Lease(heartbeat=1.0, lease=10.0, attempts=2, resend=5.0)
    job_id = _queued_job(engine)
    factory = session_factory(engine)
    assert claim(factory, job_id, "a:1") is not None
    later = utcnow() + dt.timedelta(seconds=lease.lease + 1)
    assert reap(factory, lease, now=later) == [job_id]  # queued and sent again at `later`
    # made more than `resend` ago, but sent again only 1 s ago: no copy yet
    assert resend_lost(factory, lease, now=later + dt.timedelta(seconds=1)) == []
    assert resend_lost(factory, lease, now=later + dt.timedelta(seconds=lease.resend + 1)) == [
        job_id
    ]


def test_reaper_outage_logs_one_traceback_then_a_line_per_round(
    engine: Engine, caplog: Any
) -> None:
    """While the database is away the reaper says so once with the traceback, then one line
    per round, and once when it works again."""
    from sqlalchemy.exc import OperationalError

    from web.jobs import Reaper

    real = session_factory(engine)
    away = [True]

    def factory() -> Any:
        if away[0]:
            raise OperationalError("SELECT 1", {}, Exception("connection refused\ndetails"))
        return real()

    reaper = Reaper(factory, LEASE, lambda job_id: None)  # type: ignore[arg-type]  # not started
    caplog.set_level("WARNING", logger="web.jobs")
    for _ in range(3):
        reaper.round()
    away[0] = False
    reaper.round()
    reaper.round()
    records = [r for r in caplog.records if r.name == "web.jobs"]
    assert [r.exc_info is not None for r in records] == [True, False, False, False]
    assert "connection refused" in records[1].getMessage()
    assert "details" not in records[1].getMessage()
    assert records[-1].getMessage() == "reaping jobs works again"
