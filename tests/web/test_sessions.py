"""Sessions live on the server: logout and a password change end them, a copied cookie with
them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update
from typer.testing import CliRunner

from tests.web.conftest import PASSWORD, USER, api_login, page_csrf
from web.models import UserSession


def _copy(app: Any, source: TestClient) -> TestClient:
    """Another client holding a copy of `source`'s cookies and CSRF header (a stolen cookie)."""
    thief = TestClient(app)
    thief.cookies.update(source.cookies)
    thief.headers["X-CSRF-Token"] = source.headers["X-CSRF-Token"]
    return thief


def test_session_copied_before_logout_is_dead_after_logout(app: Any) -> None:
    with TestClient(app) as client:
        api_login(client)
        with _copy(app, client) as thief:
            assert thief.get("/api/legevakter").status_code == 200
            assert client.post("/api/utlogging").status_code == 200
            r = thief.get("/api/legevakter")
            assert r.status_code == 401 and r.json()["feil"]["kode"] == "ikke_innlogget"


def test_page_logout_ends_the_session_for_a_copied_cookie(app: Any) -> None:
    with TestClient(app) as client:
        token = page_csrf(client.get("/login").text)
        client.post("/login", data={"brukernavn": USER, "passord": PASSWORD, "csrf_token": token})
        token = page_csrf(client.get("/").text)
        with TestClient(app) as thief:
            thief.cookies.update(client.cookies)
            assert thief.get("/", follow_redirects=False).status_code == 200
            client.post("/logout", data={"csrf_token": token})
            assert thief.get("/", follow_redirects=False).status_code == 303


def test_password_change_ends_every_session(app: Any) -> None:
    with TestClient(app) as laptop, TestClient(app) as phone:
        api_login(laptop)
        api_login(phone)
        with _copy(app, laptop) as thief:
            r = laptop.put(
                "/api/konto/passord", json={"gammelt": PASSWORD, "nytt": "et-helt-nytt-passord"}
            )
            assert r.status_code == 200, r.text
            assert phone.get("/api/legevakter").status_code == 401
            assert thief.get("/api/legevakter").status_code == 401
        # the client that changed it goes on with a new session and CSRF token
        laptop.headers["X-CSRF-Token"] = r.json()["csrf_token"]
        assert laptop.get("/api/legevakter").status_code == 200
        assert laptop.post("/api/legevakter", json={"eksempel": "small"}).status_code == 201
    with TestClient(app) as again:
        r = again.post("/api/innlogging", json={"brukernavn": USER, "passord": PASSWORD})
        assert r.status_code == 401
        api_login(again, USER, "et-helt-nytt-passord")


def test_wrong_current_password_changes_nothing(app: Any) -> None:
    with TestClient(app) as client:
        api_login(client)
        r = client.put("/api/konto/passord", json={"gammelt": "feil", "nytt": "et-nytt-passord"})
        assert r.status_code == 422 and r.json()["feil"]["kode"] == "feil_passord"
        assert client.get("/api/legevakter").status_code == 200
    with TestClient(app) as again:
        api_login(again)


def test_cli_new_password_ends_every_session(app: Any, monkeypatch: Any) -> None:
    from legevakt.cli import app as cli

    url = str(app.state.engine.url)
    monkeypatch.setenv("DATABASE_URL", url)
    with TestClient(app) as client:
        api_login(client)
        r = CliRunner().invoke(cli, ["create-admin", "-u", USER, "--password", "nytt-passord-1"])
        assert r.exit_code == 0, r.output
        assert client.get("/api/legevakter").status_code == 401


def test_expired_session_is_refused(app: Any) -> None:
    with TestClient(app) as client:
        api_login(client)
        with app.state.sessions() as s:
            past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
            s.execute(update(UserSession).values(expires_at=past))
            s.commit()
        assert client.get("/api/legevakter").status_code == 401


def test_login_gives_a_new_session_each_time(app: Any) -> None:
    """No session fixation: a cookie set before login is not the one used after it."""
    with TestClient(app) as client:
        api_login(client)
        with _copy(app, client) as before:
            api_login(client)  # logging in again replaces the session
            assert before.get("/api/legevakter").status_code == 401
            assert client.get("/api/legevakter").status_code == 200


def test_a_new_login_clears_expired_sessions(app: Any) -> None:
    with TestClient(app) as old:
        api_login(old)
    with app.state.sessions() as s:
        s.execute(update(UserSession).values(expires_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC)))
        s.commit()
    with TestClient(app) as new:
        api_login(new)
    with app.state.sessions() as s:
        assert s.query(UserSession).count() == 1
