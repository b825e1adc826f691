"""The fairness page tells duties outside the bands apart from the big-holiday rotation:
both weigh in the solver's categories stage, but only the first is «utenfor båndet»."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.factories import every_doctor_had_easter
from tests.web.conftest import assert_no_breaches
from web import store


def test_fairness_page_rotation_named_apart_from_the_band(app: Any, api: TestClient) -> None:
    r = api.post(
        "/api/legevakter", json={"yaml": every_doctor_had_easter(store.example_text("small"))}
    )
    assert r.status_code == 201, r.text
    r = api.post("/api/legevakter/fjellvik/planer", json={})
    assert r.status_code == 202, r.text
    job_id = int(r.json()["id"])
    app.state.runner.wait(job_id, timeout=120)
    assert api.get(f"/api/planer/{job_id}").json()["status"] == "done"
    assert_no_breaches(app, job_id)
    with app.state.sessions() as s:
        report = store.job(s, job_id).report or {}
    repeats = report["remarks"]["by_rule"].get("big_holiday_rotation", 0)
    assert repeats > 0  # Easter 2027 has duties, and every doctor had Easter 2026
    categories = next(st for st in report["stages"] if st["stage"] == "categories")
    assert categories["value"] >= 1  # the stage's value counts the repeats

    page = api.get(f"/planer/{job_id}/rettferdighet").text
    plan_part = page.split("Slik ble planen laget", 1)[1]
    assert "(vektede) vakter" not in page  # no weighted sum of two things as one count
    assert f"{repeats} vakter i jul, nyttår eller påske går til en lege" in plan_part
    outside = page.count('<span class="mark"')  # ▲▼ in the per-doctor table
    if outside == 0:
        assert "alle innenfor båndet" in plan_part
        assert "havner utenfor båndet" not in page
