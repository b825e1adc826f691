"""Security: no page without login, CSRF on every change, uploads limited and checked,
feeds only with a live token, no tracebacks, secure session cookies."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from fastapi.testclient import TestClient

from roster.formats.staff import MAX_STAFF_FILE_BYTES
from tests.web.conftest import PASSWORD, USER, api_login, page_csrf, solve_small
from tests.web.routes import OPEN_PATHS, all_routes, concrete
from web.app import create_app
from web.deps import Settings

PAGES = [
    "/",
    "/legevakter/fjellvik",
    "/legevakter/fjellvik/rediger",
    "/legevakter/fjellvik/logg",
    "/planer/1",
    "/planer/1/kalender",
    "/planer/1/rettferdighet",
    "/planer/1/leger/fv-01",
    "/planer/1/eksport.xlsx",
    "/legevakter/fjellvik/versjoner/1",
    "/legevakter/fjellvik/sammenlign?fra=1&til=1",
]
API = [
    "/api/legevakter",
    "/api/legevakter/fjellvik",
    "/api/planer/1",
    "/api/legevakter/fjellvik/kalenderlenker",
    "/api/legevakter/fjellvik/logg",
]


@pytest.mark.parametrize("path", PAGES)
def test_no_page_without_login(app: Any, path: str) -> None:
    with TestClient(app) as client:
        r = client.get(path, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/login?neste=")


@pytest.mark.parametrize("path", API)
def test_no_api_without_login(app: Any, path: str) -> None:
    with TestClient(app) as client:
        r = client.get(path)
    assert r.status_code == 401
    assert r.json()["feil"]["kode"] == "ikke_innlogget"


def test_wrong_password_is_refused_and_says_nothing_about_users(app: Any) -> None:
    with TestClient(app) as client:
        token = page_csrf(client.get("/login").text)
        wrong_user = client.post(
            "/login", data={"brukernavn": "ingen", "passord": "x", "csrf_token": token}
        )
        wrong_pass = client.post(
            "/login", data={"brukernavn": USER, "passord": "x", "csrf_token": token}
        )
        assert wrong_user.status_code == wrong_pass.status_code == 401
        assert "Feil brukernavn eller passord" in wrong_user.text
        assert client.get("/", follow_redirects=False).status_code == 303


def test_login_form_without_csrf_is_rejected(app: Any) -> None:
    with TestClient(app) as client:
        client.get("/login")
        r = client.post("/login", data={"brukernavn": USER, "passord": PASSWORD})
        assert r.status_code == 403
        assert "Skjemaet er utløpt" in r.text
        assert client.get("/", follow_redirects=False).status_code == 303


def test_csrf_rejected_on_pages_and_api(pages: tuple[TestClient, str]) -> None:
    client, token = pages
    for data in ({"eksempel": "small"}, {"eksempel": "small", "csrf_token": "feil"}):
        r = client.post("/legevakter", data=data)
        assert r.status_code == 403, r.text
    r = client.post("/api/legevakter", json={"eksempel": "small"})
    assert r.status_code == 403
    assert r.json()["feil"]["kode"] == "csrf"
    r = client.post("/api/legevakter", json={"eksempel": "small"}, headers={"X-CSRF-Token": "x"})
    assert r.status_code == 403
    assert client.get("/api/legevakter").json() == []  # nothing was created
    r = client.post(
        "/legevakter", data={"eksempel": "small", "csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303


def test_csrf_token_is_bound_to_the_session(app: Any, pages: tuple[TestClient, str]) -> None:
    _, token_a = pages
    with TestClient(app) as other:
        api_login(other)
        other.headers["X-CSRF-Token"] = token_a  # a token from another session
        r = other.post("/api/legevakter", json={"eksempel": "small"})
        assert r.status_code == 403


def test_session_cookie_flags(app: Any, tmp_path: Any) -> None:
    with TestClient(app) as client:
        r = client.get("/login")
        cookie = r.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie
        assert "secure" not in cookie  # plain http on localhost
    secure = create_app(Settings(database_url=f"sqlite:///{tmp_path / 's.sqlite'}", https=True))
    with TestClient(secure, base_url="https://testserver") as client:
        r = client.get("/login")
        cookie = r.headers["set-cookie"].lower()
        assert "secure" in cookie and "httponly" in cookie
        assert r.headers["strict-transport-security"].startswith("max-age=")
        assert r.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    secure.state.runner.shutdown()


def _upload(client: TestClient, name: str, data: bytes) -> Any:
    return client.post(
        "/api/legevakter/fjellvik/ansatte",
        files={"fil": (name, data, "application/octet-stream")},
    )


def test_oversize_upload_rejected_and_nothing_saved(api: TestClient) -> None:
    api.post("/api/legevakter", json={"eksempel": "small"})
    before = api.get("/api/legevakter/fjellvik").json()["yaml"]
    big = b"Navn;Kommune\n" + b"x" * (MAX_STAFF_FILE_BYTES + 10)
    r = _upload(api, "ansatte.csv", big)
    assert r.status_code in (413, 422)
    assert r.json()["feil"]["kode"] in ("for_stor", "ugyldige_inndata")
    huge = b"x" * (MAX_STAFF_FILE_BYTES + 512 * 1024)  # over the whole request limit
    r = _upload(api, "ansatte.csv", huge)
    assert r.status_code == 413
    assert r.json()["feil"]["kode"] == "for_stor"
    assert api.get("/api/legevakter/fjellvik").json()["yaml"] == before


@pytest.mark.parametrize(
    "name",
    ["../ansatte.csv", "..\\ansatte.csv", "/etc/passwd.csv", "C:ansatte.csv", ".skjult.csv"],
)
def test_path_tricks_in_file_names_rejected(api: TestClient, name: str) -> None:
    api.post("/api/legevakter", json={"eksempel": "small"})
    r = _upload(api, name, b"Navn;Kommune\nKari;Fjellvik\n")
    assert r.status_code == 422
    assert "filnavn" in r.json()["feil"]["problemer"][0]["melding"]


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("ansatte.xlsx", b"Navn;Kommune\nKari;Fjellvik\n"),  # text calling itself Excel
        ("ansatte.xlsx", b"PK\x03\x04" + b"\x00" * 200),  # a zip header and nothing else
        ("ansatte.csv", b"\x89PNG\r\n\x1a\n" + b"\x00\x01\x02" * 50),  # an image
        ("ansatte.exe", b"MZ\x90\x00"),
        ("ansatte.csv", b""),
    ],
)
def test_files_that_are_not_what_they_claim_rejected(
    api: TestClient, name: str, data: bytes
) -> None:
    api.post("/api/legevakter", json={"eksempel": "small"})
    before = api.get("/api/legevakter/fjellvik").json()["yaml"]
    r = _upload(api, name, data)
    assert r.status_code == 422, r.text
    assert r.json()["feil"]["problemer"]
    assert api.get("/api/legevakter/fjellvik").json()["yaml"] == before


def test_a_zip_that_is_not_a_workbook_rejected(api: TestClient) -> None:
    api.post("/api/legevakter", json={"eksempel": "small"})
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hei.txt", "ikke et regneark")
    r = _upload(api, "ansatte.xlsx", buf.getvalue())
    assert r.status_code == 422
    assert "Excel" in r.json()["feil"]["problemer"][0]["melding"]


def test_no_feed_without_a_valid_token(app: Any, api: TestClient) -> None:
    job_id = solve_small(app, api)
    api.post(f"/api/planer/{job_id}/publiser")
    url = next(x["url"] for x in api.get("/api/legevakter/fjellvik/kalenderlenker").json())
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    with TestClient(app) as anonymous:  # no session: the token is the only credential
        assert anonymous.get(f"/kalender/{token}.ics").status_code == 200
        for bad in (token[:-1] + ("A" if token[-1] != "A" else "B"), "x", token + "x", "a" * 200):
            r = anonymous.get(f"/kalender/{bad}.ics")
            assert r.status_code == 404
            assert r.text == "Finnes ikke."
        assert anonymous.get("/kalender/.ics").status_code == 404


def test_revoked_token_stops_at_once(app: Any, api: TestClient) -> None:
    job_id = solve_small(app, api)
    api.post(f"/api/planer/{job_id}/publiser")
    links = {x["lege"]: x["url"] for x in api.get("/api/legevakter/fjellvik/kalenderlenker").json()}
    old = links["fv-02"]
    assert api.get(old).status_code == 200
    r = api.post("/api/legevakter/fjellvik/kalenderlenker/trekk", json={"lege": "fv-02"})
    assert r.json() == {"trukket": 1}
    revoked = api.get(old)
    assert revoked.status_code == 404 and revoked.text == "Finnes ikke."
    new = api.post("/api/legevakter/fjellvik/kalenderlenker/forny", json={"lege": "fv-02"}).json()
    assert new["url"] != old
    assert api.get(new["url"]).status_code == 200
    assert api.get(old).status_code == 404
    # rotating the whole-legevakt feed leaves the doctors' feeds alone
    whole = links[None]
    api.post("/api/legevakter/fjellvik/kalenderlenker/forny", json={"lege": None})
    assert api.get(whole).status_code == 404
    assert api.get(new["url"]).status_code == 200
    actions = [e["handling"] for e in api.get("/api/legevakter/fjellvik/logg").json()]
    assert "kalenderlenke_trukket" in actions and "kalenderlenke_fornyet" in actions


def test_unexpected_errors_show_no_traceback(app: Any) -> None:
    def boom() -> None:
        raise RuntimeError("hemmelig intern detalj")

    app.add_api_route("/api/boom", boom)
    app.add_api_route("/boom", boom)
    with TestClient(app, raise_server_exceptions=False) as client:
        api_login(client)
        r = client.get("/api/boom")
        assert r.status_code == 500
        assert r.json()["feil"]["kode"] == "intern_feil"
        assert "hemmelig" not in r.text and "Traceback" not in r.text
        page = client.get("/boom")
        assert page.status_code == 500
        assert "Noe gikk galt" in page.text
        assert "hemmelig" not in page.text and "Traceback" not in page.text


def test_unknown_page_is_a_norwegian_404(pages: tuple[TestClient, str]) -> None:
    client, _ = pages
    r = client.get("/finnes/ikke")
    assert r.status_code == 404
    assert "Siden finnes ikke" in r.text
    assert r.headers["content-type"].startswith("text/html")


def test_login_redirect_only_to_this_site(app: Any) -> None:
    with TestClient(app) as client:
        token = page_csrf(client.get("/login").text)
        r = client.post(
            "/login",
            data={
                "brukernavn": USER,
                "passord": PASSWORD,
                "csrf_token": token,
                "neste": "//evil.example/",
            },
            follow_redirects=False,
        )
        assert r.status_code == 303
        assert r.headers["location"] == "/"


def test_every_route_needs_a_login_or_a_token(app: Any, api: TestClient) -> None:
    """Walks the app's routes, so a route added later is covered too."""
    solve_small(app, api)  # something to find behind each route
    values = {"slug": "fjellvik", "job_id": "1", "number": "1", "doctor_id": "fv-01"}
    values |= {"fmt": "csv", "section": "absences", "nr": "0", "brukernavn": USER}
    checked = 0
    with TestClient(app) as anonymous:
        for route in all_routes(app.router.routes):
            if route.path in OPEN_PATHS:
                continue
            for method in route.methods - {"HEAD"}:
                r = anonymous.request(method, concrete(route.path, values), follow_redirects=False)
                checked += 1
                if route.path.startswith("/api"):
                    assert r.status_code in (401, 403), (method, route.path, r.status_code)
                elif method == "GET":
                    assert r.status_code == 303, (method, route.path, r.status_code)
                    assert r.headers["location"].startswith("/login")
                else:
                    assert r.status_code == 403, (method, route.path, r.status_code)
    assert checked > 45, checked


def test_api_docs_are_served_by_the_app_not_a_cdn(app: Any) -> None:
    with TestClient(app) as client:
        page = client.get("/docs")
        assert page.status_code == 200
        assert "/docs-filer/swagger-ui-bundle.js" in page.text
        assert "cdn" not in page.text.lower()
        script = client.get("/docs-filer/swagger-ui-bundle.js")
        assert script.status_code == 200 and len(script.content) > 100_000
        assert client.get("/redoc").status_code == 404  # ReDoc loads from a CDN: not offered
