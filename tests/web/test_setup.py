"""The plan file in Norwegian forms: a legevakt from scratch without YAML, every part of the
file changed in a form, and every problem named by its field in Norwegian with nothing saved.
The forms are checked with the same models as the file (roster.model, roster.instance)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from roster.instance import parse_instance_text
from roster.model import Mode, Role, Scope
from tests.web.conftest import assert_no_breaches
from tests.web.test_pages import GOOD_STAFF

BASE = "/legevakter/fjordby"


def post(client: TestClient, token: str, path: str, data: dict[str, Any]) -> Any:
    return client.post(path, data={"csrf_token": token, **data}, follow_redirects=False)


def yaml_of(client: TestClient) -> str:
    return str(client.get("/api/legevakter/fjordby").json()["yaml"])


NEW = {
    "name": "Fjordby legevakt",
    "id": "fjordby",
    "host": "fjordby-legevakt.no",
    "kommune_id": "fjellvik",
    "kommune_navn": "Fjellvik",
    "kommune_innbyggere": "4100",
    "start": "2027-01-04",
    "end": "2027-01-31",
    "vakttyper": ["kveld", "natt"],
}


def make_fjordby(client: TestClient, token: str) -> None:
    r = post(client, token, "/legevakter/ny", NEW)
    assert r.status_code == 303, r.text
    assert r.headers["location"] == f"{BASE}/oppsett?lagret=ny"


def test_setup_new_legevakt_from_scratch_every_part_in_forms(
    app: Any, pages: tuple[TestClient, str]
) -> None:
    client, token = pages
    make_fjordby(client, token)
    page = client.get(f"{BASE}/oppsett?lagret=ny").text
    assert "Legevakten er opprettet" in page and "Kveld" in page

    # the legevakt and the period
    r = post(
        client,
        token,
        f"{BASE}/oppsett/legevakt",
        {
            "name": "Fjordby interkommunale legevakt",
            "plan_name": "Fjordby vår 2027",
            "host": "fjordby-legevakt.no",
            "address": "Storgata 1",
            "phone": "74 00 00 00",
            "start": "2027-01-04",
            "end": "2027-02-28",
            "cost_key": "equal",
        },
    )
    assert r.status_code == 303, r.text
    # a second municipality, then its population changed
    r = post(
        client,
        token,
        f"{BASE}/oppsett/kommuner",
        {"id": "fjordby", "name": "Fjordby", "population": "9000"},
    )
    assert r.status_code == 303, r.text
    r = post(
        client,
        token,
        f"{BASE}/oppsett/kommuner",
        {"gammel": "fjordby", "name": "Fjordby", "population": "9100"},
    )
    assert r.status_code == 303, r.text
    # the night changed, a weekend day added, and a competence back-up for the night
    r = post(
        client,
        token,
        f"{BASE}/oppsett/vakttyper",
        {
            "gammel": "natt",
            "label": "Natt",
            "period": "night",
            "days": ["weekday", "saturday", "sunday", "holiday", "holiday_eve"],
            "start": "23:00",
            "end": "08:00",
            "role": "primary",
            "mode": "standby",
            "response_minutes": "20",
            "doctors": "1",
            "points": "4",
            "pool_all": "on",
        },
    )
    assert r.status_code == 303, r.text
    r = post(
        client,
        token,
        f"{BASE}/oppsett/vakttyper",
        {
            "id": "helg-dag",
            "label": "Helg dag",
            "period": "day",
            "days": ["saturday", "sunday"],
            "start": "10:00",
            "end": "16:00",
            "role": "primary",
            "mode": "onsite",
            "doctors": "1",
            "points": "3",
            "pool": ["fjellvik"],
        },
    )
    assert r.status_code == 303, r.text
    r = post(
        client,
        token,
        f"{BASE}/oppsett/vakttyper",
        {
            "id": "bakvakt-natt",
            "label": "Kompetansebakvakt natt",
            "period": "night",
            "days": ["weekday", "saturday", "sunday", "holiday", "holiday_eve"],
            "start": "23:00",
            "end": "08:00",
            "role": "backup_competence",
            "mode": "standby",
            "response_minutes": "60",
            "doctors": "1",
            "points": "1",
            "pool_all": "on",
            "covers": ["natt"],
        },
    )
    assert r.status_code == 303, r.text
    # fairness settings and a local rule value
    weights = {f"weight_{k}": "1" for k in ("night", "weekend", "evening", "big_holiday")}
    r = post(
        client,
        token,
        f"{BASE}/oppsett/rettferdighet",
        {
            "tolerance_points": "1,5",
            "replan_tolerance_points": "2",
            "weight_backup": "0",
            "weight_types": "2",
            "exemption_makeup": "on",
            **weights,
        },
    )
    assert r.status_code == 303, r.text
    assert "Lokal verdi: Hviletid" in client.get(f"{BASE}/oppsett/regler/ny?regel=rest").text
    r = post(
        client,
        token,
        f"{BASE}/oppsett/regler",
        {"rule": "max_nights", "max": "20", "reason": "Lokal avtale 2026"},
    )
    assert r.status_code == 303, r.text

    # the staff list (uploaded and confirmed), then an absence and an exemption for two
    r = client.post(
        f"{BASE}/ansatte",
        data={"csrf_token": token},
        files={"fil": ("ansatte.csv", GOOD_STAFF, "text/csv")},
    )
    assert r.status_code == 200 and "Nye (5)" in r.text, r.text
    from tests.web.test_pages import hidden_fields

    fields = hidden_fields(r.text, "filnavn", "grunnlag", "leger")
    assert post(client, token, f"{BASE}/ansatte/lagre", fields).status_code == 303
    r = post(
        client,
        token,
        f"{BASE}/oppsett/fravaer",
        {
            "del": "absences",
            "leger": ["fv-01", "fv-02"],
            "kind": "course",
            "start": "2027-02-01",
            "end": "2027-02-03",
            "note": "Akuttmedisinkurs",
        },
    )
    assert r.status_code == 303, r.text
    r = post(
        client,
        token,
        f"{BASE}/oppsett/fravaer",
        {
            "del": "exemptions",
            "leger": ["fv-03"],
            "kind": "health",
            "scope": "nights",
            "granted": "on",
        },
    )
    assert r.status_code == 303, r.text

    doc = parse_instance_text(yaml_of(client))
    assert doc.legevakt.name == "Fjordby interkommunale legevakt" and doc.name == "Fjordby vår 2027"
    assert [m.population for m in doc.legevakt.municipalities] == [4100, 9100]
    assert doc.legevakt.cost_key.value == "equal"
    types = {t.id: t for t in doc.shift_types}
    assert types["natt"].response_minutes == 20 and types["natt"].points == 4
    assert types["natt"].mode == Mode.standby and types["helg-dag"].pool == ("fjellvik",)
    assert types["bakvakt-natt"].role == Role.backup_competence
    assert types["bakvakt-natt"].covers == ("natt",)
    assert doc.fairness.tolerance_points == 1.5 and doc.fairness.exemption_makeup
    assert doc.fairness.category_weights["types"] == 2
    assert doc.rule_overrides[0].rule == "max_nights"
    assert doc.rule_overrides[0].params == {"max": 20}
    assert [a.doctor for a in doc.absences] == ["fv-01", "fv-02"]
    assert doc.exemptions[0].scope == Scope.nights and doc.exemptions[0].granted

    # and it plans: solved, checked by the oracle, published
    r = post(
        client,
        token,
        f"{BASE}/lag",
        {"start": "2027-01-04", "slutt": "2027-02-28", "tidsgrense": "30"},
    )
    assert r.status_code == 303, r.text
    job_id = int(r.headers["location"].rsplit("/", 1)[1])
    app.state.runner.wait(job_id, timeout=300)
    assert_no_breaches(app, job_id)
    r = post(client, token, f"/planer/{job_id}/publiser", {})
    assert r.headers["location"] == f"{BASE}/versjoner/1"
    log = client.get(f"{BASE}/logg").text
    assert "oppsett endret" in log and "kurs 1.2.2027–3.2.2027" not in log  # summary per save


def test_setup_problems_are_named_by_field_in_norwegian_and_nothing_is_saved(
    pages: tuple[TestClient, str],
) -> None:
    client, token = pages
    make_fjordby(client, token)
    before = yaml_of(client)

    r = post(
        client,
        token,
        f"{BASE}/oppsett/kommuner",
        {"id": "ny kommune", "name": "", "population": "-5"},
    )
    assert r.status_code == 422
    assert "Kortnavn (id):" in r.text and "har ugyldige tegn" in r.text
    assert "Navn:</span>" in r.text and "mangler" in r.text
    assert "Innbyggere:" in r.text and "er for lav" in r.text
    assert "ingenting er lagret" in r.text

    r = post(
        client,
        token,
        f"{BASE}/oppsett/vakttyper",
        {
            "id": "kveld2",
            "label": "Kveld",
            "period": "evening",
            "days": ["weekday"],
            "start": "25:00",
            "end": "23:00",
            "mode": "standby",
            "doctors": "1",
            "points": "x",
            "pool": ["atlantis"],
        },
    )
    assert r.status_code == 422
    assert "Fra:" in r.text and "ugyldig klokkeslett" in r.text
    assert "Belastningspoeng:" in r.text and "må være et heltall" in r.text

    r = post(
        client,
        token,
        f"{BASE}/oppsett/vakttyper",
        {
            "id": "kveld2",
            "label": "Kveld 2",
            "period": "evening",
            "days": ["weekday"],
            "start": "16:00",
            "end": "23:00",
            "mode": "standby",
            "doctors": "1",
            "points": "2",
            "pool": ["atlantis"],
        },
    )
    assert r.status_code == 422
    assert "hjemmevakt krever responstid" in r.text

    r = post(
        client,
        token,
        f"{BASE}/oppsett/legevakt",
        {
            "name": "Fjordby",
            "host": "fjordby-legevakt.no",
            "start": "2027-02-01",
            "end": "2027-01-01",
        },
    )
    assert r.status_code == 422 and "perioden slutter før den starter" in r.text

    r = post(client, token, f"{BASE}/oppsett/regler", {"rule": "rest", "onsite_rest_hours": "30"})
    assert r.status_code == 422
    assert "Hvile før og etter tilstedevakt (timer):" in r.text and "er for høy" in r.text

    r = post(client, token, f"{BASE}/oppsett/rettferdighet", {"tolerance_points": "-1"})
    assert r.status_code == 422 and "Slingringsmonn for jevne antall (poeng):" in r.text

    r = post(client, token, f"{BASE}/oppsett/fravaer", {"del": "absences", "kind": "holiday"})
    assert r.status_code == 422 and "velg minst én lege" in r.text

    # the only municipality cannot go: the legevakt needs one
    r = post(client, token, f"{BASE}/oppsett/kommuner", {"gammel": "fjellvik", "slett": "1"})
    assert r.status_code == 422 and "ingenting er lagret" in r.text

    shown = r.text.split('class="problems"')[1].split("</div>")[0]
    assert "Kommuner:" in shown and "minst 1" in shown  # in words, not field paths
    for text in ("municipalities", "legevakt.", "population", "[0]"):
        assert text not in shown
    assert yaml_of(client) == before


def test_setup_new_legevakt_needs_a_shift_type_and_says_what_is_wrong(
    pages: tuple[TestClient, str],
) -> None:
    client, token = pages
    r = post(client, token, "/legevakter/ny", {**NEW, "vakttyper": [], "host": "ikke en adresse"})
    assert r.status_code == 422
    assert "velg minst én vakttype" in r.text
    r = post(client, token, "/legevakter/ny", {**NEW, "host": "ikke en adresse"})
    assert r.status_code == 422 and "Nettadresse (vertsnavn):" in r.text
    assert 'value="Fjordby legevakt"' in r.text  # what was written is kept
    assert client.get("/api/legevakter/fjordby").status_code == 404


def test_setup_forms_need_the_csrf_token(pages: tuple[TestClient, str]) -> None:
    client, token = pages
    make_fjordby(client, token)
    r = client.post(
        f"{BASE}/oppsett/kommuner",
        data={"id": "x", "name": "X", "population": "1"},
        follow_redirects=False,
    )
    assert r.status_code == 403
    assert "id: x" not in yaml_of(client)


def test_setup_history_carried_points_and_big_holidays(pages: tuple[TestClient, str]) -> None:
    from tests.web.test_pages import create_small

    client, token = pages
    create_small(client, token)
    base = "/legevakter/fjellvik/oppsett/historikk"
    r = post(client, token, base, {"carry_fv-01": "2,5", "carry_fv-02": "−1", "carry_fv-03": "0"})
    assert r.status_code == 303, r.text
    r = post(client, token, base, {"holiday": "christmas", "year": "2026", "doctor": "fv-03"})
    assert r.status_code == 303, r.text
    r = post(client, token, base, {"holiday": "easter", "year": "tjuesju", "doctor": "fv-03"})
    assert r.status_code == 422 and "År:" in r.text and "må være et heltall" in r.text
    history = parse_instance_text(client.get("/api/legevakter/fjellvik").json()["yaml"]).history
    assert history.carry_points == {"fv-01": 2.5, "fv-02": -1.0}
    assert (history.big_holidays[-1].year, history.big_holidays[-1].doctor) == (2026, "fv-03")
    n = len(history.big_holidays)
    assert post(client, token, base, {"slett": "1", "nr": str(n - 1)}).status_code == 303
    page = client.get("/legevakter/fjellvik/oppsett").text
    assert "jul 2026: Tor Ivar Bøe" not in page and "påske 2026" in page
