"""The calendar and fairness pages of a plan: their plan part (the month grid, the fairness
tables and charts) is rendered once per plan and month (web.plan_pages.plan_part), while who may
see it and the page around it (the user's name, the CSRF token) stay per request."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import PASSWORD, USER, page_csrf, page_login, publish_small

KARI, KARI_PASSWORD = "kari", "fjellviks-leders-passord"
OTHER, OTHER_PASSWORD = "annen", "annen-leders-passord"
VERSION = "/legevakter/fjellvik/versjoner/1"


def signed_in(app: Any, user: str, password: str) -> tuple[TestClient, str]:
    client = TestClient(app)
    return client, page_login(client, user, password)


@pytest.fixture
def rendered(app: Any, monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How often each template was loaded for rendering, by name."""
    counts: Counter[str] = Counter()
    env = app.state.templates.env
    original = env.get_template

    def counting(name: Any, *args: Any, **kwargs: Any) -> Any:
        counts[str(name)] += 1
        return original(name, *args, **kwargs)

    monkeypatch.setattr(env, "get_template", counting)
    return counts


def main_part(html: str) -> str:
    """The page after its crumbs: the plan part."""
    return html.split('<p class="crumbs">', 1)[1].split("</p>", 1)[1].split("</main>", 1)[0]


def test_plan_part_rendered_once_per_plan_and_month(
    app: Any, api: TestClient, rendered: Counter[str]
) -> None:
    publish_small(app, api)
    for name, password, slug in (
        (KARI, KARI_PASSWORD, "fjellvik"),
        (OTHER, OTHER_PASSWORD, "innherred"),
    ):
        if slug == "innherred":
            assert api.post("/api/legevakter", json={"eksempel": "innherred"}).status_code == 201
        body = {"brukernavn": name, "passord": password, "rolle": "leder", "legevakter": [slug]}
        assert api.post("/api/brukere", json=body).status_code == 201
    admin, admin_csrf = signed_in(app, USER, PASSWORD)
    kari, kari_csrf = signed_in(app, KARI, KARI_PASSWORD)
    other, _ = signed_in(app, OTHER, OTHER_PASSWORD)

    first = admin.get(VERSION + "/kalender?maned=2027-02")
    again = admin.get(VERSION + "/kalender?maned=2027-02")
    hers = kari.get(VERSION + "/kalender?maned=2027-02")
    assert first.status_code == again.status_code == hers.status_code == 200
    assert rendered["_kalender.html"] == 1
    assert main_part(first.text) == main_part(again.text) == main_part(hers.text)
    assert "Februar 2027" in main_part(hers.text) and 'class="month"' in main_part(hers.text)
    # the page around the part is each user's own
    assert page_csrf(first.text) == admin_csrf and page_csrf(hers.text) == kari_csrf
    assert f">{USER}</a>" in first.text and f">{KARI}</a>" in hers.text
    assert f">{USER}</a>" not in hers.text

    assert "Mars 2027" in admin.get(VERSION + "/kalender?maned=2027-03").text
    assert rendered["_kalender.html"] == 2  # another month, another part
    # a month outside the plan shows the first month and keeps nothing new
    assert "Januar 2027" in admin.get(VERSION + "/kalender?maned=1999-13").text
    assert "Januar 2027" in admin.get(VERSION + "/kalender").text
    assert rendered["_kalender.html"] == 3

    fair = admin.get(VERSION + "/rettferdighet")
    assert fair.status_code == 200 and kari.get(VERSION + "/rettferdighet").status_code == 200
    assert rendered["_rettferdighet.html"] == 1
    assert "Antall innenfor båndet" in fair.text

    # access is checked on every request, kept part or not
    for path in ("/kalender?maned=2027-02", "/rettferdighet"):
        refused = other.get(VERSION + path)
        assert refused.status_code == 403 and "Februar 2027" not in refused.text
        assert "Antall innenfor båndet" not in refused.text
