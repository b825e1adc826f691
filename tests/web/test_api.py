"""The JSON API: the whole leader's flow, the one error shape, and OpenAPI."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from icalendar import Calendar

from tests.web.conftest import assert_no_breaches, solve_small


def test_flow_create_solve_publish_feed(app: Any, api: TestClient) -> None:
    job_id = solve_small(app, api)
    assert_no_breaches(app, job_id)

    plan = api.get(f"/api/planer/{job_id}").json()
    assert plan["fremdrift"]["stages"], "progress keeps the stages"
    assert plan["resultat"]["brudd"]["count"] == 0
    assert plan["resultat"]["storste_avvik"]["value"] is not None

    rows = api.get(f"/api/planer/{job_id}/vaktplan").json()["rader"]
    assert rows and set(rows[0]) >= {"date", "shift_id", "doctor_id", "role", "mode"}
    fairness = api.get(f"/api/planer/{job_id}/rettferdighet").json()
    assert len(fairness["doctors"]) == 5

    r = api.post(f"/api/planer/{job_id}/publiser")
    assert r.status_code == 201, r.text
    assert r.json()["nummer"] == 1

    links = api.get("/api/legevakter/fjellvik/kalenderlenker").json()
    assert {link["lege"] for link in links} == {None, "fv-01", "fv-02", "fv-03", "fv-04", "fv-05"}
    doctor = next(link for link in links if link["lege"] == "fv-01")
    feed = api.get(doctor["url"])
    assert feed.status_code == 200
    assert feed.headers["content-type"].startswith("text/calendar")
    assert "content-disposition" not in feed.headers
    cal = Calendar.from_ical(feed.content)
    events = [c for c in cal.walk("VEVENT")]
    mine = [r for r in rows if r["doctor_id"] == "fv-01"]
    assert len(events) == len(mine) > 0

    log = api.get("/api/legevakter/fjellvik/logg").json()
    actions = [e["handling"] for e in log]
    assert "publisert" in actions and "legevakt_opprettet" in actions


def test_error_shape_is_one_shape(api: TestClient) -> None:
    r = api.get("/api/legevakter/finnes-ikke")
    assert r.status_code == 404
    assert set(r.json()) == {"feil"}
    assert set(r.json()["feil"]) == {"kode", "melding", "problemer"}
    assert r.json()["feil"]["kode"] == "finnes_ikke"

    r = api.post("/api/legevakter", json={"yaml": "name: [uavsluttet"})
    assert r.status_code == 422
    problems = r.json()["feil"]["problemer"]
    assert problems and problems[0]["linje"] == 1

    r = api.post("/api/legevakter", json={"antall": 3})
    assert r.status_code == 422
    assert r.json()["feil"]["kode"]

    r = api.get("/api/planer/abc")
    assert r.status_code == 422
    assert "feil" in r.json()


def test_openapi_documents_the_api_and_error_shape(api: TestClient) -> None:
    spec = api.get("/openapi.json").json()
    paths = spec["paths"]
    for path in (
        "/api/innlogging",
        "/api/legevakter",
        "/api/legevakter/{slug}/ansatte",
        "/api/legevakter/{slug}/planer",
        "/api/planer/{job_id}",
        "/api/planer/{job_id}/publiser",
        "/api/legevakter/{slug}/versjoner/{number}/endringer",
        "/api/legevakter/{slug}/kalenderlenker/forny",
        "/api/legevakter/{slug}/kalenderlenker/trekk",
    ):
        assert path in paths, path
    assert "FeilSvar" in spec["components"]["schemas"]
    assert not any(p.startswith(("/login", "/kalender", "/planer")) for p in paths)


def test_doctor_entries_and_exports_through_the_api(app: Any, api: TestClient) -> None:
    job_id = solve_small(app, api)
    base = "/api/legevakter/fjellvik/leger/fv-04"
    before = api.get(base).json()
    assert before["lege"]["name"] == "Lene Fjærli"
    r = api.post(
        base + "/absences", json={"kind": "leave", "start": "2027-03-01", "end": "2027-03-31"}
    )
    assert r.status_code == 201, r.text
    added = r.json()["absences"]
    assert len(added) == len(before["absences"]) + 1
    bad = api.post(base + "/absences", json={"kind": "ferie", "start": "2027-03-01"})
    assert bad.status_code == 422
    fields = {p.get("felt") for p in bad.json()["feil"]["problemer"]}
    assert {"kind", "end"} <= fields
    nr = added[-1]["nr"]
    assert len(api.delete(f"{base}/absences/{nr}").json()["absences"]) == len(before["absences"])
    assert api.delete(f"{base}/absences/999").status_code == 404

    xlsx = api.get(f"/api/planer/{job_id}/eksport/xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    csv = api.get(f"/api/planer/{job_id}/eksport/csv")
    assert csv.text.startswith("date,shift_id,start,end,role,mode,doctor_id")
    assert api.get(f"/api/planer/{job_id}/eksport/pdf").status_code == 422
    api.post(f"/api/planer/{job_id}/publiser")
    html = api.get("/api/legevakter/fjellvik/versjoner/1/eksport/html")
    assert html.headers["content-type"].startswith("text/html")
    fair = api.get("/api/legevakter/fjellvik/versjoner/1/rettferdighet").json()
    assert len(fair["doctors"]) == 5
