"""Column headings may wrap inside a long compound (web.views.breakable): the per-doctor table
of the fairness page fits a 1280 px window with «Kompetansebakvakter» in its head."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.web.conftest import publish_small
from web.views import SOFT_HYPHEN, breakable


def test_breakable_long_compound_breaks_before_the_duty() -> None:
    assert breakable("Kompetansebakvakter") == f"Kompetanse{SOFT_HYPHEN}bakvakter"
    assert breakable("Kompetansebakvakt helg kveld") == (
        f"Kompetanse{SOFT_HYPHEN}bakvakt helg kveld"
    )


def test_breakable_short_words_unchanged() -> None:
    for text in ("Netter", "Helg og høytid", "Natt (hjemmevakt)", "Store høytider", ""):
        assert breakable(text) == text


def test_breakable_shown_as_the_word() -> None:
    assert breakable("Kompetansebakvakter").replace(SOFT_HYPHEN, "") == "Kompetansebakvakter"


def test_fairness_heading_breakable_in_the_per_doctor_table(app: Any, api: TestClient) -> None:
    publish_small(app, api)
    page = api.get("/legevakter/fjellvik/versjoner/1/rettferdighet")
    assert page.status_code == 200
    assert f'<th scope="col">Kompetanse{SOFT_HYPHEN}bakvakter</th>' in page.text
