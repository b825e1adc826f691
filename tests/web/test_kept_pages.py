"""The calendar and fairness pages of a published version once their plan part is kept: the
page around it is rendered on the event loop (web.plan_pages.kept_or_in_thread), the
sign-in check, the legevakt and the version are one step (web.access.leads_version). The
HTML is the same on either path, and who may see it is checked on every request: a grant
taken away, a session ended by logout or a password change, or an expired session is
refused on the next request."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from tests.web.conftest import page_csrf, page_login, publish_small
from web.models import UserSession

KARI, KARI_PASSWORD = "kari", "fjellviks-leders-passord"
VERSION = "/legevakter/fjellvik/versjoner/1"
PAGES = (VERSION + "/kalender?maned=2027-02", VERSION + "/rettferdighet")


@pytest.fixture
def kari(app: Any, api: TestClient) -> Iterator[TestClient]:
    """Fjellvik published; «kari» leads it, signed in through the form, with both pages
    seen once (so their plan parts are kept)."""
    publish_small(app, api)
    assert api.post("/api/legevakter", json={"eksempel": "innherred"}).status_code == 201
    body = {"brukernavn": KARI, "passord": KARI_PASSWORD, "rolle": "leder"}
    assert api.post("/api/brukere", json={**body, "legevakter": ["fjellvik"]}).status_code == 201
    with TestClient(app) as client:
        page_login(client, KARI, KARI_PASSWORD)
        for path in PAGES:
            assert client.get(path).status_code == 200
        yield client


def _refused_to_login(client: TestClient) -> None:
    for path in PAGES:
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?neste="), path


def test_kept_pages_html_same_as_made_in_a_thread(app: Any, kari: TestClient) -> None:
    """The page served from kept parts is byte for byte the page made with them (same user,
    same session, so the same CSRF token), also after this process forgot the plan."""
    for path in PAGES:
        made = kari.get(path)
        kept = kari.get(path)
        assert made.status_code == kept.status_code == 200
        assert kept.text == made.text
        app.state.facts.clear()  # forgotten: read, parsed and rendered again in a thread
        again = kari.get(path)
        assert again.status_code == 200 and again.text == made.text


def test_kept_pages_grant_taken_away_refused_at_once(
    app: Any, api: TestClient, kari: TestClient
) -> None:
    r = api.put(f"/api/brukere/{KARI}/legevakter", json={"legevakter": ["innherred"]})
    assert r.status_code == 200, r.text
    for path in PAGES:
        refused = kari.get(path)
        assert refused.status_code == 403 and "Ikke tillatt" in refused.text, path
        assert "Februar 2027" not in refused.text and "Antall innenfor" not in refused.text
    log = api.get("/api/legevakter/fjellvik/logg").json()
    assert sum(e["handling"] == "ingen_tilgang" for e in log) == len(PAGES)
    r = api.put(f"/api/brukere/{KARI}/legevakter", json={"legevakter": ["fjellvik"]})
    assert r.status_code == 200, r.text
    assert all(kari.get(path).status_code == 200 for path in PAGES)  # given back: at once


def test_kept_pages_logged_out_session_refused_at_once(app: Any, kari: TestClient) -> None:
    with TestClient(app) as thief:
        thief.cookies.update(kari.cookies)  # a copy of the cookie, made before logout
        assert all(thief.get(path).status_code == 200 for path in PAGES)
        token = page_csrf(kari.get(PAGES[0]).text)
        assert kari.post("/logout", data={"csrf_token": token}).status_code == 200
        _refused_to_login(kari)
        _refused_to_login(thief)


def test_kept_pages_password_changed_refused_at_once(
    app: Any, api: TestClient, kari: TestClient
) -> None:
    r = api.put(f"/api/brukere/{KARI}/passord", json={"passord": "et-helt-nytt-passord"})
    assert r.status_code == 200, r.text
    _refused_to_login(kari)


def test_kept_pages_expired_session_refused(app: Any, kari: TestClient) -> None:
    with app.state.sessions() as s:
        past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        s.execute(update(UserSession).values(expires_at=past))
        s.commit()
    _refused_to_login(kari)


def test_version_access_order_as_before(app: Any, api: TestClient, kari: TestClient) -> None:
    """Not signed in: the login first; then no such legevakt, not its leader, a number that
    is not a number, no such version."""
    with TestClient(app) as stranger:
        for path in (VERSION + "/kalender", "/legevakter/fjellvik/versjoner/x/kalender"):
            r = stranger.get(path, follow_redirects=False)
            assert r.status_code == 303 and r.headers["location"].startswith("/login"), path
    assert kari.get("/legevakter/finnes-ikke/versjoner/1/kalender").status_code == 404
    assert kari.get("/legevakter/innherred/versjoner/x/kalender").status_code == 403
    assert kari.get("/legevakter/innherred/versjoner/1/rettferdighet").status_code == 403
    assert kari.get("/legevakter/fjellvik/versjoner/x/kalender").status_code == 422
    missing = kari.get("/legevakter/fjellvik/versjoner/9/kalender")
    assert missing.status_code == 404 and "Versjonen finnes ikke" in missing.text
