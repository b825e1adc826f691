"""Fuzz: plan files, staff lists and API bodies through the web app. Every input gets a
success or an error in the one JSON shape, within the budget; never a 500, and a refused
input changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz.budget import assert_api_answer, budget
from tests.fuzz.conftest import still_valid
from tests.fuzz.corpus import (
    EXAMPLES,
    STAFF_CSV,
    dump,
    hostile_scalar,
    hostile_text,
    json_value,
    paths,
    replaced,
    small_data,
    staff_corpus,
    yaml_corpus,
)

YAML = list(yaml_corpus())
STAFF = list(staff_corpus())
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.mark.parametrize(("case", "text"), YAML, ids=[c for c, _ in YAML])
def test_plan_files_through_the_api(fuzz_api: tuple[Any, TestClient], case: str, text: str) -> None:
    _, client = fuzz_api
    with budget(case):
        r = client.put("/api/legevakter/fjellvik/planfil", json={"yaml": text})
    assert_api_answer(case, r)
    with budget(case):
        r = client.post("/api/legevakter", json={"yaml": text})
    assert_api_answer(case, r)
    still_valid(client)


@pytest.mark.parametrize(("case", "name", "data"), STAFF, ids=[c for c, _, _ in STAFF])
def test_staff_lists_through_the_api(
    fuzz_api: tuple[Any, TestClient], case: str, name: str, data: bytes
) -> None:
    _, client = fuzz_api
    with budget(case):
        r = client.post(
            "/api/legevakter/fjellvik/ansatte",
            files={"fil": (name, data, "application/octet-stream")},
        )
    assert_api_answer(case, r)
    still_valid(client)


RAW_BODIES = [
    ("deep-json", "[" * 100_000 + "]" * 100_000),
    ("huge-number", '{"start": ' + "9" * 10_000 + "}"),
    ("nan", '{"tidsgrense": NaN}'),
    ("infinity", '{"tidsgrense": Infinity, "fra_versjon": 1e400}'),
    ("not-json", "{'start': 1"),
    ("latin1", '{"yaml": "\xe5"}'),
]


@pytest.mark.parametrize(("case", "body"), RAW_BODIES, ids=[c for c, _ in RAW_BODIES])
def test_raw_bodies(fuzz_api: tuple[Any, TestClient], case: str, body: str) -> None:
    _, client = fuzz_api
    for method, path in (
        ("POST", "/api/legevakter/fjellvik/planer"),
        ("PUT", "/api/legevakter/fjellvik/periode"),
        ("POST", "/api/legevakter/fjellvik/leger/fv-01/absences"),
    ):
        with budget(case):
            r = client.request(
                method,
                path,
                content=body.encode("utf-8"),
                headers={"content-type": "application/json"},
            )
        assert_api_answer(case, r)


JSON_ROUTES = [
    ("PUT", "/api/legevakter/fjellvik/periode", ("start", "slutt")),
    (
        "POST",
        "/api/legevakter/fjellvik/planer",
        ("start", "slutt", "tidsgrense", "fra_versjon", "behold_for"),
    ),
    ("POST", "/api/legevakter/fjellvik/leger/fv-01/absences", ("kind", "start", "end", "note")),
    (
        "POST",
        "/api/legevakter/fjellvik/leger/fv-01/exemptions",
        ("kind", "scope", "start", "end", "granted"),
    ),
    (
        "POST",
        "/api/legevakter/fjellvik/leger/fv-01/wishes",
        ("want", "start", "end", "weight", "shift_types"),
    ),
    ("POST", "/api/legevakter/fjellvik/kalenderlenker/forny", ("lege",)),
    ("PUT", "/api/legevakter/fjellvik/planfil", ("yaml",)),
    ("POST", "/api/legevakter", ("eksempel", "yaml")),
    ("POST", "/api/brukere", ("brukernavn", "passord", "rolle", "legevakter")),
]


@FUZZ
@given(data=st.data())
def test_api_bodies(fuzz_api: tuple[Any, TestClient], data: st.DataObject) -> None:
    _, client = fuzz_api
    method, path, keys = data.draw(st.sampled_from(JSON_ROUTES))
    body = data.draw(
        st.one_of(json_value, st.fixed_dictionaries({}, optional={k: json_value for k in keys}))
    )
    with budget(path):
        r = client.request(method, path, json=body)
    assert_api_answer(f"{method} {path} {body!r:.200}", r)
    still_valid(client)


@FUZZ
@given(data=st.data())
def test_plan_file_values(fuzz_api: tuple[Any, TestClient], data: st.DataObject) -> None:
    """One value anywhere in the plan file replaced by a hostile one."""
    _, client = fuzz_api
    base = small_data()
    path = data.draw(st.sampled_from(paths(base)))
    text = dump(replaced(base, path, data.draw(hostile_scalar)))
    with budget(str(path)):
        r = client.put("/api/legevakter/fjellvik/planfil", json={"yaml": text})
    assert_api_answer(str(path), r)
    still_valid(client)


@FUZZ
@given(data=st.data())
def test_staff_list_cells(fuzz_api: tuple[Any, TestClient], data: st.DataObject) -> None:
    """One cell of the staff list replaced by a hostile one (CSV and Excel)."""
    _, client = fuzz_api
    rows = [line.split(";") for line in STAFF_CSV.read_text(encoding="utf-8-sig").splitlines()]
    r_i = data.draw(st.integers(0, len(rows) - 1))
    c_i = data.draw(st.integers(0, len(rows[0]) - 1))
    rows[r_i][c_i] = data.draw(hostile_text)
    if data.draw(st.booleans()):
        from tests.fuzz.corpus import xlsx

        name, payload = "ansatte.xlsx", xlsx(rows)
    else:
        text = "\n".join(";".join('"' + c.replace('"', '""') + '"' for c in row) for row in rows)
        name, payload = "ansatte.csv", text.encode("utf-8")
    with budget(name):
        r = client.post(
            "/api/legevakter/fjellvik/ansatte",
            files={"fil": (name, payload, "application/octet-stream")},
        )
    assert_api_answer(f"{name} {rows[r_i][c_i]!r:.100}", r)
    still_valid(client)
