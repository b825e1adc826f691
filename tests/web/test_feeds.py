"""Doctors' calendar feeds: text/calendar from the latest published version, conditional
requests, and cancelled duties after a re-plan."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from icalendar import Calendar

from tests.web.conftest import assert_no_breaches, forget_rendered


def publish_plan(app: Any, api: TestClient, **body: Any) -> int:
    job = api.post("/api/legevakter/fjellvik/planer", json=body).json()["id"]
    app.state.runner.wait(job, timeout=120)
    assert_no_breaches(app, job)
    return int(api.post(f"/api/planer/{job}/publiser").json()["nummer"])


def links(api: TestClient) -> dict[str | None, str]:
    return {x["lege"]: x["url"] for x in api.get("/api/legevakter/fjellvik/kalenderlenker").json()}


def events(body: bytes) -> list[Any]:
    return list(Calendar.from_ical(body).walk("VEVENT"))


def test_feed_headers_etag_and_conditional_requests(app: Any, api: TestClient) -> None:
    api.post("/api/legevakter", json={"eksempel": "small"})
    before = api.get(
        api.get("/api/legevakter").json() and "/api/legevakter/fjellvik/kalenderlenker"
    )
    assert before.json() == []  # no links before anything is published
    publish_plan(app, api, slutt="2027-01-31")
    url = links(api)["fv-01"]
    with TestClient(app) as anonymous:
        first = anonymous.get(url)
        assert first.status_code == 200
        assert first.headers["content-type"] == "text/calendar; charset=utf-8"
        assert "content-disposition" not in first.headers
        etag, modified = first.headers["etag"], first.headers["last-modified"]
        assert etag.startswith('W/"') and etag.endswith('"') and modified.endswith("GMT")
        again = anonymous.get(url)
        assert again.content == first.content and again.headers["etag"] == etag
        cached = anonymous.get(url, headers={"If-None-Match": etag})
        assert cached.status_code == 304 and cached.content == b""
        assert anonymous.get(url, headers={"If-None-Match": '"annen"'}).status_code == 200
        assert anonymous.get(url, headers={"If-Modified-Since": modified}).status_code == 304
        head = anonymous.head(url)
        assert head.status_code == 200 and head.headers["etag"] == etag
        whole = anonymous.get(links(api)[None])
        assert whole.status_code == 200
        assert len(events(whole.content)) > len(events(first.content)) > 0


def test_feed_weak_etag_gives_304_without_rendering(
    app: Any, api: TestClient, monkeypatch: Any
) -> None:
    api.post("/api/legevakter", json={"eksempel": "small"})
    publish_plan(app, api, slutt="2027-01-31")
    url = links(api)["fv-01"]
    with TestClient(app) as anonymous:
        first = anonymous.get(url)
        etag = first.headers["etag"]
        opaque = etag.removeprefix("W/")
        forget_rendered(app)

        def no_rendering(*args: Any, **kw: Any) -> None:
            raise AssertionError("a 304 must not read the plan or render the calendar")

        monkeypatch.setattr("web.renders.feed_calendar", no_rendering)
        monkeypatch.setattr("web.renders.instance_from_text", no_rendering)
        for sent in (etag, opaque, f'"annen", W/{opaque}', f'W/{opaque} , "annen"', "*"):
            cached = anonymous.get(url, headers={"If-None-Match": sent})
            assert cached.status_code == 304, sent
            assert cached.content == b"" and cached.headers["etag"] == etag
        head = anonymous.head(url, headers={"If-None-Match": etag})
        assert head.status_code == 304


def test_republish_updates_feed_and_cancels_removed_duties(app: Any, api: TestClient) -> None:
    api.post("/api/legevakter", json={"eksempel": "small"})
    publish_plan(app, api, slutt="2027-01-31")
    rows = api.get("/api/legevakter/fjellvik/versjoner/1").json()["rader"]
    away = next(r["doctor_id"] for r in rows if r["date"] >= "2027-01-25" and r["doctor_id"])
    url = links(api)[away]
    v1 = api.get(url)
    uids_v1 = {str(e["UID"]) for e in events(v1.content)}
    late = {
        str(e["UID"])
        for e in events(v1.content)
        if e.decoded("DTSTART").date().isoformat() >= "2027-01-25"
    }
    assert late
    text = api.get("/api/legevakter/fjellvik").json()["yaml"]
    text = text.replace(
        "absences:\n",
        f"absences:\n- doctor: {away}\n  kind: holiday\n  start: 2027-01-25\n  end: 2027-01-31\n",
        1,
    )
    assert api.put("/api/legevakter/fjellvik/planfil", json={"yaml": text}).status_code == 200
    assert publish_plan(app, api, slutt="2027-01-31") == 2
    assert links(api)[away] == url  # the same link shows the newest version
    v2 = api.get(url)
    assert v2.headers["etag"] != v1.headers["etag"]
    assert api.get(url, headers={"If-None-Match": v1.headers["etag"]}).status_code == 200
    by_uid = {str(e["UID"]): e for e in events(v2.content)}
    assert uids_v1 <= set(by_uid), "removed duties stay in the feed, cancelled"
    for uid in late:
        assert str(by_uid[uid]["STATUS"]) == "CANCELLED"
        assert int(by_uid[uid]["SEQUENCE"]) >= 1
    live = [e for e in by_uid.values() if str(e["STATUS"]) == "CONFIRMED"]
    assert all(e.decoded("DTSTART").date().isoformat() < "2027-01-25" for e in live)
