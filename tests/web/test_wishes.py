"""Doctors' wishes and absences before a plan: entered by the doctor before the leader's
deadline for the plan file's period (every problem at once, nothing saved on error), seen by
the leader, accepted (perhaps with other dates) into the plan file or refused, the doctor told;
the next solve uses what was accepted, judged by the checker."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi.testclient import TestClient

from roster.checker import check
from tests.web.conftest import assert_no_breaches, doctor_client, page_login, publish_small
from web import store, wishes

DOCTOR = "fv-02"


def _deadline(leader: TestClient, csrf: str, day: dt.date | None) -> None:
    r = leader.post(
        "/legevakter/fjellvik/onsker/frist",
        data={"frist": day.isoformat() if day else "", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303


def _requests(app: Any) -> list[Any]:
    with app.state.sessions() as s:
        return wishes.requests(s, store.legevakt(s, "fjellvik"))


def test_wishes_and_absences_go_through_the_leader_into_the_next_plan(
    app: Any, api: TestClient
) -> None:
    publish_small(app, api)
    leader = TestClient(app)
    leader_csrf = page_login(leader)
    doctor, csrf = doctor_client(app, DOCTOR)
    assert "ikke åpnet" in doctor.get("/min-side/onsker").text
    _deadline(leader, leader_csrf, wishes.today() + dt.timedelta(days=7))
    page = doctor.get("/min-side/onsker").text
    assert "kan legges inn til og med" in page and 'id="nytt-fravaer"' in page

    # a bad entry: every problem at once, nothing saved
    r = doctor.post(
        "/min-side/onsker",
        data={
            "del": "absences",
            "kind": "sick",
            "start": "2026-12-01",
            "end": "2027-05-01",
            "csrf_token": csrf,
        },
    )
    assert r.status_code == 422 and "ingenting er lagret" in r.text
    assert "utenfor perioden" in r.text and "sykmelding avtales med lederen" in r.text
    r = doctor.post(
        "/min-side/onsker",
        data={"del": "wishes", "want": "false", "shift_types": "ukjent", "csrf_token": csrf},
    )
    assert r.status_code == 422 and "ukjent vakttype" in r.text
    assert _requests(app) == []

    # a holiday and a wish
    for data in (
        {"del": "absences", "kind": "holiday", "start": "2027-02-08", "end": "2027-02-21"},
        {"del": "wishes", "want": "false", "shift_types": "natt", "note": "Små barn"},
    ):
        r = doctor.post("/min-side/onsker", data={**data, "csrf_token": csrf})
        assert r.status_code == 200 and "Sendt til lederen" in r.text
    holiday, wish = _requests(app)
    assert (holiday.status, wish.status) == ("pending", "pending")

    # the leader sees both, accepts the holiday a week shorter and refuses the wish
    page = leader.get("/legevakter/fjellvik/onsker").text
    assert "Ferie 08.02.2027–21.02.2027" in page and "Vil helst slippe natt" in page
    r = leader.post(
        f"/legevakter/fjellvik/onsker/{holiday.id}/godta",
        data={"start": "2027-02-08", "end": "2027-02-14", "csrf_token": leader_csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303
    r = leader.post(
        f"/legevakter/fjellvik/onsker/{wish.id}/avvis",
        data={"grunn": "Alle må ta netter", "csrf_token": leader_csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303
    holiday, wish = _requests(app)
    assert (holiday.status, wish.status) == ("adjusted", "refused")
    page = doctor.get("/min-side/onsker").text
    assert "godtatt med endring" in page and "Alle må ta netter" in page
    assert (
        "Lederen har godtatt med endring: Ferie 08.02.2027–14.02.2027"
        in doctor.get("/min-side").text
    )

    # the plan file holds the accepted holiday, and the next solve keeps it
    with app.state.sessions() as s:
        doc = store.document(store.legevakt(s, "fjellvik").instance_yaml)
    held = [(a.kind.value, a.start, a.end) for a in doc.absences if a.doctor == DOCTOR]
    assert ("holiday", dt.date(2027, 2, 8), dt.date(2027, 2, 14)) in held
    assert all(end != dt.date(2027, 2, 21) for _, _, end in held)
    assert not [w for w in doc.wishes if w.doctor == DOCTOR]
    r = api.post("/api/legevakter/fjellvik/planer", json={})
    assert r.status_code == 202, r.text
    job_id = int(r.json()["id"])
    app.state.runner.wait(job_id, timeout=120)
    assert_no_breaches(app, job_id)
    with app.state.sessions() as s:
        job = store.job(s, job_id)
        instance = store.instance_from_text(job.instance_yaml)
        roster = store.roster_from_json(job.roster or {})
    assert check(instance, roster).breaches == ()
    shifts = {sh.id: sh for sh in instance.shifts}
    assert not [
        a
        for a in roster.assignments
        if a.doctor_id == DOCTOR
        and dt.date(2027, 2, 8) <= shifts[a.shift_id].date <= dt.date(2027, 2, 14)
    ]


def test_wishes_after_the_deadline_are_refused_and_nothing_is_saved(
    app: Any, api: TestClient
) -> None:
    publish_small(app, api)
    leader = TestClient(app)
    leader_csrf = page_login(leader)
    doctor, csrf = doctor_client(app, DOCTOR)
    entry = {"del": "wishes", "want": "true", "start": "2027-03-01", "csrf_token": csrf}
    assert doctor.post("/min-side/onsker", data=entry).status_code == 409  # not opened
    _deadline(leader, leader_csrf, wishes.today() - dt.timedelta(days=1))
    r = doctor.post("/min-side/onsker", data=entry)
    assert r.status_code == 409 and "Fristen for ønsker og fravær" in r.text
    assert "gikk ut" in doctor.get("/min-side/onsker").text
    assert _requests(app) == []


def test_a_doctor_may_withdraw_only_their_own_pending_wish(app: Any, api: TestClient) -> None:
    publish_small(app, api)
    leader = TestClient(app)
    _deadline(leader, page_login(leader), wishes.today())
    doctor, csrf = doctor_client(app, DOCTOR)
    other, other_csrf = doctor_client(app, "fv-03")
    doctor.post(
        "/min-side/onsker",
        data={"del": "wishes", "want": "true", "start": "2027-03-01", "csrf_token": csrf},
    )
    (req,) = _requests(app)
    r = other.post(f"/min-side/onsker/{req.id}/trekk", data={"csrf_token": other_csrf})
    assert r.status_code == 403
    assert f'data-request="{req.id}"' not in other.get("/min-side/onsker").text
    r = doctor.post(f"/min-side/onsker/{req.id}/trekk", data={"csrf_token": csrf})
    assert r.status_code == 200 and "trukket" in r.text
    assert [x.status for x in _requests(app)] == ["withdrawn"]
