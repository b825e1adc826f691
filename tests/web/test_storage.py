"""Storage on SQLite and on PostgreSQL: migrations, constraints, JSON, aware times, and the
store functions the pages and the API use."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from roster.errors import InputError
from web import store, users
from web.db import downgrade_all, migrate, session_factory
from web.errors import AppError
from web.models import AuditEntry, PublishedVersion, SolveJob

TABLES = {
    "users",
    "legevakter",
    "solve_jobs",
    "published_versions",
    "feed_tokens",
    "audit_log",
    "app_settings",
    "user_grants",
    "user_sessions",
    "login_failures",
    "doctor_links",
    "duty_offers",
    "duty_changes",
    "notifications",
    "legevakt_policies",
    "doctor_requests",
}


def small_text() -> str:
    return store.example_text("small")


def test_migrations_create_every_table_and_run_twice(engine: Engine) -> None:
    assert TABLES <= set(inspect(engine).get_table_names())
    migrate(engine)  # upgrade head again: nothing to do, no error
    downgrade_all(engine)
    assert not TABLES & set(inspect(engine).get_table_names())
    migrate(engine)
    assert TABLES <= set(inspect(engine).get_table_names())


def test_users_hash_passwords_and_names_are_unique(session: Session) -> None:
    user = users.create_user(session, "kari", "et-langt-passord")
    session.commit()
    assert user.password_hash.startswith("$argon2")
    assert "et-langt-passord" not in user.password_hash
    assert users.authenticate(session, "kari", "et-langt-passord") is not None
    assert users.authenticate(session, "kari", "feil-passord") is None
    assert users.authenticate(session, "ukjent", "et-langt-passord") is None
    with pytest.raises(AppError) as err:
        users.create_user(session, "kari", "et-annet-passord")
    assert err.value.status == 409


def test_legevakt_text_is_validated_and_nothing_saved_on_error(session: Session) -> None:
    row = store.create_legevakt(session, small_text(), "kari")
    session.commit()
    assert row.slug == "fjellvik"
    before = row.instance_yaml
    broken = before.replace("start: 2027-01-04", "start: 2027-13-04", 1)
    with pytest.raises(InputError) as err:
        store.save_text(session, row, broken, "kari", "planfil_endret")
    session.rollback()
    assert any(p.line for p in err.value.problems), "the problem names its line"
    assert store.legevakt(session, "fjellvik").instance_yaml == before
    with pytest.raises(AppError):
        store.create_legevakt(session, small_text(), "kari")  # same id twice


def test_jobs_versions_tokens_and_audit_round_trip(session: Session) -> None:
    row = store.create_legevakt(session, small_text(), "kari")
    job = store.create_job(session, row, "kari", 5.0)
    session.commit()
    instance = store.instance_from_text(job.instance_yaml)
    shift = instance.shifts[0]
    job.status = "done"
    job.roster = {"assignments": [{"shift_id": shift.id, "doctor_id": "fv-01"}]}
    job.report = {"breaches": {"count": 1, "by_rule": {"coverage": 1}}, "æøå": "ÆØÅ"}
    job.progress = {"stage": "total", "largest_deviation": 0.5, "bound": 0.5}
    session.commit()

    v1 = store.publish(session, job, "kari")
    session.commit()
    with pytest.raises(AppError) as again:
        store.publish(session, job, "kari")
    assert again.value.kode == "allerede_publisert"
    job2 = store.create_job(session, row, "kari", 5.0)
    job2.status, job2.roster, job2.report = "done", job.roster, job.report
    session.commit()
    v2 = store.publish(session, job2, "kari")
    session.commit()
    assert (v1.number, v2.number) == (1, 2)
    assert v1.published_at.tzinfo is not None
    assert store.latest_version(session, row.id).number == 2  # type: ignore[union-attr]
    assert store.previous_version(session, v2).number == 1  # type: ignore[union-attr]
    session.expire_all()
    stored = session.get(SolveJob, job.id)
    assert stored is not None and stored.report is not None
    assert stored.report["æøå"] == "ÆØÅ"
    assert stored.progress["bound"] == 0.5
    assert stored.created_at.tzinfo == dt.UTC

    # one live token per doctor and one for the whole legevakt, made at the first publication
    token = store.active_token(session, row.id, "fv-01")
    assert token is not None and len(token.token) >= 43
    assert store.find_feed(session, token.token) is not None
    new = store.rotate_token(session, row, "fv-01", "kari")
    session.commit()
    assert store.find_feed(session, token.token) is None
    assert store.find_feed(session, new.token) is not None
    store.revoke_token(session, row, "fv-01", "kari")
    session.commit()
    assert store.find_feed(session, new.token) is None
    assert store.find_feed(session, "") is None

    actions = [e.action for e in store.audit_entries(session, row)]
    for action in ("legevakt_opprettet", "plan_startet", "publisert", "kalenderlenke_fornyet"):
        assert action in actions
    assert all(
        isinstance(e, AuditEntry) and e.username == "kari"
        for e in store.audit_entries(session, row)
    )


def test_version_numbers_are_unique_per_legevakt(session: Session) -> None:
    row = store.create_legevakt(session, small_text(), "kari")
    session.commit()
    now = dt.datetime.now(dt.UTC)
    for _ in range(2):
        session.add(
            PublishedVersion(
                legevakt_id=row.id,
                number=1,
                instance_yaml="x",
                roster={},
                published_by="kari",
                published_at=now,
            )
        )
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()


def test_app_runs_on_this_database(engine: Engine, tmp_path: Path) -> None:
    """The whole app (login, create, solve, publish, feed) on the same backend."""
    from fastapi.testclient import TestClient

    from tests.web.conftest import api_login, assert_no_breaches, make_app

    app: Any = make_app(str(engine.url.render_as_string(hide_password=False)))
    try:
        with TestClient(app) as client:
            api_login(client)
            assert client.post("/api/legevakter", json={"eksempel": "small"}).status_code == 201
            assert [r["id"] for r in client.get("/api/legevakter").json()] == ["fjellvik"]
            job = client.post("/api/legevakter/fjellvik/planer", json={"slutt": "2027-01-24"})
            app.state.runner.wait(job.json()["id"], timeout=120)
            assert_no_breaches(app, job.json()["id"])
            assert client.get(f"/api/planer/{job.json()['id']}").json()["fremdrift"]["stages"]
            assert client.post(f"/api/planer/{job.json()['id']}/publiser").status_code == 201
            url = client.get("/api/legevakter/fjellvik/kalenderlenker").json()[0]["url"]
            feed = client.get(url)
            assert feed.status_code == 200 and b"BEGIN:VEVENT" in feed.content
    finally:
        app.state.runner.shutdown()
        app.state.engine.dispose()


def test_publish_runs_the_checker_and_refuses_breaches(session: Session) -> None:
    """A roster with a doctor on duty during her holiday is never published, whatever the
    stored report says."""
    row = store.create_legevakt(session, small_text(), "kari")
    job = store.create_job(session, row, "kari", 5.0)
    job.status = "done"
    job.roster = {"assignments": [{"shift_id": "2027-02-23:kveld", "doctor_id": "fv-02"}]}
    job.report = {"breaches": {"count": 0, "by_rule": {}}}
    session.commit()
    with pytest.raises(AppError) as err:
        store.publish(session, job, "kari")
    assert err.value.kode == "regelbrudd"
    assert any("fv-02" in p.message or "Hege" in p.message for p in err.value.problemer)
    session.rollback()
    assert store.latest_version(session, row.id) is None


def test_migration_0003_keeps_users_and_frees_stuck_solves(engine: Engine) -> None:
    """From 0002 with data: every existing user stays an administrator, and solves a stopped
    server left queued or running are failed, so one active solve per legevakt holds."""
    from alembic import command

    from web.db import alembic_config

    cfg = alembic_config(engine)
    command.downgrade(cfg, "0002")
    now = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO users (username, password_hash, is_admin, created_at) "
                "VALUES ('kari', 'x', :t, :now), ('ola', 'x', :f, :now)"
            ),
            {"t": True, "f": False, "now": now},
        )
        conn.execute(
            text(
                "INSERT INTO legevakter (id, slug, name, instance_yaml, created_at, updated_at) "
                "VALUES (1, 'fjellvik', 'Fjellvik', 'x', :now, :now)"
            ),
            {"now": now},
        )
        for status in ("queued", "running", "done"):
            conn.execute(
                text(
                    "INSERT INTO solve_jobs (legevakt_id, status, instance_yaml, time_limit, "
                    "progress, created_by, created_at) "
                    "VALUES (1, :s, 'x', 5, '{}', 'kari', :now)"
                ),
                {"s": status, "now": now},
            )
    migrate(engine)
    with engine.connect() as conn:
        roles = dict(conn.execute(text("SELECT username, role FROM users")).all())
        statuses = sorted(s for (s,) in conn.execute(text("SELECT status FROM solve_jobs")))
    assert roles == {"kari": "admin", "ola": "leader"}
    assert statuses == ["done", "failed", "failed"]
    with session_factory(engine)() as s:
        s.add(
            SolveJob(
                legevakt_id=1, status="queued", instance_yaml="x", created_by="kari", progress={}
            )
        )
        s.commit()
        s.add(
            SolveJob(
                legevakt_id=1, status="running", instance_yaml="x", created_by="kari", progress={}
            )
        )
        with pytest.raises(IntegrityError):
            s.commit()
