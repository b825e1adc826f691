"""The shipped examples and the synthetic generator: they load, round-trip unchanged, show the
cases they claim to show, and the committed JSON schema stays in step with the model."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path

import pytest

from examples.generate import generate, main, schema_text
from roster.calendar import Shift
from roster.eligibility import age_on, competent_alone, courses_valid, exempt, unavailable_reason
from roster.instance import (
    Instance,
    InstanceFile,
    instance_file_text,
    instance_json_schema,
    load_instance,
    parse_instance_text,
    read_instance_file,
    resolve,
    save_instance_file,
)
from roster.model import BigHoliday, DoctorKind, Role
from roster.rules import MinGapDaysParams

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
INNHERRED = EXAMPLES / "innherred" / "instance.yaml"
SMALL = EXAMPLES / "small" / "instance.yaml"
SCHEMA = EXAMPLES / "instance.schema.json"
D = dt.date

#: Benchmark sizes: (doctors, municipalities, weeks).
SIZES = {"S": (5, 1, 13), "M": (55, 4, 26), "L": (150, 8, 52), "XL": (350, 12, 52)}


@pytest.fixture(scope="module")
def innherred() -> Instance:
    return load_instance(INNHERRED)


@pytest.fixture(scope="module")
def small() -> Instance:
    return load_instance(SMALL)


def shift(inst: Instance, shift_id: str) -> Shift:
    return next(s for s in inst.shifts if s.id == shift_id)


def exempt_from(inst: Instance, doctor_id: str, shift_id: str) -> str | None:
    return exempt(inst.doctor(doctor_id), shift(inst, shift_id), inst.rules)


def fewest_eligible(inst: Instance) -> int:
    """The fewest doctors free to take any shift that must be staffed (a cheap margin check;
    the solver tests prove feasibility)."""
    return min(
        sum(1 for d in inst.doctors if unavailable_reason(d, s, inst.rules) is None) - s.doctors
        for s in inst.shifts
        if s.needed_always
    )


# --------------------------------------------------------------------------- innherred


def test_innherred_loads_with_staff_file(innherred: Instance) -> None:
    assert len(innherred.doctors) == 55
    assert [m.id for m in innherred.legevakt.municipalities] == [
        "levanger",
        "verdal",
        "inderoy",
        "frosta",
    ]
    per_municipality = Counter(d.municipality for d in innherred.doctors)
    assert per_municipality == {"levanger": 26, "verdal": 17, "inderoy": 8, "frosta": 4}
    assert (innherred.period.end - innherred.period.start).days + 1 == 182


def test_innherred_expands_shifts_per_type(innherred: Instance) -> None:
    # 182 days: 125 weekdays, 57 weekend days, holidays and holiday eves.
    counts = Counter(s.type_id for s in innherred.shifts)
    assert counts == {
        "kveld": 125,
        "natt": 182,
        "helg-dag": 57,
        "helg-kveld": 57,
        "bakvakt-kveld": 125,
        "bakvakt-natt": 182,
        "bakvakt-helg-dag": 57,
        "bakvakt-helg-kveld": 57,
    }
    assert sum(1 for s in innherred.shifts if s.needed_always) == 421


def test_innherred_covers_easter_2027(innherred: Instance) -> None:
    big = {s.date for s in innherred.shifts if s.big_holiday == BigHoliday.easter}
    assert big == {D(2027, 3, 25) + dt.timedelta(days=i) for i in range(5)}
    assert all(s.big_holiday in (None, BigHoliday.easter) for s in innherred.shifts)


def test_innherred_has_a_realistic_staff_mix(innherred: Instance) -> None:
    doctors = innherred.doctors
    specialists = sum(1 for d in doctors if d.competence.specialist_since is not None)
    assert specialists == 35  # 64 %, as the 63 % of fastleger nationally
    kinds = Counter(d.kind for d in doctors)
    assert kinds[DoctorKind.lis1] == 3
    assert kinds[DoctorKind.vikar] == 4
    assert kinds[DoctorKind.legevaktlege] == 2
    assert kinds[DoctorKind.kommunelege] == 1
    assert [d.id for d in doctors if d.share == 0.5] == ["lev-09"]
    assert [(d.id, d.fixed_shifts) for d in doctors if d.fixed_shifts is not None] == [
        ("lev-12", 6)
    ]
    assert all(d.competence.acute_course and d.competence.violence_course for d in doctors)


def test_innherred_lis1_doctor_becomes_competent_inside_the_period(innherred: Instance) -> None:
    rules, lev10 = innherred.rules, innherred.doctor("lev-10")
    assert not competent_alone(lev10, D(2027, 4, 14), rules)
    assert competent_alone(lev10, D(2027, 4, 15), rules)  # 30 months and 44 shifts
    for other in ("lev-11", "ver-03"):
        doctor = innherred.doctor(other)
        assert not competent_alone(doctor, innherred.period.start, rules)
        assert not competent_alone(doctor, innherred.period.end, rules)
    needs_backup = [
        d.id for d in innherred.doctors if not competent_alone(d, innherred.period.start, rules)
    ]
    assert needs_backup == ["lev-10", "lev-11", "ver-03"]


def test_innherred_acute_course_expires_in_april(innherred: Instance) -> None:
    rules = innherred.rules
    assert courses_valid(innherred.doctor("lev-23"), D(2027, 4, 19), rules)
    assert not courses_valid(innherred.doctor("lev-23"), D(2027, 4, 20), rules)
    others = [d for d in innherred.doctors if d.id != "lev-23"]
    assert all(courses_valid(d, innherred.period.end, rules) for d in others)


def test_innherred_age_exemptions(innherred: Instance) -> None:
    first = innherred.period.start.isoformat()
    assert exempt_from(innherred, "lev-01", f"{first}:kveld") == "age_exemption"
    assert exempt_from(innherred, "ver-01", f"{first}:kveld") == "age_exemption"
    # 57 years old, applied and granted under Levanger's local rule (from 55)
    assert age_on(innherred.doctor("lev-06").birth_date, innherred.period.start) == 57
    assert exempt_from(innherred, "lev-06", f"{first}:kveld") == "age_exemption_local"
    # turns 60 on 14 April 2027 and has claimed the exemption
    assert exempt_from(innherred, "lev-04", "2027-04-13:kveld") is None
    assert exempt_from(innherred, "lev-04", "2027-04-14:kveld") == "age_exemption"
    # 63 and 58, no exemption claimed
    assert exempt_from(innherred, "lev-17", f"{first}:natt") is None
    assert exempt_from(innherred, "lev-18", f"{first}:natt") is None


def test_innherred_other_exemptions(innherred: Instance) -> None:
    # pregnant, due 20 May 2027: exempt in the last three months, from 20 February (the
    # night of the 19th runs into it)
    assert exempt_from(innherred, "lev-07", "2027-02-18:natt") is None
    assert exempt_from(innherred, "lev-07", "2027-02-19:kveld") is None
    assert exempt_from(innherred, "lev-07", "2027-02-19:natt") == "pregnancy_exemption"
    # health exemption from nights only
    assert exempt_from(innherred, "lev-08", "2027-01-05:natt") == "granted_exemption"
    assert exempt_from(innherred, "lev-08", "2027-01-05:kveld") is None
    # social exemption from weekends, written in instance.yaml, January to March
    assert exempt_from(innherred, "ind-02", "2027-01-09:helg-dag") == "granted_exemption"
    assert exempt_from(innherred, "ind-02", "2027-04-10:helg-dag") is None


def test_innherred_frosta_joins_nights_only(innherred: Instance) -> None:
    fro = innherred.doctor("fro-01")
    assert unavailable_reason(fro, shift(innherred, "2027-01-04:kveld"), innherred.rules) == "pool"
    assert unavailable_reason(fro, shift(innherred, "2027-01-04:natt"), innherred.rules) is None


def test_innherred_absences_wishes_and_history(innherred: Instance) -> None:
    summer = [
        d.id
        for d in innherred.doctors
        if any(a.kind == "holiday" and a.start.month == 6 for a in d.absences)
    ]
    assert len(summer) == 16
    assert sum(len(d.wishes) for d in innherred.doctors) == 11
    assert len(innherred.history.carry_points) == 8
    assert all(-6 <= p <= 6 for p in innherred.history.carry_points.values())
    assert {h.holiday for h in innherred.history.big_holidays} == set(BigHoliday)


def test_innherred_leaves_a_wide_margin(innherred: Instance) -> None:
    assert fewest_eligible(innherred) >= 20


# --------------------------------------------------------------------------- small


def test_small_loads(small: Instance) -> None:
    assert len(small.doctors) == 5
    (municipality,) = small.legevakt.municipalities
    assert municipality.population < 5000
    assert Counter(s.type_id for s in small.shifts) == {"kveld": 91, "natt": 91}
    assert all(s.role == Role.primary and s.mode == "standby" for s in small.shifts)


def test_small_doctors_are_all_competent(small: Instance) -> None:
    for day in (small.period.start, small.period.end):
        assert all(competent_alone(d, day, small.rules) for d in small.doctors)
        assert all(courses_valid(d, day, small.rules) for d in small.doctors)


def test_small_has_an_older_doctor_without_exemption(small: Instance) -> None:
    older = [d for d in small.doctors if age_on(d.birth_date, small.period.start) >= 60]
    assert [(age_on(d.birth_date, small.period.start), d.exemptions) for d in older] == [(61, ())]


def test_small_gap_override(small: Instance) -> None:
    gap = small.rules.params("min_gap_days", small.period.start, MinGapDaysParams)
    assert (gap.days, gap.allow_back_to_back) == (1, True)
    assert small.rules.source("min_gap_days", small.period.start).name.startswith("Lokal")
    assert fewest_eligible(small) >= 3


# --------------------------------------------------------------------------- files


@pytest.mark.parametrize("path", [INNHERRED, SMALL], ids=["innherred", "small"])
def test_example_round_trips(path: Path, tmp_path: Path) -> None:
    doc = read_instance_file(path)
    text = instance_file_text(doc)
    assert parse_instance_text(text) == doc
    copy = tmp_path / "instance.yaml"
    save_instance_file(doc, copy)
    assert copy.read_text(encoding="utf-8") == text
    assert instance_file_text(read_instance_file(copy)) == text


def test_json_schema_is_valid_json(tmp_path: Path) -> None:
    schema = instance_json_schema()
    out = tmp_path / "instance.schema.json"
    out.write_text(json.dumps(schema), encoding="utf-8")
    assert json.loads(out.read_text(encoding="utf-8")) == schema
    assert schema["type"] == "object"
    assert {"legevakt", "period", "shift_types"} <= set(schema["required"])


def test_committed_json_schema_is_current() -> None:
    assert SCHEMA.read_text(encoding="utf-8") == schema_text(), (
        "examples/instance.schema.json er utdatert: "
        "kjør python examples/generate.py --schema examples/instance.schema.json"
    )


# --------------------------------------------------------------------------- generator


def test_generator_same_seed_same_text() -> None:
    a = instance_file_text(generate(55, 4, 26, seed=7))
    b = instance_file_text(generate(55, 4, 26, seed=7))
    assert a == b


def test_generator_different_seed_different_text() -> None:
    assert instance_file_text(generate(55, 4, 26, seed=1)) != instance_file_text(
        generate(55, 4, 26, seed=2)
    )


@pytest.mark.parametrize("size", SIZES)
def test_generator_sizes(size: str) -> None:
    doctors, municipalities, weeks = SIZES[size]
    doc = generate(doctors, municipalities, weeks, seed=1)
    assert len(doc.doctors) == doctors
    assert len(doc.legevakt.municipalities) == municipalities
    assert (doc.period.end - doc.period.start).days + 1 == 7 * weeks
    assert doc.staff is None
    inst = resolve(doc)
    assert len(inst.doctors) == doctors
    assert inst.shifts


@pytest.mark.parametrize("size", ["S", "M"])
def test_generator_leaves_a_margin(size: str) -> None:
    inst = resolve(generate(*SIZES[size], seed=1))
    assert fewest_eligible(inst) >= 2


def test_generator_small_district_layout() -> None:
    inst = resolve(generate(*SIZES["S"], seed=3))
    assert {t.id for t in inst.shift_types} == {"kveld", "natt"}
    gap = inst.rules.params("min_gap_days", inst.period.start, MinGapDaysParams)
    assert gap.days == 1
    assert all(competent_alone(d, inst.period.start, inst.rules) for d in inst.doctors)


def test_generator_ikl_mix() -> None:
    inst = resolve(generate(*SIZES["L"], seed=1))
    doctors = inst.doctors
    specialists = sum(1 for d in doctors if d.competence.specialist_since is not None)
    assert specialists == round(0.63 * len(doctors))
    backed = {c for t in inst.shift_types if t.role == Role.backup_competence for c in t.covers}
    assert backed == {t.id for t in inst.shift_types if t.role == Role.primary}
    lis1 = [d for d in doctors if d.kind == DoctorKind.lis1]
    start, end = inst.period.start, inst.period.end
    assert lis1 and not any(competent_alone(d, start, inst.rules) for d in lis1)
    assert sum(competent_alone(d, end, inst.rules) for d in lis1) == 1  # passes inside
    assert any(d.exemptions for d in doctors)
    assert any(d.absences for d in doctors)
    assert any(d.wishes for d in doctors)
    gps = [d for d in doctors if d.kind == DoctorKind.fastlege]
    older = sum(age_on(d.birth_date, start) >= 56 for d in gps) / len(gps)
    assert 0.2 <= older <= 0.45  # about a third of fastleger are 56 or older


@pytest.mark.parametrize(
    ("doctors", "municipalities", "weeks"),
    [(2, 1, 13), (351, 4, 26), (55, 0, 26), (55, 13, 26), (55, 4, 0), (55, 4, 53)],
)
def test_generator_rejects_sizes_out_of_range(
    doctors: int, municipalities: int, weeks: int
) -> None:
    with pytest.raises(ValueError, match="må være mellom"):
        generate(doctors, municipalities, weeks, seed=1)


def test_generator_cli_writes_instance(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--doctors", "20", "--municipalities", "2", "--weeks", "4", "--seed", "9"]
    assert main([*args, "--out", str(tmp_path / "out")]) == 0
    written = (tmp_path / "out" / "instance.yaml").read_text(encoding="utf-8")
    assert written == instance_file_text(generate(20, 2, 4, seed=9))
    assert isinstance(read_instance_file(tmp_path / "out" / "instance.yaml"), InstanceFile)
    assert "Skrev" in capsys.readouterr().out


def test_generator_cli_rejects_bad_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--doctors", "400", "--out", str(tmp_path)]) == 2
    assert "antall leger må være mellom 3 og 350" in capsys.readouterr().err
    assert not (tmp_path / "instance.yaml").exists()


def test_generator_cli_writes_schema(tmp_path: Path) -> None:
    assert main(["--schema", str(tmp_path / "s.json")]) == 0
    assert (tmp_path / "s.json").read_text(encoding="utf-8") == schema_text()
