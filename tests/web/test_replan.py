"""Changing a published plan: fewest changes from the version, duties before a date kept."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.web.conftest import (
    assert_no_breaches,
    publish_then_send_away,
    solve_small_to_february,
)

FREEZE = "2027-02-15"


def test_replan_keeps_duties_before_the_date_and_moves_the_absent_doctor(
    app: Any, api: TestClient
) -> None:
    first = solve_small_to_february(app, api)
    v1, away = publish_then_send_away(api, first)

    r = api.post("/api/legevakter/fjellvik/planer", json={"behold_for": FREEZE})
    assert r.status_code == 422  # keeping duties needs a version to keep them from
    r = api.post("/api/legevakter/fjellvik/planer", json={"fra_versjon": 1, "behold_for": FREEZE})
    assert r.status_code == 202, r.text
    assert r.json()["behold_for"] == FREEZE and r.json()["fra_versjon_id"] is not None
    second = r.json()["id"]
    app.state.runner.wait(second, timeout=120)
    assert_no_breaches(app, second)
    report = api.get(f"/api/planer/{second}/rapport").json()
    assert report["replan"] == {"previous": True, "freeze_before": FREEZE}
    v2 = api.get(f"/api/planer/{second}/vaktplan").json()["rader"]

    def before(rows: list[dict[str, str]]) -> set[tuple[str, str, str]]:
        return {(x["date"], x["shift_id"], x["doctor_id"]) for x in rows if x["date"] < FREEZE}

    assert before(v2) == before(v1)
    assert not [x for x in v2 if x["doctor_id"] == away and x["date"] >= "2027-02-16"]
    assert api.post(f"/api/planer/{second}/publiser").json()["nummer"] == 2
    changes = api.get("/api/legevakter/fjellvik/versjoner/2/endringer?mot=1").json()["endringer"]
    assert changes and all(c["dato"] >= FREEZE for c in changes)


def test_replan_from_the_page(app: Any, pages: tuple[TestClient, str]) -> None:
    client, token = pages
    client.headers["X-CSRF-Token"] = token
    client.post("/api/legevakter", json={"eksempel": "small"})
    job = client.post("/api/legevakter/fjellvik/planer", json={"slutt": "2027-01-31"}).json()
    app.state.runner.wait(job["id"], timeout=120)
    client.post(f"/api/planer/{job['id']}/publiser")
    page = client.get("/legevakter/fjellvik").text
    assert "Færrest mulig endringer fra versjon 1" in page
    r = client.post(
        "/legevakter/fjellvik/lag",
        data={
            "csrf_token": token,
            "start": "2027-01-04",
            "slutt": "2027-01-31",
            "tidsgrense": "5",
            "fra_versjon": "1",
            "behold_for": "2027-01-18",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    job_id = int(r.headers["location"].rsplit("/", 1)[1])
    app.state.runner.wait(job_id, timeout=120)
    assert_no_breaches(app, job_id)
    data = client.get(f"/api/planer/{job_id}").json()
    assert data["behold_for"] == "2027-01-18" and data["status"] == "done"
    log = [e["detaljer"] for e in client.get("/api/legevakter/fjellvik/logg").json()]
    assert any("færrest endringer fra versjon 1" in d for d in log)
