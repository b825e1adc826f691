"""The pages of a draft plan (/planer/{id}/…) once this process keeps the plan: access is
checked in one step (web.access.leads_job: the sign-in check and one query for the plan,
its legevakt and its publication, the large texts left unread), and the plan's facts, week
grids, a doctor's counts and duties and the changes a publication would make are kept
(web.facts, keyed by the plan's id and when it finished). The pages show what they showed
before, on every path; who may see them is checked on every request."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from roster.formats.exchange import roster_csv_text
from tests.web.conftest import page_csrf, page_login, publish_small, solve_small
from web import preview, store, views

KARI, KARI_PASSWORD = "kari", "fjellviks-leders-passord"
OLA, OLA_PASSWORD = "ola", "innherreds-leders-passord"


@dataclass
class Draft:
    published: int  # the job published as version 1
    job: int  # a later solve of the same legevakt, not published
    paths: tuple[str, ...]
    changed: int  # doctors whose duties publishing the draft would change


def _leader(api: TestClient, name: str, password: str, slug: str) -> None:
    body = {"brukernavn": name, "passord": password, "rolle": "leder", "legevakter": [slug]}
    assert api.post("/api/brukere", json=body).status_code == 201


@pytest.fixture
def draft(app: Any, api: TestClient) -> Draft:
    published = publish_small(app, api)
    job = solve_small(app, api)
    assert api.post("/api/legevakter", json={"eksempel": "innherred"}).status_code == 201
    _leader(api, KARI, KARI_PASSWORD, "fjellvik")
    _leader(api, OLA, OLA_PASSWORD, "innherred")
    with app.state.sessions() as s:  # what the pages should show, from the stored rows
        j = store.job(s, job)
        instance, roster = (
            store.instance_from_text(j.instance_yaml),
            store.roster_from_json(j.roster),
        )
        last = store.latest_version(s, j.legevakt_id)
        assert last is not None and last.number == 1
        old = (store.instance_from_text(last.instance_yaml), store.roster_from_json(last.roster))
        changed = len(preview.doctor_changes(*old, instance, roster))
    week = views.weeks_of(instance)[1][0]
    doctor = min(roster.by_doctor())
    base = f"/planer/{job}"
    paths = (
        base,
        base + "/kalender?maned=2027-02",
        base + f"/uke?uke={week}",
        base + "/rettferdighet",
        base + f"/leger/{doctor}",
        base + "/eksport.csv",
    )
    return Draft(published, job, paths, changed)


@pytest.fixture
def kari(app: Any, draft: Draft) -> Iterator[TestClient]:
    """«kari» leads Fjellvik, signed in through the form, with every draft page seen once
    (so what they show is kept)."""
    with TestClient(app) as client:
        page_login(client, KARI, KARI_PASSWORD)
        for path in draft.paths:
            assert client.get(path).status_code == 200, path
        yield client


def test_draft_pages_same_when_kept_and_after_forgotten(
    app: Any, draft: Draft, kari: TestClient
) -> None:
    """Byte for byte the same page from kept parts and made again after the process forgot
    the plan (same session, so the same CSRF token)."""
    for path in draft.paths:
        kept = kari.get(path)
        app.state.facts.clear()  # forgotten: read, parsed and computed again
        again = kari.get(path)
        assert kept.status_code == again.status_code == 200, path
        assert again.content == kept.content, path


def test_draft_pages_show_the_draft(app: Any, draft: Draft, kari: TestClient) -> None:
    overview = kari.get(draft.paths[0]).text
    assert f"Utkast (plan {draft.job})" in overview
    assert "Før du publiserer: endringer mot versjon 1" in overview
    lege = "lege" if draft.changed == 1 else "leger"
    assert f"{draft.changed} {lege} får endrede vakter" in overview
    for path in draft.paths[1:-1]:  # the pages of the plan name it in their crumbs
        assert f"Utkast (plan {draft.job})</a>" in kari.get(path).text, path
    with app.state.sessions() as s:
        j = store.job(s, draft.job)
        csv = roster_csv_text(
            store.instance_from_text(j.instance_yaml), store.roster_from_json(j.roster)
        )
    assert kari.get(draft.paths[-1]).text == csv


def test_draft_pages_follow_a_publication(
    app: Any, api: TestClient, draft: Draft, kari: TestClient
) -> None:
    """What is kept is the plan; whether it is published, and the version its changes are
    shown against, are read on every request."""
    third = solve_small(app, api)  # published as version 2: the draft's changes are against it
    assert api.post(f"/api/planer/{third}/publiser").status_code == 201
    assert "endringer mot versjon 2" in kari.get(draft.paths[0]).text
    assert api.post(f"/api/planer/{draft.job}/publiser").status_code == 201
    title = f"Plan {draft.job}, publisert som versjon 3"
    for path in draft.paths[:-1]:
        page = kari.get(path).text
        assert title in page and "Utkast" not in page, path
    assert "endringer mot versjon" not in kari.get(draft.paths[0]).text


def test_draft_pages_grant_taken_away_refused_at_once(
    app: Any, api: TestClient, draft: Draft, kari: TestClient
) -> None:
    r = api.put(f"/api/brukere/{KARI}/legevakter", json={"legevakter": ["innherred"]})
    assert r.status_code == 200, r.text
    for path in draft.paths:
        refused = kari.get(path)
        assert refused.status_code == 403 and "Ikke tillatt" in refused.text, path
        assert "Utkast" not in refused.text and "Rettferdighet</h1>" not in refused.text
    log = api.get("/api/legevakter/fjellvik/logg").json()
    assert sum(e["handling"] == "ingen_tilgang" for e in log) == len(draft.paths)
    r = api.put(f"/api/brukere/{KARI}/legevakter", json={"legevakter": ["fjellvik"]})
    assert r.status_code == 200, r.text
    assert all(kari.get(path).status_code == 200 for path in draft.paths)  # at once


def test_draft_pages_other_legevakts_leader_refused(
    app: Any, draft: Draft, kari: TestClient
) -> None:
    """Kept by this process for Fjellvik's leader, still refused to Innherred's."""
    with TestClient(app) as ola:
        page_login(ola, OLA, OLA_PASSWORD)
        for path in draft.paths:
            assert ola.get(path).status_code == 403, path
        assert ola.get(f"/api/planer/{draft.job}/rettferdighet").status_code == 403


def test_draft_pages_logged_out_session_refused_at_once(
    app: Any, draft: Draft, kari: TestClient
) -> None:
    with TestClient(app) as thief:
        thief.cookies.update(kari.cookies)  # a copy of the cookie, made before logout
        assert all(thief.get(path).status_code == 200 for path in draft.paths)
        token = page_csrf(kari.get(draft.paths[0]).text)
        assert kari.post("/logout", data={"csrf_token": token}).status_code == 200
        for client in (kari, thief):
            for path in draft.paths:
                r = client.get(path, follow_redirects=False)
                assert r.status_code == 303, path
                assert r.headers["location"].startswith("/login?neste="), path


def test_job_access_order_as_before(app: Any, draft: Draft, kari: TestClient) -> None:
    """Not signed in: the login first (also for an id that is not a number); then an id
    that is not a number (422), no such plan (404), not its leader (403)."""
    with TestClient(app) as stranger:
        for path in (draft.paths[1], "/planer/x/kalender", "/planer/x"):
            r = stranger.get(path, follow_redirects=False)
            assert r.status_code == 303 and r.headers["location"].startswith("/login"), path
        assert stranger.get("/api/planer/x").status_code == 401
    bad = kari.get("/planer/x/kalender")
    assert bad.status_code == 422 and "job_id" in bad.text
    api_bad = kari.get("/api/planer/x")
    assert api_bad.status_code == 422
    problems = api_bad.json()["feil"]["problemer"]
    assert [p["felt"] for p in problems] == ["path.job_id"], problems
    missing = kari.get("/planer/999/kalender")
    assert missing.status_code == 404 and "Planen finnes ikke" in missing.text
    assert kari.get("/api/planer/999").status_code == 404
