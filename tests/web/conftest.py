"""Fixtures for the web app: an app on a throwaway SQLite file, a logged-in API client, a
logged-in page client, a solved example plan, a published plan with a doctor then away (for
re-planning), and a migrated database on SQLite and on PostgreSQL (`engine`, `session`)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from roster.checker import check
from web import store, users
from web.app import create_app
from web.db import make_engine, migrate, session_factory
from web.deps import Settings

USER = "leder"
PASSWORD = "riktig-hemmelig-passord"
#: examples/small solves to proven optimality in about a second and a half.
TIME_LIMIT = 5.0


def make_app(url: str) -> Any:
    app = create_app(Settings(database_url=url, time_limit=TIME_LIMIT, solver_workers=2))
    with app.state.sessions() as s:
        users.create_user(s, USER, PASSWORD)
        s.commit()
    return app


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file with the test leader, made once and copied for each test."""
    return build_template(tmp_path_factory.mktemp("template") / "web.sqlite")


def build_template(path: Path) -> Path:
    application = make_app(f"sqlite:///{path}")
    application.state.runner.shutdown()
    application.state.engine.dispose()
    return path


def app_from_template(template: Path, folder: Path) -> Any:
    target = folder / "web.sqlite"
    shutil.copyfile(template, target)
    return create_app(
        Settings(database_url=f"sqlite:///{target}", time_limit=TIME_LIMIT, solver_workers=2)
    )


@pytest.fixture
def app(tmp_path: Path, template_db: Path) -> Iterator[Any]:
    application = app_from_template(template_db, tmp_path)
    yield application
    application.state.runner.shutdown()
    application.state.engine.dispose()


def api_login(client: TestClient, user: str = USER, password: str = PASSWORD) -> str:
    r = client.post("/api/innlogging", json={"brukernavn": user, "passord": password})
    assert r.status_code == 200, r.text
    token = r.json()["csrf_token"]
    client.headers["X-CSRF-Token"] = token
    return str(token)


@pytest.fixture
def api(app: Any) -> Iterator[TestClient]:
    with TestClient(app) as client:
        api_login(client)
        yield client


CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def page_csrf(html: str) -> str:
    m = CSRF_RE.search(html)
    assert m, "no CSRF field on the page"
    return m.group(1)


def page_login(client: TestClient, user: str = USER, password: str = PASSWORD) -> str:
    """Sign `client` in through the login form; the CSRF token of the page it lands on."""
    token = page_csrf(client.get("/login").text)
    r = client.post(
        "/login",
        data={"brukernavn": user, "passord": password, "neste": "/", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return page_csrf(client.get("/").text)


@pytest.fixture
def pages(app: Any) -> Iterator[tuple[TestClient, str]]:
    """A client logged in through the login form, and its CSRF token."""
    with TestClient(app) as client:
        yield client, page_login(client)


def solve_small(app: Any, client: TestClient) -> int:
    """Create examples/small through the API, solve it and return the finished job's id."""
    r = client.post("/api/legevakter", json={"eksempel": "small"})
    assert r.status_code in (201, 409), r.text
    r = client.post("/api/legevakter/fjellvik/planer", json={})
    assert r.status_code == 202, r.text
    job_id = int(r.json()["id"])
    app.state.runner.wait(job_id, timeout=120)
    data = client.get(f"/api/planer/{job_id}").json()
    assert data["status"] == "done", data
    return job_id


def forget_rendered(app: Any) -> None:
    """Drop the calendar and export bodies every process shares (web.renders), as if none
    had been asked for yet."""
    from web.renders import forget

    with app.state.sessions() as s:
        forget(s, app.state.renders)


def assert_no_breaches(app: Any, job_id: int) -> None:
    """The oracle: the stored roster passes roster's checker with no breaches at all."""
    with app.state.sessions() as s:
        job = store.job(s, job_id)
        assert job.roster is not None
        instance = store.instance_from_text(job.instance_yaml)
        result = check(instance, store.roster_from_json(job.roster))
    assert result.breaches == (), [str(b) for b in result.breaches]
    assert len(store.roster_from_json(job.roster).assignments) > 0


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'storage.sqlite'}"
    else:
        url = request.getfixturevalue("postgres_url")
    eng = make_engine(url)
    if request.param == "postgresql":
        with eng.begin() as conn:  # a clean schema for every test
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    migrate(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with session_factory(engine)() as s:
        yield s


def publish_small(app: Any, api: TestClient) -> int:
    """examples/small solved, checked and published as version 1; returns the job id."""
    job_id = solve_small(app, api)
    assert_no_breaches(app, job_id)
    assert api.post(f"/api/planer/{job_id}/publiser").status_code in (200, 201)
    return job_id


def doctor_client(app: Any, doctor_id: str, slug: str = "fjellvik") -> tuple[TestClient, str]:
    """A browser of one doctor, signed in with a fresh one-time link; and its CSRF token."""
    from web import links

    with app.state.sessions() as s:
        token = links.create_link(s, store.legevakt(s, slug), doctor_id, USER)
        s.commit()
    client = TestClient(app)
    r = client.get(f"/inn/{token}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/min-side"
    return client, page_csrf(client.get("/min-side").text)


def solve_small_to_february(app: Any, api: TestClient) -> int:
    """examples/small planned to the end of February 2027, solved and checked; the job id."""
    api.post("/api/legevakter", json={"eksempel": "small"})
    job_id = api.post("/api/legevakter/fjellvik/planer", json={"slutt": "2027-02-28"}).json()["id"]
    app.state.runner.wait(job_id, timeout=120)
    assert_no_breaches(app, job_id)
    return int(job_id)


def publish_then_send_away(api: TestClient, job_id: int) -> tuple[list[dict[str, str]], str]:
    """Publish the plan as version 1, then give a doctor on duty after 16 February 2027 a
    course from then to the month's end (in the plan file). Version 1's rows and the
    doctor's id."""
    assert api.post(f"/api/planer/{job_id}/publiser").json()["nummer"] == 1
    v1: list[dict[str, str]] = api.get("/api/legevakter/fjellvik/versjoner/1").json()["rader"]
    away = next(r for r in v1 if r["date"] >= "2027-02-16" and r["doctor_id"])["doctor_id"]
    text = (
        api.get("/api/legevakter/fjellvik")
        .json()["yaml"]
        .replace(
            "absences:\n",
            f"absences:\n- doctor: {away}\n  kind: course\n  start: 2027-02-16\n  end: 2027-02-28\n",
            1,
        )
    )
    assert api.put("/api/legevakter/fjellvik/planfil", json={"yaml": text}).status_code == 200
    return v1, away
