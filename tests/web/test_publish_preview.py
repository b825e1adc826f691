"""Before publishing a re-plan the leader sees what it changes for each doctor, and confirms;
after publishing, every doctor whose duties changed is told what changed (in the app, and by
e-mail when SMTP is set up). Both plans are judged by the checker."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from tests.web.conftest import (
    assert_no_breaches,
    page_login,
    publish_then_send_away,
    solve_small_to_february,
)
from web import notify, preview, store

FREEZE = "2027-02-15"


def test_replan_preview_per_doctor_then_doctors_are_told(app: Any, api: TestClient) -> None:
    first = solve_small_to_february(app, api)
    leader = TestClient(app)
    page_login(leader)
    page = leader.get(f"/planer/{first}").text
    assert 'id="forhandsvisning"' not in page  # nothing published yet: nothing to compare
    _, away = publish_then_send_away(api, first)
    r = api.post("/api/legevakter/fjellvik/planer", json={"fra_versjon": 1, "behold_for": FREEZE})
    second = r.json()["id"]
    app.state.runner.wait(second, timeout=120)
    assert_no_breaches(app, second)

    with app.state.sessions() as s:
        row = store.legevakt(s, "fjellvik")
        v = store.latest_version(s, row.id)
        job = store.job(s, second)
        assert v is not None and job.roster is not None
        expected = preview.doctor_changes(
            store.instance_from_text(v.instance_yaml),
            store.roster_from_json(v.roster),
            store.instance_from_text(job.instance_yaml),
            store.roster_from_json(job.roster),
        )
    assert expected and away in {c.doctor_id for c in expected}
    assert all(sh.date.isoformat() >= FREEZE for c in expected for sh in (*c.got, *c.lost))
    page = leader.get(f"/planer/{second}").text
    assert "Før du publiserer: endringer mot versjon 1" in page
    assert set(re.findall(r'<tr data-doctor="([^"]+)"', page)) == {c.doctor_id for c in expected}
    assert f"{len(expected)} leger får endrede vakter" in page
    m = re.search(r'action="/planer/\d+/publiser" data-confirm="([^"]+)"', page)
    assert m and f"{len(expected)} leger får endrede vakter" in m.group(1)  # asks first

    assert api.post(f"/api/planer/{second}/publiser").json()["nummer"] == 2
    with app.state.sessions() as s:
        row = store.legevakt(s, "fjellvik")
        for c in expected:
            (note,) = notify.for_doctor(s, row, c.doctor_id)
            assert note.text.startswith("Ny versjon 2 av vaktplanen er publisert.")
            assert ("Du har ikke lenger" in note.text) == bool(c.lost)
        untouched = {d.id for d in store.instance_from_text(job.instance_yaml).doctors} - {
            c.doctor_id for c in expected
        }
        assert all(not notify.for_doctor(s, row, d) for d in untouched)
