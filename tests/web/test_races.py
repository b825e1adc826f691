"""Publishing and solving are serialised per legevakt in the database, on SQLite and on
PostgreSQL: two at once give a version each or a 409, never a 500 and never two solves."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from roster.checker import CheckResult
from tests.web.conftest import TIME_LIMIT, api_login, make_app
from web import store
from web.db import session_factory
from web.errors import AppError
from web.models import LegevaktRow, SolveJob


def _finished_job(engine: Engine) -> tuple[int, int]:
    """Fjellvik and a finished (empty: only holes) plan of it: (legevakt id, job id)."""
    with session_factory(engine)() as s:
        row = store.create_legevakt(s, store.example_text("small"), "kari")
        job = store.create_job(s, row, "kari", TIME_LIMIT)
        job.status, job.roster, job.report = "done", {"assignments": []}, {}
        s.commit()
        return row.id, job.id


def _another_finished_job(engine: Engine, legevakt_id: int) -> int:
    with session_factory(engine)() as s:
        row = s.get(LegevaktRow, legevakt_id)
        assert row is not None
        job = store.create_job(s, row, "kari", TIME_LIMIT)
        job.status, job.roster, job.report = "done", {"assignments": []}, {}
        s.commit()
        return job.id


def _together(monkeypatch: pytest.MonkeyPatch) -> None:
    """Both publishers are inside `publish` (in the checker) before either goes on."""
    barrier = threading.Barrier(2, timeout=60)
    real: Callable[..., CheckResult] = store.check

    def check(*args: Any) -> CheckResult:
        barrier.wait()
        return real(*args)

    monkeypatch.setattr(store, "check", check)


def _publish_at_once(engine: Engine, job_ids: list[int]) -> list[object]:
    factory = session_factory(engine)
    results: list[object] = []

    def publish(job_id: int) -> None:
        with factory() as s:
            job = s.get(SolveJob, job_id)
            assert job is not None
            try:
                results.append(store.publish(s, job, "kari").number)
            except AppError as err:
                results.append((err.status, err.kode))
            except Exception as exc:  # what the bug looked like: the test must see it
                results.append(type(exc).__name__)

    threads = [threading.Thread(target=publish, args=(j,)) for j in job_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(results, key=str)


def test_two_publications_of_one_plan_give_one_version_and_a_409(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    legevakt_id, job_id = _finished_job(engine)
    _together(monkeypatch)
    assert _publish_at_once(engine, [job_id, job_id]) == [(409, "allerede_publisert"), 1]
    with session_factory(engine)() as s:
        assert [v.number for v in store.versions(s, s.get(LegevaktRow, legevakt_id))] == [1]


def test_two_plans_published_at_once_are_numbered_one_after_the_other(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    legevakt_id, first = _finished_job(engine)
    second = _another_finished_job(engine, legevakt_id)
    _together(monkeypatch)
    assert _publish_at_once(engine, [first, second]) == [1, 2]


def test_one_active_solve_per_legevakt_in_the_database(engine: Engine) -> None:
    """The partial unique index holds even for writers that skip the store's check."""
    legevakt_id, _ = _finished_job(engine)
    with session_factory(engine)() as s:
        for _ in range(2):
            s.add(
                SolveJob(
                    legevakt_id=legevakt_id,
                    status="queued",
                    instance_yaml="x",
                    created_by="kari",
                    progress={},
                )
            )
        with pytest.raises(IntegrityError):
            s.commit()


def test_solves_started_at_once_run_one(engine: Engine) -> None:
    legevakt_id, _ = _finished_job(engine)
    factory = session_factory(engine)
    barrier = threading.Barrier(2, timeout=60)
    results: list[object] = []

    def start() -> None:
        with factory() as s:
            row = s.get(LegevaktRow, legevakt_id)
            assert row is not None
            barrier.wait()
            try:
                job = store.create_job(s, row, "kari", TIME_LIMIT)
                store.commit_job(s, row)
                results.append(job.status)
            except AppError as err:
                results.append((err.status, err.kode))

    threads = [threading.Thread(target=start) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results, key=str) == [(409, "lager_allerede"), "queued"]


class HeldRunner:
    """Keeps submitted jobs queued (a solve that has not finished yet)."""

    def submit(self, job_id: int) -> None:
        pass

    def cancel(self, job_id: int) -> None:
        pass

    def shutdown(self) -> None:
        pass


def test_second_solve_while_one_runs_is_a_409_with_a_message(engine: Engine) -> None:
    app = make_app(str(engine.url.render_as_string(hide_password=False)))
    app.state.runner.shutdown()
    app.state.runner = HeldRunner()
    try:
        with TestClient(app) as client:
            api_login(client)
            client.post("/api/legevakter", json={"eksempel": "small"})
            first = client.post("/api/legevakter/fjellvik/planer", json={})
            assert first.status_code == 202
            second = client.post("/api/legevakter/fjellvik/planer", json={})
            assert second.status_code == 409, second.text
            melding = second.json()["feil"]["melding"]
            assert f"lages allerede for denne legevakten (plan {first.json()['id']})" in melding
    finally:
        app.state.engine.dispose()
