"""A doctor's sign-in link: one use, expiring, revocable by the leader, a new one ending the
old; the optional password a doctor may set in the session a link opened, and only there."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update

from tests.web.conftest import USER, page_csrf, page_login
from web import links, store
from web.models import DoctorLink

GONE = "Lenken er brukt, trukket tilbake eller utløpt"


def _legevakt(api: TestClient) -> None:
    assert api.post("/api/legevakter", json={"eksempel": "small"}).status_code in (201, 409)


def _link(app: Any, doctor_id: str = "fv-02") -> str:
    with app.state.sessions() as s:
        token = links.create_link(s, store.legevakt(s, "fjellvik"), doctor_id, USER)
        s.commit()
    return token


def _opens(app: Any, token: str) -> bool:
    r = TestClient(app).get(f"/inn/{token}", follow_redirects=False)
    if r.status_code == 303:
        return True
    assert r.status_code == 404 and GONE in r.text
    return False


def test_sign_in_link_expired_is_refused(app: Any, api: TestClient) -> None:
    _legevakt(api)
    token = _link(app)
    with app.state.sessions() as s:
        past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
        s.execute(update(DoctorLink).values(expires_at=past))
        s.commit()
    assert not _opens(app, token)


def test_sign_in_link_revoked_by_the_leader_or_replaced_is_refused(
    app: Any, api: TestClient
) -> None:
    _legevakt(api)
    old = _link(app)
    new = _link(app)  # a new link ends the old one
    assert not _opens(app, old)
    leader = TestClient(app)
    csrf = page_login(leader)
    r = leader.post(
        "/legevakter/fjellvik/leger/fv-02/innloggingslenke",
        data={"csrf_token": csrf, "handling": "trekk"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert not _opens(app, new)
    assert _opens(app, _link(app))  # a fresh one works, once
    with app.state.sessions() as s:
        actions = [e.action for e in store.audit_entries(s, store.legevakt(s, "fjellvik"))]
    assert "innloggingslenke_trukket" in actions


def test_doctor_password_is_optional_and_set_only_in_the_link_session(
    app: Any, api: TestClient
) -> None:
    _legevakt(api)
    doctor = TestClient(app)
    assert doctor.get(f"/inn/{_link(app)}", follow_redirects=False).status_code == 303
    page = doctor.get("/min-side/passord")
    assert page.status_code == 200 and 'name="nytt"' in page.text
    username = page.text.split('class="username">')[1].split("<")[0]
    r = doctor.post(
        "/min-side/passord",
        data={"csrf_token": page_csrf(page.text), "nytt": "kort"},
    )
    assert r.status_code == 422 and "minst 8 tegn" in r.text  # nothing set
    r = doctor.post(
        "/min-side/passord",
        data={"csrf_token": page_csrf(page.text), "nytt": "legens-eget-passord"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/min-side?passord=1"
    # the same browser, now an ordinary session: no password without the current one
    again = doctor.get("/min-side/passord")
    assert 'name="nytt"' not in again.text
    r = doctor.post(
        "/min-side/passord", data={"csrf_token": page_csrf(again.text), "nytt": "et-annet-passord"}
    )
    assert r.status_code == 403
    # another browser signs in with the user name and password at the ordinary login
    other = TestClient(app)
    r = other.post(
        "/login",
        data={
            "brukernavn": username,
            "passord": "legens-eget-passord",
            "neste": "/min-side/passord",
            "csrf_token": page_csrf(other.get("/login").text),
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert username in other.get("/min-side/passord").text
