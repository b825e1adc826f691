"""The doctor role: a doctor signed in with a link reaches only the doctor's own pages, acts
only as that doctor, and every other route refuses it; doctor routes refuse anonymous
requests and leaders. Routes are found by walking the app, so a route added later is
covered too."""

from __future__ import annotations

import re
from typing import Any

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from tests.web.conftest import doctor_client, page_login, publish_small
from tests.web.routes import OPEN_PATHS, access_rules, all_routes, concrete
from web import after, offers, store

DOCTOR_PREFIX = "/min-side"
OPEN = OPEN_PATHS
VALUES = {"slug": "fjellvik", "job_id": "1", "number": "1", "doctor_id": "fv-01", "fmt": "csv"}


def test_a_doctor_is_refused_on_every_route_that_is_not_the_doctors_own(
    app: Any, api: TestClient
) -> None:
    publish_small(app, api)
    client, csrf = doctor_client(app, "fv-02")
    checked = 0
    for route in all_routes(app.router.routes):
        if not isinstance(route, APIRoute) or route.path in OPEN:
            continue
        if route.path.startswith(DOCTOR_PREFIX):
            continue
        if any(rule.role == "any" for rule in access_rules(route)):
            continue  # the user's own account (a doctor may set a password)
        for method in route.methods - {"HEAD"}:
            r = client.request(
                method,
                concrete(route.path, VALUES),
                headers={"X-CSRF-Token": csrf},
                follow_redirects=False,
            )
            checked += 1
            refused = r.status_code in (401, 403) or (
                r.status_code == 303 and r.headers["location"].startswith("/login")
            )  # the leader's login form: a doctor session is no login
            assert refused, (method, route.path, r.status_code)
    assert checked > 45


def test_doctor_routes_refuse_anonymous_requests_and_leaders(app: Any, api: TestClient) -> None:
    publish_small(app, api)
    leader = TestClient(app)
    csrf = page_login(leader)
    doctor_routes = [
        r
        for r in all_routes(app.router.routes)
        if isinstance(r, APIRoute) and r.path.startswith(DOCTOR_PREFIX)
    ]
    assert len(doctor_routes) >= 5
    for route in doctor_routes:
        for method in route.methods - {"HEAD"}:
            path = concrete(route.path, VALUES) + ("?vakt=x" if "kolleger" in route.path else "")
            for client in (TestClient(app), leader):
                r = client.request(method, path, data={"csrf_token": csrf}, follow_redirects=False)
                refused = r.status_code in (401, 403) or (
                    r.status_code == 303 and r.headers["location"].startswith("/login")
                )
                assert refused, (method, route.path, r.status_code)


def test_a_doctor_never_acts_for_another(app: Any, api: TestClient) -> None:
    publish_small(app, api)
    with app.state.sessions() as s:
        cur = after.current(s, store.legevakt(s, "fjellvik"))
    mine = next(a for a in cur.roster.assignments if a.doctor_id == "fv-02")
    theirs = next(a for a in cur.roster.assignments if a.doctor_id == "fv-03")
    a, a_csrf = doctor_client(app, "fv-02")
    b, b_csrf = doctor_client(app, "fv-03")
    # offering a colleague's duty is refused
    r = a.post(
        "/min-side/tilby", data={"vakt": theirs.shift_id, "type": "board", "csrf_token": a_csrf}
    )
    assert r.status_code == 409 and "Du har ikke denne vakten" in r.text
    # withdrawing a colleague's offer is refused
    assert (
        b.post(
            "/min-side/tilby",
            data={"vakt": theirs.shift_id, "type": "board", "csrf_token": b_csrf},
            follow_redirects=False,
        ).status_code
        == 303
    )
    with app.state.sessions() as s:
        (offer,) = offers.listed(s, store.legevakt(s, "fjellvik"))
    r = a.post(f"/min-side/tilbud/{offer.id}/trekk", data={"csrf_token": a_csrf})
    assert r.status_code == 403
    # taking one's own offer is refused; a doctor id in a form changes nothing
    r = b.post(f"/min-side/tilbud/{offer.id}/ta", data={"csrf_token": b_csrf, "lege": "fv-02"})
    assert r.status_code == 403
    assert re.search(r"fv-02|Hege", a.get("/min-side").text)
    assert mine.doctor_id == "fv-02"
