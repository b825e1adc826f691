"""A legevakt with a published plan, for the tests that walk every page (words, and
accessibility in Chromium): the values that fill each route's path, and the query strings
the pages that need one are opened with."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.web.conftest import solve_small

#: Query strings of the pages that need one, by route path.
QUERIES = {
    "/legevakter/{slug}/sammenlign": "fra=1&til=1",
    "/legevakter/{slug}/oppsett/regler/ny": "regel=rest",
    "/legevakter/{slug}/versjoner/{number}/kalender": "maned=2027-03",
    "/planer/{job_id}/kalender": "maned=2027-03",
}


def published_fjellvik(app: Any, api: TestClient) -> dict[str, str]:
    """Fjellvik (examples/small) solved and published as version 1, with an absence in its
    log; returns the values for the routes' paths."""
    job_id = solve_small(app, api)
    assert api.post(f"/api/planer/{job_id}/publiser").status_code == 201
    r = api.post(
        "/api/legevakter/fjellvik/leger/fv-03/absences",
        json={"kind": "sick", "start": "2027-05-03", "end": "2027-05-07", "note": "Influensa"},
    )
    assert r.status_code == 201, r.text
    return {
        "slug": "fjellvik",
        "job_id": str(job_id),
        "number": "1",
        "doctor_id": "fv-03",
        "type_id": "natt",
        "name": "web",
    }
