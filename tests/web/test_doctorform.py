"""One doctor in a form: added, changed and taken off the list without a staff file, read by
the staff list's own reader (the same Norwegian field names, dates and words), the whole plan
file checked after; a form with problems names each field and saves nothing."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from roster.instance import parse_instance_text
from tests.web.test_setup import BASE, make_fjordby, post, yaml_of

FORM = f"{BASE}/oppsett/leger"

NEW_DOCTOR = {
    "id": "fj-01",
    "name": "Kari Nordmann",
    "birth_date": "02.03.1980",  # as a leader writes it (the date field sends 1980-03-02)
    "municipality": "fjellvik",
    "kind": "fastlege",
    "share": "0,5",
    "competence.specialist_since": "2015-06-01",
    "competence.legevakt_shifts_before": "40",
    "email": "kari@example.no",
}


def doctors_of(client: TestClient) -> dict[str, Any]:
    doc = parse_instance_text(yaml_of(client), "instance.yaml")
    return {d.id: d for d in doc.doctors}


def test_doctor_form_adds_changes_and_removes_a_doctor(pages: tuple[TestClient, str]) -> None:
    client, token = pages
    make_fjordby(client, token)
    assert "Ny lege" in client.get(f"{BASE}/oppsett").text
    assert client.get(f"{FORM}/ny").status_code == 200

    r = post(client, token, FORM, NEW_DOCTOR)
    assert r.status_code == 303, r.text
    kari = doctors_of(client)["fj-01"]
    assert kari.name == "Kari Nordmann" and kari.share == 0.5
    assert kari.birth_date.isoformat() == "1980-03-02"
    assert kari.competence.specialist_since is not None
    assert kari.competence.legevakt_shifts_before == 40
    assert "Kari Nordmann" in client.get(f"{BASE}/oppsett").text

    # an absence added on the doctor's own page stays when the doctor is changed
    client.headers["X-CSRF-Token"] = token
    r = client.post(
        "/api/legevakter/fjordby/leger/fj-01/absences",
        json={"kind": "course", "start": "2027-01-11", "end": "2027-01-12"},
    )
    assert r.status_code == 201, r.text
    page = client.get(f"{FORM}/fj-01").text
    assert 'value="0,5"' in page and 'value="1980-03-02"' in page
    changed = {**NEW_DOCTOR, "name": "Kari B. Nordmann", "share": "100 %", "gammel": "fj-01"}
    changed["id"] = "annet-id"  # the id of a doctor on the list cannot change
    r = post(client, token, FORM, changed)
    assert r.status_code == 303, r.text
    doctors = doctors_of(client)
    assert set(doctors) == {"fj-01"}
    assert doctors["fj-01"].name == "Kari B. Nordmann" and doctors["fj-01"].share == 1.0
    yaml = yaml_of(client)
    assert "2027-01-11" in yaml  # the absence is still there
    log = client.get(f"{BASE}/logg").text
    assert "lege lagt til: Kari Nordmann" in log and "lege endret: Kari B. Nordmann" in log

    # taken off the list: not while the absence names her (said in words), then yes
    r = post(client, token, FORM, {"gammel": "fj-01", "slett": "1"})
    assert r.status_code == 422
    assert "Kari B. Nordmann (fj-01) skal fjernes, men har fravær i planfilen" in r.text
    assert set(doctors_of(client)) == {"fj-01"}
    r = post(client, token, f"{BASE}/leger/fj-01/fjern", {"nr": "0", "del": "absences"})
    assert r.status_code == 303, r.text
    r = post(client, token, FORM, {"gammel": "fj-01", "slett": "1"})
    assert r.status_code == 303, r.text
    assert doctors_of(client) == {}


def test_doctor_form_problems_are_named_by_field_and_nothing_is_saved(
    pages: tuple[TestClient, str],
) -> None:
    client, token = pages
    make_fjordby(client, token)
    assert post(client, token, FORM, NEW_DOCTOR).status_code == 303
    before = yaml_of(client)
    bad = {
        **NEW_DOCTOR,
        "id": "fj-02",
        "birth_date": "31.02.1980",
        "share": "mye",
        "municipality": "oslo",
        "competence.acute_course": "i fjor",
    }
    r = post(client, token, FORM, bad)
    assert r.status_code == 422
    for field in ("Fødselsdato", "Andel", "Kommune", "Kurs akuttmedisin"):
        assert f"{field}:" in r.text, field
    assert "4 feil – ingenting er lagret" in r.text
    assert 'value="mye"' in r.text  # what was written is shown again
    # a second doctor with an id already on the list: the whole file's check says so
    r = post(client, token, FORM, {**NEW_DOCTOR, "name": "Kari Kopi"})
    assert r.status_code == 422
    assert "fj-01" in r.text
    assert yaml_of(client) == before
    assert client.get(f"{FORM}/finnes-ikke").status_code == 404


def test_doctor_form_needs_the_csrf_token(pages: tuple[TestClient, str]) -> None:
    client, token = pages
    make_fjordby(client, token)
    r = client.post(FORM, data=NEW_DOCTOR, follow_redirects=False)
    assert r.status_code == 403
    assert doctors_of(client) == {}
