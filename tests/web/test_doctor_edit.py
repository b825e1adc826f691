"""Absences, exemptions and wishes edited in forms: validated like the file, all or nothing."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient

from tests.web.test_pages import create_small
from web import store

EDIT = "/legevakter/fjellvik/leger/fv-03/rediger"
ADD = "/legevakter/fjellvik/leger/fv-03/legg-til"


def doc(client: TestClient) -> store.InstanceFile:
    return store.document(client.get("/api/legevakter/fjellvik").json()["yaml"])


def test_add_and_remove_an_absence(pages: tuple[TestClient, str]) -> None:
    client, token = pages
    create_small(client, token)
    assert "Ingen" in client.get(EDIT).text
    r = client.get("/legevakter/fjellvik/leger/fv-03", follow_redirects=False)
    assert r.headers["location"] == EDIT  # no plan yet: the doctor's form
    r = client.post(
        ADD,
        data={
            "csrf_token": token,
            "del": "absences",
            "kind": "course",
            "start": "2027-02-01",
            "end": "2027-02-03",
            "note": "Akuttmedisinkurs",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    assert "Lagret." in page and "Akuttmedisinkurs" in page and "kurs 1. februar 2027" in page
    mine = [a for a in doc(client).absences if a.doctor == "fv-03"]
    assert len(mine) == 1 and mine[0].kind.value == "course"
    index = next(i for i, a in enumerate(doc(client).absences) if a.doctor == "fv-03")
    r = client.post(
        "/legevakter/fjellvik/leger/fv-03/fjern",
        data={"csrf_token": token, "del": "absences", "nr": str(index)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert not [a for a in doc(client).absences if a.doctor == "fv-03"]
    log = client.get("/api/legevakter/fjellvik/logg").json()
    assert {"fravær_lagt_til", "fravær_fjernet"} <= {e["handling"] for e in log}


def test_invalid_entry_is_shown_and_nothing_saved(pages: tuple[TestClient, str]) -> None:
    client, token = pages
    create_small(client, token)
    before = client.get("/api/legevakter/fjellvik").json()["yaml"]
    r = client.post(
        ADD,
        data={
            "csrf_token": token,
            "del": "absences",
            "kind": "holiday",
            "start": "2027-03-10",
            "end": "2027-03-01",
        },
    )
    assert r.status_code == 422
    assert "fravær slutter før det starter" in r.text
    r = client.post(ADD, data={"csrf_token": token, "del": "wishes", "want": "true"})
    assert r.status_code == 422
    assert "ønsket må gjelde datoer eller vakttyper" in r.text
    assert client.get("/api/legevakter/fjellvik").json()["yaml"] == before
    assert client.post(ADD, data={"del": "absences"}).status_code == 403  # no CSRF token
    assert client.get("/legevakter/fjellvik/leger/ukjent/rediger").status_code == 404


def test_exemption_and_wish_with_shift_types(pages: tuple[TestClient, str]) -> None:
    client, token = pages
    create_small(client, token)
    r = client.post(
        ADD,
        data={
            "csrf_token": token,
            "del": "exemptions",
            "kind": "health",
            "scope": "nights",
            "granted": "true",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    r = client.post(
        ADD,
        data={
            "csrf_token": token,
            "del": "wishes",
            "want": "false",
            "shift_types": ["natt"],
            "weight": "3",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    file = doc(client)
    ex = [e for e in file.exemptions if e.doctor == "fv-03"]
    assert len(ex) == 1 and ex[0].granted and ex[0].scope.value == "nights"
    wishes = [w for w in file.wishes if w.doctor == "fv-03"]
    assert len(wishes) == 2  # the example has one already
    assert wishes[-1].shift_types == ("natt",) and not wishes[-1].want and wishes[-1].weight == 3
    page = client.get(EDIT).text
    assert "helse (natt)" in page and "Vil helst ikke ha natt" in page


def test_pregnancy_until_birth_and_breastfeeding_in_forms(pages: tuple[TestClient, str]) -> None:
    client, token = pages
    create_small(client, token)
    base = {"csrf_token": token, "del": "exemptions", "scope": "outside_hours"}
    pregnancy = {**base, "kind": "pregnancy", "reference_date": "2027-03-20", "born": "2027-03-25"}
    for data in (pregnancy, {**base, "kind": "breastfeeding"}):
        r = client.post(ADD, data=data, follow_redirects=False)
        assert r.status_code == 303, r.text
    ex = [e for e in doc(client).exemptions if e.doctor == "fv-03"]
    assert [(e.kind.value, e.reference_date, e.born) for e in ex] == [
        ("pregnancy", dt.date(2027, 3, 20), dt.date(2027, 3, 25)),
        ("breastfeeding", None, None),  # follows from the birth
    ]
    assert "termin 20. mars 2027, født 25. mars 2027" in client.get(EDIT).text
