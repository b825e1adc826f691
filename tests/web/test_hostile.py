"""Issue 13's findings through the web: hostile plan files and uploads are refused in
Norwegian within the budget and change nothing; exports never carry formulas; names never
break a feed, and a fault of ours in a feed is never answered as "not found"."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar
from openpyxl import load_workbook
from sqlalchemy import select, update

from roster.formats import yamlio
from tests.fuzz.budget import budget
from tests.fuzz.corpus import STAFF_CSV, laughs_in_params, sheet_xml, with_sheet, zip_bomb
from tests.web.conftest import forget_rendered, solve_small
from web.models import LegevaktRow, PublishedVersion


def _yaml(api: TestClient) -> str:
    return str(api.get("/api/legevakter/fjellvik").json()["yaml"])


def test_billion_laughs_plan_file_is_a_quick_422(api: TestClient) -> None:
    api.post("/api/legevakter", json={"eksempel": "small"})
    before = _yaml(api)
    text = laughs_in_params(9)
    assert len(text) < 8 * 1024
    with budget("laughs"):
        r = api.put("/api/legevakter/fjellvik/planfil", json={"yaml": text})
    assert r.status_code == 422
    assert "aliasene (*navn)" in r.json()["feil"]["problemer"][0]["melding"]
    assert _yaml(api) == before
    assert api.get("/login").status_code == 200


def test_rule_set_path_is_the_same_422_whether_or_not_the_file_exists(api: TestClient) -> None:
    api.post("/api/legevakter", json={"eksempel": "small"})
    data = yamlio.load(_yaml(api))
    answers = []
    for where in ("../../../../examples/small/instance", "../../../../finnes/ikke"):
        data["ruleset"] = where
        r = api.put("/api/legevakter/fjellvik/planfil", json={"yaml": yamlio.dump(data)})
        answers.append((r.status_code, [p["melding"] for p in r.json()["feil"]["problemer"]]))
    assert answers[0][0] == answers[1][0] == 422
    assert all("ukjent regelsett" in m and "finnes: norge" in m for m in answers[0][1])
    assert "Fjellvik" not in str(answers[0][1])


@pytest.mark.parametrize(
    ("start", "slutt"), [("2100-01-01", "2100-03-31"), ("9999-01-01", "9999-12-31")]
)
def test_periods_past_the_holiday_calendar_are_refused(
    api: TestClient, start: str, slutt: str
) -> None:
    api.post("/api/legevakter", json={"eksempel": "small"})
    before = _yaml(api)
    r = api.put("/api/legevakter/fjellvik/periode", json={"start": start, "slutt": slutt})
    assert r.status_code == 422, r.text
    assert "1901" in r.text or "1900" in r.text
    r = api.post("/api/legevakter/fjellvik/planer", json={"start": start, "slutt": slutt})
    assert r.status_code == 422
    assert _yaml(api) == before


def _upload(api: TestClient, name: str, data: bytes) -> Any:
    return api.post(
        "/api/legevakter/fjellvik/ansatte", files={"fil": (name, data, "application/octet-stream")}
    )


def test_costly_excel_files_are_refused_before_parsing(
    api: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.post("/api/legevakter", json={"eksempel": "small"})
    before = _yaml(api)
    far_right = with_sheet(
        sheet_xml("".join(f'<row r="{r}"><c r="XFD{r}"><v>1</v></c></row>' for r in range(1, 5001)))
    )
    bomb = zip_bomb(200)

    def never(*args: object, **kw: object) -> None:
        raise AssertionError("parsed a file the guard should have refused")

    monkeypatch.setattr("openpyxl.load_workbook", never)
    for data, words in ((far_right, "kolonne XFD"), (bomb, "pakket ut")):
        with budget(words):
            r = _upload(api, "ansatte.xlsx", data)
        assert r.status_code == 422
        assert words in r.json()["feil"]["problemer"][0]["melding"]
    assert _yaml(api) == before


HOSTILE_NAMES = {
    "fv-01": "Svein\nÅsheim",
    "fv-02": '=HYPERLINK("http://example.invalid","Klikk")',
    "fv-03": "=1+1",
    "fv-04": "+Nora Lie",
    "fv-05": "@Ola Dal",
}


def _staff_with_names() -> bytes:
    rows = list(csv.reader(io.StringIO(STAFF_CSV.read_text(encoding="utf-8-sig")), delimiter=";"))
    for row in rows[1:]:
        row[1] = HOSTILE_NAMES[row[0]]
    buf = io.StringIO()
    csv.writer(buf, delimiter=";").writerows(rows)
    return buf.getvalue().encode("utf-8")


@pytest.fixture
def hostile_plan(app: Any, api: TestClient) -> int:
    """Fjellvik with hostile doctor names and a line break in the legevakt's name, solved
    and published. Returns the plan id."""
    api.post("/api/legevakter", json={"eksempel": "small"})
    assert _upload(api, "ansatte.csv", _staff_with_names()).status_code == 200
    text = _yaml(api).replace("  name: Fjellvik legevakt\n", '  name: "Fjellvik\\nlegevakt"\n', 1)
    assert api.put("/api/legevakter/fjellvik/planfil", json={"yaml": text}).status_code == 200
    job_id = solve_small(app, api)
    assert api.post(f"/api/planer/{job_id}/publiser").status_code == 201
    return job_id


def test_exports_carry_no_formulas(api: TestClient, hostile_plan: int) -> None:
    r = api.get(f"/api/planer/{hostile_plan}/eksport/xlsx")
    assert r.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(r.content))
    for part in archive.namelist():
        if part.startswith("xl/worksheets/"):
            assert b"<f>" not in archive.read(part) and b"<f " not in archive.read(part), part
    wb = load_workbook(io.BytesIO(r.content))
    texts = [
        c.value
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str)
    ]
    assert any(t.startswith("=HYPERLINK") for t in texts)  # shown as the text it is
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value[:1] in "=+-@":
                    assert c.data_type == "s" and c.quotePrefix, (ws.title, c.coordinate)
    body = api.get(f"/api/planer/{hostile_plan}/eksport/csv").text
    names = {row["doctor_name"] for row in csv.DictReader(io.StringIO(body))}
    assert {"'=1+1", "'+Nora Lie", "'@Ola Dal", "Svein Åsheim"} <= names
    assert not any(n[:1] in "=+-@" for n in names)


def test_line_breaks_in_names_never_break_a_feed(
    app: Any, api: TestClient, hostile_plan: int
) -> None:
    links = {x["lege"]: x["url"] for x in api.get("/api/legevakter/fjellvik/kalenderlenker").json()}
    for who in ("fv-01", None):
        r = api.get(links[who])
        assert r.status_code == 200, (who, r.text)
        name = str(Calendar.from_ical(r.content)["X-WR-CALNAME"])
        assert "\n" not in name and "\r" not in name
    assert "Svein Åsheim" in str(
        Calendar.from_ical(api.get(links["fv-01"]).content)["X-WR-CALNAME"]
    )
    # a version stored before names were made one line still serves its feeds
    with app.state.sessions() as s:
        v = s.scalar(select(PublishedVersion))
        assert v is not None
        broken = v.instance_yaml.replace("name: Svein Åsheim", 'name: "Svein\\nÅsheim"', 1)
        assert broken != v.instance_yaml
        s.execute(update(PublishedVersion).values(instance_yaml=broken))
        s.commit()
    forget_rendered(app)
    r = api.get(links["fv-01"])
    assert r.status_code == 200 and b"Svein \xc3\x85sheim" in r.content


def test_a_fault_in_a_feed_is_not_answered_as_not_found(
    app: Any, api: TestClient, hostile_plan: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = api.get("/api/legevakter/fjellvik/kalenderlenker").json()[0]["url"]

    def broken(*args: object) -> bytes:
        raise RuntimeError("en feil hos oss")

    monkeypatch.setattr("web.renders.feed_calendar", broken)
    forget_rendered(app)
    with TestClient(app, raise_server_exceptions=False) as anonymous:
        r = anonymous.get(url)
    assert r.status_code == 500
    assert r.text != "Finnes ikke." and "en feil hos oss" not in r.text
    with app.state.sessions() as s:
        assert s.scalar(select(LegevaktRow.name)) == "Fjellvik legevakt"
