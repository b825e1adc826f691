"""Solves on the task queue as deployed: two web processes, two Celery workers, PostgreSQL
and Redis, all on loopback. What one web process starts, the other sees; a worker killed
mid-solve leaves a job that is retried or clearly failed, never stuck; cancelling stops the
solve; twenty queued solves all finish; a plan is published once."""

from __future__ import annotations

import datetime as dt
import re
import signal
import threading
from typing import Any

from roster.checker import check
from tests.deploy.cluster import Cluster, job_state, login, wait_for, wait_job_ended
from web import store

#: A tiny plan (the small example over two weeks): proven optimal in well under a second.
TINY_LIMIT = 5.0


def plan_text(slug: str, weeks: int = 2, example: str = "small") -> str:
    """An example's plan file under another id, over its first `weeks` weeks (0: all)."""
    text = store.example_text(example)
    legevakt = re.search(r"^legevakt:\n  id: (\S+)\n  name: (.+)$", text, re.M)
    period = re.search(r"^period:\n  start: (\S+)\n  end: (\S+)$", text, re.M)
    assert legevakt and period, "the example's layout changed"
    text = text.replace(legevakt.group(0), f"legevakt:\n  id: {slug}\n  name: Legevakt {slug}")
    if weeks:
        first = dt.date.fromisoformat(period.group(1))
        last = first + dt.timedelta(days=7 * weeks - 1)
        text = text.replace(period.group(0), f"period:\n  start: {first}\n  end: {last}")
    return text


def create(client: Any, slug: str, weeks: int = 2, example: str = "small") -> None:
    r = client.post("/api/legevakter", json={"yaml": plan_text(slug, weeks, example)})
    assert r.status_code == 201, r.text


def start(client: Any, slug: str, limit: float = TINY_LIMIT) -> int:
    r = client.post(f"/api/legevakter/{slug}/planer", json={"tidsgrense": limit})
    assert r.status_code == 202, r.text
    return int(r.json()["id"])


def assert_checker_clean(cluster: Cluster, job_id: int) -> None:
    """The oracle: the stored roster passes roster's checker."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    engine = create_engine(cluster.database_url)
    with Session(engine) as s:
        job = store.job(s, job_id)
        assert job.roster is not None
        instance = store.instance_from_text(job.instance_yaml)
        result = check(instance, store.roster_from_json(job.roster))
    engine.dispose()
    assert result.breaches == (), [str(b) for b in result.breaches]


def test_cluster_solve_started_in_one_web_process_is_seen_and_published_in_the_other(
    cluster: Cluster,
) -> None:
    (_, a), (_, b) = cluster.webs
    with login(a) as web_a, login(b) as web_b:
        create(web_a, "delt")
        job_id = start(web_a, "delt")
        assert job_state(web_b, job_id)["status"] in ("queued", "running", "done")
        done = wait_job_ended(web_b, job_id, timeout=120)
        assert done["status"] == "done", done
        assert_checker_clean(cluster, job_id)

        # the session made by web A is valid in web B (sessions live in the database)
        web_b.cookies = web_a.cookies
        web_b.headers["X-CSRF-Token"] = web_a.headers["X-CSRF-Token"]
        # publishing from both at once makes one version, never two
        answers: list[int] = []

        def publish(client: Any) -> None:
            answers.append(client.post(f"/api/planer/{job_id}/publiser").status_code)

        both = [threading.Thread(target=publish, args=(c,)) for c in (web_a, web_b)]
        for t in both:
            t.start()
        for t in both:
            t.join(timeout=120)
        assert sorted(answers) == [201, 409], answers
        versions = web_a.get("/api/legevakter/delt/versjoner").json()
        assert [v["nummer"] for v in versions] == [1]

        # a calendar feed answers the same from both processes; one's tag is the other's 304
        links = web_a.get("/api/legevakter/delt/kalenderlenker").json()
        url = next(link["url"] for link in links if link.get("lege") is None)
        path = url[url.index("/kalender/") :]
        first = httpx_get(a + path)
        second = httpx_get(b + path)
        assert first.status_code == second.status_code == 200
        assert first.content == second.content
        assert first.headers["etag"] == second.headers["etag"]
        again = httpx_get(b + path, {"If-None-Match": first.headers["etag"]})
        assert again.status_code == 304


def httpx_get(url: str, headers: dict[str, str] | None = None) -> Any:
    import httpx

    return httpx.get(url, headers=headers or {}, timeout=30)


def test_cluster_worker_killed_mid_solve_ends_retried_or_failed(cluster: Cluster) -> None:
    (_, a), (_, b) = cluster.webs
    with login(a) as web_a, login(b) as web_b:
        create(web_a, "drept", weeks=0, example="innherred")
        job_id = start(web_a, "drept", limit=6)

        def running_worker() -> int | None:
            data = job_state(web_b, job_id)
            worker = data["arbeider"]
            if data["status"] == "running" and worker:
                return int(str(worker).rsplit(":", 1)[1])
            return None

        pid = wait_for("a worker to claim the job", running_worker, timeout=120)
        victim = cluster.worker_of(pid)
        victim.kill_group(signal.SIGKILL)  # the machine is gone: the worker and its solve
        victim.popen.wait(timeout=30)
        assert job_state(web_b, job_id)["status"] == "running"  # killed mid-solve
        cluster.start_worker()  # a replacement, so the cluster has two again

        end = wait_job_ended(web_b, job_id, timeout=240)
        assert end["status"] in ("done", "failed"), end
        if end["status"] == "done":
            assert end["forsok"] >= 2, end  # solved again by another worker
            assert_checker_clean(cluster, job_id)
        else:
            assert "svarte ikke lenger" in end["melding"], end


def test_cluster_cancel_stops_a_running_solve(cluster: Cluster) -> None:
    (_, a), (_, b) = cluster.webs
    with login(a) as web_a, login(b) as web_b:
        create(web_a, "avbrutt", weeks=0, example="innherred")
        job_id = start(web_a, "avbrutt", limit=300)

        def solving_process() -> int | None:
            data = job_state(web_a, job_id)
            if data["status"] == "running" and data["arbeider"]:
                return int(str(data["arbeider"]).rsplit(":", 1)[1])
            return None

        pid = wait_for("the solve to start", solving_process, timeout=120)
        r = web_b.post(f"/api/planer/{job_id}/avbryt")
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "cancelled"
        assert web_a.post(f"/api/planer/{job_id}/avbryt").status_code == 409
        # the process that solved it is stopped (Celery revokes with terminate)
        wait_for("the solving process to end", lambda: not pid_alive(pid) or None, timeout=60)
        # the legevakt is free for a new plan at once, and the workers go on solving
        second = start(web_a, "avbrutt", limit=TINY_LIMIT)
        assert web_a.post(f"/api/planer/{second}/avbryt").status_code in (200, 409)
        create(web_a, "etter-avbrutt")
        third = start(web_a, "etter-avbrutt")
        assert wait_job_ended(web_b, third, timeout=120)["status"] == "done"
        # the cancelled solve stored nothing, and stays cancelled
        assert job_state(web_b, job_id)["status"] == "cancelled"
        assert web_b.get(f"/api/planer/{job_id}/vaktplan").status_code == 409


def pid_alive(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_cluster_twenty_queued_solves_all_finish(cluster: Cluster) -> None:
    (_, a), (_, b) = cluster.webs
    with login(a) as web_a, login(b) as web_b:
        slugs = [f"ko-{i:02d}" for i in range(20)]
        for i, slug in enumerate(slugs):
            create(web_a if i % 2 else web_b, slug, weeks=1)
        jobs = [start(web_a if i % 2 else web_b, slug) for i, slug in enumerate(slugs)]

        def all_ended() -> list[dict[str, Any]] | None:
            states = [job_state(web_a, j) for j in jobs]
            return states if all(s["status"] not in ("queued", "running") for s in states) else None

        states = wait_for("twenty solves to end", all_ended, timeout=300, every=0.5)
        assert [s["status"] for s in states] == ["done"] * 20, states
        for j in jobs[::5]:
            assert_checker_clean(cluster, j)
