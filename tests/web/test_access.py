"""Roles per legevakt: every route states its access in one place (web.access), and a leader
of one legevakt can neither see nor change another's. Refusals are in the audit log."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.web.conftest import USER, api_login, solve_small
from tests.web.routes import OPEN_PATHS, access_rules, all_routes, concrete
from web import users
from web.models import AuditEntry, LegevaktRow, Role, User, UserGrant

OTHER, OTHER_PASSWORD = "annen", "annen-leders-passord"
OWN, OWN_PASSWORD = "kari", "fjellviks-leders-passord"


@pytest.fixture
def world(app: Any, api: TestClient) -> Iterator[int]:
    """Fjellvik solved and published (by the administrator), Innherred beside it; «annen»
    leads Innherred only, «kari» leads Fjellvik only. Yields Fjellvik's plan id."""
    job_id = solve_small(app, api)
    assert api.post(f"/api/planer/{job_id}/publiser").status_code == 201
    assert api.post("/api/legevakter", json={"eksempel": "innherred"}).status_code == 201
    for name, password, slug in (
        (OTHER, OTHER_PASSWORD, "innherred"),
        (OWN, OWN_PASSWORD, "fjellvik"),
    ):
        body = {"brukernavn": name, "passord": password, "rolle": "leder", "legevakter": [slug]}
        r = api.post("/api/brukere", json=body)
        assert r.status_code == 201, r.text
        assert r.json()["legevakter"] == [slug]
    yield job_id


def _state(api: TestClient) -> dict[str, Any]:
    """Everything a leader of another legevakt must not be able to change."""
    return {
        "yaml": api.get("/api/legevakter/fjellvik").json()["yaml"],
        "versions": api.get("/api/legevakter/fjellvik/versjoner").json(),
        "plans": [p["id"] for p in api.get("/api/legevakter/fjellvik/planer").json()],
        "links": api.get("/api/legevakter/fjellvik/kalenderlenker").json(),
        "users": api.get("/api/brukere").json(),
    }


def _refusals(app: Any) -> list[AuditEntry]:
    with app.state.sessions() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == "ingen_tilgang")))


def test_every_route_refuses_a_leader_of_another_legevakt(
    app: Any, api: TestClient, world: int
) -> None:
    """Walks the app's routes (a route added later is covered too). Each states exactly one
    access rule; as the leader of Innherred, every route that touches Fjellvik, or is for
    administrators, answers 403 and changes nothing; the lists show nothing of Fjellvik."""
    before = _state(api)
    values = {"slug": "fjellvik", "job_id": str(world), "number": "1", "doctor_id": "fv-01"}
    values |= {"fmt": "csv", "section": "absences", "nr": "0", "brukernavn": OWN}
    refused: list[tuple[str, str]] = []
    with TestClient(app) as other:
        api_login(other, OTHER, OTHER_PASSWORD)
        for route in all_routes(app.router.routes):
            rules = access_rules(route)
            if route.path in OPEN_PATHS:
                assert rules == [], route.path
                continue
            assert len(rules) == 1, (route.path, rules)
            for method in sorted(route.methods - {"HEAD"}):
                path = concrete(route.path, values)
                r = other.request(method, path, follow_redirects=False)
                where = (method, route.path, r.status_code)
                if rules[0].touches == "own":
                    assert r.status_code < 500, where
                    assert "fjellvik" not in r.text.lower(), where
                    continue
                assert r.status_code == 403, where
                if path.startswith("/api"):
                    assert r.json()["feil"]["kode"] == "ingen_tilgang", where
                else:
                    assert "Ikke tillatt" in r.text and "tilgang" in r.text, where
                refused.append((method, path))
    assert len(refused) > 45, len(refused)
    assert _state(api) == before
    logged = _refusals(app)
    assert sorted(e.detail for e in logged) == sorted(f"{m} {p}" for m, p in refused)
    assert {e.username for e in logged} == {OTHER}
    with app.state.sessions() as s:
        fjellvik = s.scalar(select(LegevaktRow.id).where(LegevaktRow.slug == "fjellvik"))
    touching = [e for e in logged if e.legevakt_id == fjellvik]
    assert len(touching) == len([p for _, p in refused if "fjellvik" in p or "/planer/" in p])
    # the leader of Fjellvik sees the refusals in Fjellvik's own log
    log = api.get("/api/legevakter/fjellvik/logg").json()
    assert sum(e["handling"] == "ingen_tilgang" for e in log) == len(touching)


def test_leader_works_on_own_legevakt_only(app: Any, world: int) -> None:
    with TestClient(app) as kari:
        api_login(kari, OWN, OWN_PASSWORD)
        assert [r["id"] for r in kari.get("/api/legevakter").json()] == ["fjellvik"]
        assert kari.get(f"/api/planer/{world}/vaktplan").status_code == 200
        assert kari.get("/api/legevakter/fjellvik/kalenderlenker").status_code == 200
        r = kari.post("/api/legevakter/fjellvik/kalenderlenker/forny", json={"lege": "fv-01"})
        assert r.status_code == 200
        assert kari.get("/api/legevakter/innherred").status_code == 403
        r = kari.post("/api/legevakter", json={"eksempel": "small"})
        assert r.status_code == 403  # new legevakter are for administrators
        page = kari.get("/")
        assert "Fjellvik" in page.text and "Innherred" not in page.text
        assert "Ny legevakt" not in page.text and 'href="/brukere"' not in page.text


def test_taking_a_legevakt_away_takes_effect_at_once(app: Any, api: TestClient, world: int) -> None:
    with TestClient(app) as kari:
        api_login(kari, OWN, OWN_PASSWORD)
        assert kari.get("/api/legevakter/fjellvik").status_code == 200
        r = api.put(f"/api/brukere/{OWN}/legevakter", json={"legevakter": ["innherred"]})
        assert r.status_code == 200 and r.json()["legevakter"] == ["innherred"]
        assert kari.get("/api/legevakter/fjellvik").status_code == 403
        assert kari.get("/api/legevakter/innherred").status_code == 200
    actions = [e["handling"] for e in api.get("/api/legevakter/fjellvik/logg").json()]
    assert "leder_fjernet" in actions and "ingen_tilgang" in actions


def test_a_doctor_login_reaches_no_leader_route(app: Any, world: int) -> None:
    """Room for issue 11: a user with the doctor role and a grant for one doctor of Fjellvik
    is signed in like anyone, and refused on every leader route."""
    with app.state.sessions() as s:
        user = users.create_user(s, "lege1", "et-langt-passord", Role.doctor)
        fjellvik = s.scalar(select(LegevaktRow).where(LegevaktRow.slug == "fjellvik"))
        assert fjellvik is not None
        s.add(
            UserGrant(user_id=user.id, legevakt_id=fjellvik.id, doctor_id="fv-01", granted_by=USER)
        )
        s.commit()
    with TestClient(app) as doctor:
        api_login(doctor, "lege1", "et-langt-passord")
        assert doctor.get("/api/legevakter").json() == []
        assert doctor.get("/api/legevakter/fjellvik").status_code == 403
        assert doctor.get(f"/api/planer/{world}").status_code == 403
        assert doctor.get("/api/brukere").status_code == 403


def test_admin_manages_users_and_passwords(app: Any, api: TestClient, world: int) -> None:
    listed = {u["brukernavn"]: u for u in api.get("/api/brukere").json()}
    assert listed[USER]["rolle"] == "administrator"
    assert listed[OWN] == {"brukernavn": OWN, "rolle": "leder", "legevakter": ["fjellvik"]}
    r = api.post("/api/brukere", json={"brukernavn": "x", "passord": "kort", "rolle": "leder"})
    assert r.status_code == 422 and "minst 8 tegn" in r.json()["feil"]["melding"]
    r = api.post(
        "/api/brukere",
        json={"brukernavn": "y", "passord": "et-langt-passord", "legevakter": ["finnes-ikke"]},
    )
    assert r.status_code == 404
    r = api.put(f"/api/brukere/{USER}/legevakter", json={"legevakter": ["fjellvik"]})
    assert r.status_code == 422  # an administrator has every legevakt already
    assert api.delete(f"/api/brukere/{USER}").status_code == 409  # not oneself
    assert api.delete(f"/api/brukere/{OTHER}").status_code == 200
    with TestClient(app) as other:
        r = other.post("/api/innlogging", json={"brukernavn": OTHER, "passord": OTHER_PASSWORD})
        assert r.status_code == 401
    with app.state.sessions() as s:
        assert s.scalar(select(User).where(User.username == OTHER)) is None


def test_admin_pages_make_a_leader(app: Any, pages: tuple[TestClient, str], world: int) -> None:
    client, token = pages
    page = client.get("/brukere")
    assert page.status_code == 200 and OWN in page.text
    r = client.post(
        "/brukere",
        data={
            "csrf_token": token,
            "brukernavn": "nyleder",
            "passord": "et-langt-passord",
            "rolle": "leder",
            "legevakter": ["fjellvik", "innherred"],
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    with app.state.sessions() as s:
        user = users.named_user(s, "nyleder")
        assert [row.slug for row in users.led_legevakter(s, user)] == ["fjellvik", "innherred"]
    r = client.post(
        "/brukere",
        data={"csrf_token": token, "brukernavn": "nyleder", "passord": "et-langt-passord"},
    )
    assert r.status_code == 409 and "finnes fra før" in r.text
