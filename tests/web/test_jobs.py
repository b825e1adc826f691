"""The job interface: «Lag vaktplan» only queues; a worker solves; progress is stored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from tests.web.conftest import TIME_LIMIT, api_login, assert_no_breaches
from web.app import create_app
from web.deps import Settings
from web.jobs import run_job


class Recorder:
    """A JobRunner that only remembers: shows the request never solves by itself."""

    def __init__(self) -> None:
        self.submitted: list[int] = []
        self.cancelled: list[int] = []

    def submit(self, job_id: int) -> None:
        self.submitted.append(job_id)

    def cancel(self, job_id: int) -> None:
        self.cancelled.append(job_id)

    def shutdown(self) -> None:
        pass


def test_request_only_queues_and_a_worker_solves(tmp_path: Path, template_db: Path) -> None:
    import shutil

    shutil.copyfile(template_db, tmp_path / "jobs.sqlite")
    recorder = Recorder()
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'jobs.sqlite'}", time_limit=TIME_LIMIT)
    app: Any = create_app(settings, runner=recorder)
    with TestClient(app) as client:
        api_login(client)
        client.post("/api/legevakter", json={"eksempel": "small"})
        r = client.post("/api/legevakter/fjellvik/planer", json={"slutt": "2027-01-31"})
        assert r.status_code == 202
        job_id = r.json()["id"]
        assert recorder.submitted == [job_id]
        assert client.get(f"/api/planer/{job_id}").json()["status"] == "queued"
        assert client.get(f"/api/planer/{job_id}/vaktplan").status_code == 409
        page = client.get(f"/planer/{job_id}").text
        assert "i kø" in page and 'id="progress"' in page

        run_job(app.state.sessions, job_id)  # what the worker thread does
        data = client.get(f"/api/planer/{job_id}").json()
        assert data["status"] == "done"
        progress = data["fremdrift"]
        assert progress["done"] is True
        assert [s["stage"] for s in progress["stages"]][:3] == ["coverage", "categories", "total"]
        assert progress["largest_deviation"] is not None and progress["bound"] is not None
        assert_no_breaches(app, job_id)
        run_job(app.state.sessions, job_id)  # a finished job is never solved twice
        assert client.get(f"/api/planer/{job_id}").json()["ferdig"] == data["ferdig"]

        r = client.post("/api/legevakter/fjellvik/planer", json={})
        left = r.json()["id"]
    app.state.engine.dispose()

    # a restart marks the job that was still queued as failed, with a reason
    again: Any = create_app(settings, runner=Recorder())
    with TestClient(again) as client:
        api_login(client)
        data = client.get(f"/api/planer/{left}").json()
        assert data["status"] == "failed"
        assert "startet på nytt" in data["melding"]
        assert "startet på nytt" in client.get(f"/planer/{left}").text
    again.state.engine.dispose()
