"""The pages a leader uses, through the login form and with CSRF tokens, as a browser would."""

from __future__ import annotations

import html as htmllib
import io
import re
import zipfile
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from roster.formats.exchange import CSV_HEADER
from roster.limits import MAX_STAFF_ROWS
from tests.web.conftest import assert_no_breaches
from tests.web.test_language import foreign_words, visible_text

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
GOOD_STAFF = (EXAMPLES / "small" / "ansatte.csv").read_bytes()


def bad_staff() -> bytes:
    """The small staff list with a wrong date on data row 2 and an unknown municipality on
    data row 4 (file rows 3 and 5, counting the header as row 1)."""
    lines = GOOD_STAFF.decode("utf-8-sig").splitlines()
    lines[2] = lines[2].replace("27.08.1979", "31.02.1979")
    lines[4] = lines[4].replace(";Fjellvik;", ";Atlantis;")
    return ("\n".join(lines) + "\n").encode()


def create_small(client: TestClient, token: str) -> None:
    r = client.post(
        "/legevakter", data={"eksempel": "small", "csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/legevakter/fjellvik"


def upload(client: TestClient, token: str, name: str, data: bytes) -> Any:
    """Upload a staff list: the page shows what it would change and saves nothing; a good
    list is then confirmed (the response to the confirmation, 303, is returned)."""
    r = client.post(
        "/legevakter/fjellvik/ansatte",
        data={"csrf_token": token},
        files={"fil": (name, data, "text/csv")},
        follow_redirects=False,
    )
    if r.status_code != 200:
        return r
    assert "Se over før du lagrer" in r.text and "Ingenting er lagret ennå" in r.text
    return client.post(
        "/legevakter/fjellvik/ansatte/lagre",
        data={"csrf_token": token, **hidden_fields(r.text, "filnavn", "grunnlag", "leger")},
        follow_redirects=False,
    )


def hidden_fields(html: str, *names: str) -> dict[str, str]:
    found = {}
    for name in names:
        m = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or re.search(
            rf'<textarea name="{name}"[^>]*>(.*?)</textarea>', html, re.S
        )
        assert m, name
        found[name] = htmllib.unescape(m.group(1))
    return found


def test_staff_upload_shows_who_is_added_removed_and_changed_before_saving(
    pages: tuple[TestClient, str],
) -> None:
    client, token = pages
    create_small(client, token)
    lines = GOOD_STAFF.decode("utf-8-sig").splitlines()
    # a doctor with a wish in the plan file cannot leave the list before the wish goes
    without_five = "\n".join(lines[:5]) + "\n"
    r = client.post(
        "/legevakter/fjellvik/ansatte",
        data={"csrf_token": token},
        files={"fil": ("ny.csv", without_five.encode(), "text/csv")},
    )
    assert r.status_code == 422
    assert "Ahmed Rahimi (fv-05) er ikke med i den nye listen, men har ønsker" in r.text
    assert "wishes" not in r.text

    lines[3] = lines[3].replace("Tor Ivar Bøe", "Tor I. Bøe")  # a new name
    lines.append(lines[2].replace("fv-02", "fv-09").replace(lines[2].split(";")[1], "Ny Lege"))
    removed = lines.pop(1)  # the first doctor leaves
    r = client.post(
        "/legevakter/fjellvik/ansatte",
        data={"csrf_token": token},
        files={"fil": ("ny.csv", ("\n".join(lines) + "\n").encode(), "text/csv")},
    )
    assert r.status_code == 200
    assert "Nye (1):</strong> Ny Lege" in r.text
    assert f"Fjernes (1):</strong> {removed.split(';')[1]}" in r.text
    assert "Tor I. Bøe: navn" in r.text
    before = client.get("/api/legevakter/fjellvik").json()["yaml"]
    assert "Ny Lege" not in before  # nothing saved yet
    fields = hidden_fields(r.text, "filnavn", "grunnlag", "leger")
    # the plan file changes meanwhile: the confirmation is refused, nothing saved
    shorter = before.replace("end: 2027-04-04", "end: 2027-03-28", 1)
    r = client.post("/legevakter/fjellvik/rediger", data={"yaml": shorter, "csrf_token": token})
    assert r.status_code in (200, 303)
    stale = client.post("/legevakter/fjellvik/ansatte/lagre", data={"csrf_token": token, **fields})
    assert stale.status_code == 409 and "Last opp filen på nytt" in stale.text
    assert "Ny Lege" not in client.get("/api/legevakter/fjellvik").json()["yaml"]
    r = upload(client, token, "ny.csv", ("\n".join(lines) + "\n").encode())
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    assert "Lastet opp 5 leger (1 ny, 1 fjernet, 1 endret)" in page
    log = client.get("/legevakter/fjellvik/logg").text
    assert "legeliste lastet opp" in log and "1 ny, 1 fjernet, 1 endret" in log


def test_staff_upload_shows_every_problem_by_row_and_saves_nothing(
    pages: tuple[TestClient, str],
) -> None:
    client, token = pages
    create_small(client, token)
    before = client.get("/legevakter/fjellvik/rediger").text
    r = upload(client, token, "ansatte.csv", bad_staff())
    assert r.status_code == 422
    assert "ingenting er lagret" in r.text
    assert re.search(r"Rad 3, kolonne «Fødselsdato»", r.text), r.text
    assert re.search(r"Rad 5, kolonne «Kommune»", r.text)
    assert "Atlantis" in r.text
    assert client.get("/legevakter/fjellvik/rediger").text == before

    r = upload(client, token, "ansatte.csv", GOOD_STAFF)
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    assert "Lastet opp 5 leger" in page
    assert "Svein Åsheim" in page


def test_yaml_edit_shows_the_line_and_keeps_the_old_text(pages: tuple[TestClient, str]) -> None:
    client, token = pages
    create_small(client, token)
    text = client.get("/api/legevakter/fjellvik").json()["yaml"]
    broken = text.replace("end: 2027-04-04", "end: 2027-02-30", 1)
    assert broken != text
    r = client.post("/legevakter/fjellvik/rediger", data={"yaml": broken, "csrf_token": token})
    assert r.status_code == 422
    line = next(i + 1 for i, t in enumerate(broken.splitlines()) if "2027-02-30" in t)
    assert f"Linje {line}" in r.text
    assert client.get("/api/legevakter/fjellvik").json()["yaml"] == text

    changed = text.replace("end: 2027-04-04", "end: 2027-03-28", 1)
    r = client.post(
        "/legevakter/fjellvik/rediger",
        data={"yaml": changed, "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert client.get("/api/legevakter/fjellvik").json()["periode"]["slutt"] == "2027-03-28"


def test_make_plan_progress_calendar_fairness_doctor_publish_export(
    app: Any, pages: tuple[TestClient, str]
) -> None:
    client, token = pages
    create_small(client, token)
    r = client.post(
        "/legevakter/fjellvik/lag",
        data={"start": "2027-01-04", "slutt": "2027-02-28", "tidsgrense": "5", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    plan_url = r.headers["location"]
    job_id = int(plan_url.rsplit("/", 1)[1])
    first = client.get(plan_url).text
    assert "Plan " in first
    app.state.runner.wait(job_id, timeout=120)
    assert_no_breaches(app, job_id)

    plan = client.get(plan_url).text
    assert "Publiser" in plan and "0 brudd" in plan
    assert "ingen plan kan være jevnere enn " in plan

    cal = client.get(plan_url + "/kalender?maned=2027-02").text
    assert "Februar 2027" in cal
    assert cal.count('class="day') >= 28
    assert "role-primary mode-standby" in cal
    assert "Lege i vakt:" in cal  # the detail shown on click
    assert "UBEMANNET" not in cal.split('<div class="month">')[1]  # only in the legend
    assert "Uke 5" in cal or ">5</a>" in cal  # ISO week numbers, linking to the week view

    fair = client.get(plan_url + "/rettferdighet").text
    assert "<svg" in fair and "Belastning og mål per lege" in fair
    assert fair.count("<rect") >= 5 + 1  # five doctors and one municipality
    assert "Største avvik fra målet" in fair
    # counts against target per category, as doctors count them, with the same figures as
    # the fairness accounting (shown as "have / target")
    report = client.get(f"/api/planer/{job_id}/rettferdighet").json()
    fv03 = next(d for d in report["doctors"] if d["doctor_id"] == "fv-03")
    nights = fv03["shifts_by_category"]["night"]
    target = f"{fv03['category_targets']['night']:.1f}".replace(".", ",")
    assert "Antall innenfor båndet" in fair and "Netter" in fair and "Helg og høytid" in fair
    assert f"{nights} / {target}" in fair
    assert "Slik ble planen laget" in fair and "alle vakter bemannet" in fair

    doctor = client.get(plan_url + "/leger/fv-03").text
    assert "Vakter (" in doctor and "Ingen aktiv lenke" in doctor
    assert "Antall mot mål" in doctor and f">{nights}<" in doctor

    xlsx = client.get(plan_url + "/eksport.xlsx")
    assert xlsx.status_code == 200 and zipfile.is_zipfile(io.BytesIO(xlsx.content))
    csv = client.get(plan_url + "/eksport.csv")
    assert csv.text.splitlines()[0] == ",".join(CSV_HEADER)
    assert "attachment" in csv.headers["content-disposition"]
    printable = client.get(plan_url + "/eksport.html")
    assert printable.headers["content-type"].startswith("text/html")
    assert "Fjellvik legevakt" in printable.text
    assert client.get(plan_url + "/eksport.pdf").status_code == 404

    r = client.post(f"{plan_url}/publiser", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    version_url = r.headers["location"]
    assert version_url == "/legevakter/fjellvik/versjoner/1"
    version = client.get(version_url).text
    assert "Publisert versjon 1" in version and "Publiser</button>" not in version
    doctor = client.get(version_url + "/leger/fv-03").text
    assert "/kalender/" in doctor and ".ics" in doctor
    assert (
        client.get("/legevakter/fjellvik/leger/fv-03", follow_redirects=False).headers["location"]
        == "/legevakter/fjellvik/versjoner/1/leger/fv-03"
    )

    log = client.get("/legevakter/fjellvik/logg").text
    assert "publisert" in log and "periode endret" in log


def test_second_version_can_be_compared_with_the_first(
    app: Any, pages: tuple[TestClient, str]
) -> None:
    client, token = pages
    create_small(client, token)
    client.headers["X-CSRF-Token"] = token

    def publish() -> int:
        job = client.post("/api/legevakter/fjellvik/planer", json={"slutt": "2027-01-31"}).json()
        app.state.runner.wait(job["id"], timeout=120)
        assert_no_breaches(app, job["id"])
        return int(client.post(f"/api/planer/{job['id']}/publiser").json()["nummer"])

    assert publish() == 1
    rows = client.get("/api/legevakter/fjellvik/versjoner/1").json()["rader"]
    away = next(r for r in rows if r["date"] >= "2027-01-25" and r["doctor_id"])
    text = client.get("/api/legevakter/fjellvik").json()["yaml"]
    text = text.replace(
        "absences:\n",
        f"absences:\n- doctor: {away['doctor_id']}\n  kind: holiday\n"
        "  start: 2027-01-25\n  end: 2027-01-31\n",
        1,
    )
    assert client.put("/api/legevakter/fjellvik/planfil", json={"yaml": text}).status_code == 200
    assert publish() == 2
    page = client.get("/legevakter/fjellvik/sammenlign?fra=1&til=2").text
    assert "Endringer fra versjon 1 til versjon 2" in page
    changes = client.get("/api/legevakter/fjellvik/versjoner/2/endringer?mot=1").json()["endringer"]
    name = away["doctor_name"]
    assert changes, "the absent doctor's duties in the last week moved to others"
    assert all(name not in c["etter"] for c in changes if c["dato"] >= "2027-01-25")
    assert any(name in c["for"] for c in changes)
    assert name in page
    # dates on the page in Norwegian, no internal values (the walk's own check)
    assert foreign_words(visible_text(page)) == []
    # version 1 is unchanged and still readable
    assert client.get("/legevakter/fjellvik/versjoner/1/kalender?maned=2027-01").status_code == 200


def test_whole_legevakt_feed_link_can_be_rotated_from_the_page(
    app: Any, pages: tuple[TestClient, str]
) -> None:
    client, token = pages
    create_small(client, token)
    page = client.get("/legevakter/fjellvik").text
    assert "har ingen aktiv lenke" in page
    r = client.post(
        "/legevakter/fjellvik/kalenderlenker",
        data={"csrf_token": token, "lege": "", "handling": "forny", "tilbake": "//evil.example"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/legevakter/fjellvik"
    page = client.get("/legevakter/fjellvik").text
    link = re.search(r'href="(http://testserver/kalender/[^"]+\.ics)"', page)
    assert link, page
    r = client.post(
        "/legevakter/fjellvik/kalenderlenker",
        data={"csrf_token": token, "lege": "", "handling": "trekk"},
        follow_redirects=False,
    )
    assert "har ingen aktiv lenke" in client.get("/legevakter/fjellvik").text
    assert client.get(link.group(1)).status_code == 404
    r = client.post(
        "/legevakter/fjellvik/kalenderlenker",
        data={"csrf_token": token, "lege": "ukjent", "handling": "forny"},
    )
    assert r.status_code == 404


def xlsx_of(csv_bytes: bytes) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    for line in csv_bytes.decode("utf-8-sig").splitlines():
        ws.append(line.split(";"))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_staff_list_as_excel_and_a_large_file_within_the_limit(
    pages: tuple[TestClient, str],
) -> None:
    client, token = pages
    create_small(client, token)
    r = upload(client, token, "Ansatte 2027.xlsx", xlsx_of(GOOD_STAFF))
    assert r.status_code == 303, r.text
    assert "Lastet opp 5 leger" in client.get(r.headers["location"]).text
    # as many rows as a list may have: read to the end, each bad row reported, nothing saved
    header, first = GOOD_STAFF.decode("utf-8-sig").splitlines()[:2]
    row = first.replace("fv-01", "x").replace("09.03.1965", "dato?")
    body = "\n".join([header, *[row] * (MAX_STAFF_ROWS - 1)]).encode()
    r = upload(client, token, "stor.csv", body)
    assert r.status_code == 422
    assert "Rad 2" in r.text and "feil til" in r.text
    r = upload(client, token, "stor.csv", body + b"\n" + row.encode())  # one row too many
    assert r.status_code == 422 and f"mer enn {MAX_STAFF_ROWS} rader" in r.text
    assert len(r.text) < 200_000  # the first 200 problems, then a count
    client.headers["X-CSRF-Token"] = token
    some = "\n".join([header, *[row] * 600]).encode()  # two problems per row
    r = client.post("/api/legevakter/fjellvik/ansatte", files={"fil": ("stor.csv", some)})
    assert r.status_code == 422
    assert len(r.json()["feil"]["problemer"]) == 1000
    assert "de første 1000 vises" in r.json()["feil"]["melding"]
