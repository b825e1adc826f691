"""What-if scenarios: the file format, its errors (with lines), and what each change does to
an instance. Solving them is in tests/solver/test_whatif.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from roster.errors import InputError
from roster.fairness import basis
from roster.instance import Instance, load_instance
from roster.model import Municipality, Role, Scope
from roster.rules import AgeExemptionParams
from roster.scenarios import CHANGES, apply, parse_scenarios_text, read_scenarios
from tests.factories import D, make_doctor, make_instance, make_legevakt, make_shift_type

ROOT = Path(__file__).resolve().parents[2]
INNHERRED = ROOT / "examples" / "innherred"


def two_pools() -> Instance:
    """Kveld only for m1's doctors, natt (hjemmevakt) only for m2's; a back-up that covers the
    natt."""
    types = (
        make_shift_type("kveld", pool=("m1",)),
        make_shift_type(
            "natt",
            period="night",
            start="23:00",
            end="08:00",
            mode="standby",
            response_minutes=15,
            points=3,
            pool=("m2",),
        ),
        make_shift_type(
            "bakvakt-natt",
            period="night",
            start="23:00",
            end="08:00",
            role="backup_competence",
            mode="standby",
            response_minutes=30,
            covers=("natt",),
            points=1,
            pool=("m2",),
        ),
    )
    doctors = (
        make_doctor("a1"),
        make_doctor("a2"),
        make_doctor("a3"),
        make_doctor("b1", municipality="m2"),
        make_doctor("b2", municipality="m2"),
    )
    return make_instance(
        doctors=doctors, shift_types=types, start=D(2027, 1, 4), end=D(2027, 1, 17)
    )


def scenario(text: str) -> object:
    (only,) = parse_scenarios_text(text)
    return only


def test_scenarios_example_file_has_the_six_questions_and_all_apply() -> None:
    inst = load_instance(INNHERRED / "instance.yaml")
    found = read_scenarios(INNHERRED / "scenarios.yaml")
    assert len(found) >= 6
    kinds = {type(c).__name__ for s in found for c in s.changes}
    assert {
        "Exempt",
        "RemoveMunicipality",
        "ChangeRule",
        "ChangeShiftType",
        "AddDoctors",
    } <= kinds
    for s in found:
        changed = apply(inst, s)
        assert changed.name.endswith(s.name)


def test_scenarios_errors_name_every_line_at_once() -> None:
    text = """scenarios:
  - name: Første
    changes:
      - {exempt: lev-02, from: 2027-13-01}
  - name: Andre
    changes:
      - {exemt: lev-02}
  - name: Første
    changes:
      - {remove_municipality: frosta, rule: age_exemption}
  - name: Fjerde
    changes: []
"""
    with pytest.raises(InputError) as err:
        parse_scenarios_text(text, "hva.yaml")
    problems = err.value.problems
    lines = sorted(p.line for p in problems if p.line is not None)
    assert 4 in lines  # bad date
    assert 7 in lines  # unknown change
    assert 8 in lines  # duplicate name
    assert 10 in lines  # two changes in one item
    assert all(p.file == "hva.yaml" for p in problems)
    text_all = err.value.report()
    assert "ugyldig dato" in text_all
    assert "ingen kjent endring" in text_all
    assert "brukt før" in text_all
    assert "flere endringer" in text_all
    assert "mangler endringer" in text_all


def test_scenarios_unknown_field_in_a_change_is_reported_with_its_line() -> None:
    text = "scenarios:\n  - name: X\n    changes:\n      - exempt: d1\n        scoop: nights\n"
    with pytest.raises(InputError) as err:
        parse_scenarios_text(text)
    (p,) = err.value.problems
    assert p.line == 5
    assert "ukjent felt" in p.message


def test_scenarios_yaml_syntax_error_has_a_line() -> None:
    with pytest.raises(InputError) as err:
        parse_scenarios_text("scenarios:\n  - name: [x\n")
    assert err.value.problems[0].line is not None


def test_scenarios_every_change_kind_is_documented() -> None:
    docs = (ROOT / "docs" / "hva-om.md").read_text(encoding="utf-8")
    for key in CHANGES:
        assert f"`{key}`" in docs, key


def test_exempt_spreads_target_over_the_others_in_the_same_pool() -> None:
    inst = two_pools()
    s = scenario("scenarios:\n  - name: a1 fri\n    changes:\n      - {exempt: a1}\n")
    after = apply(inst, s)
    (ex,) = after.doctor("a1").exemptions
    assert ex.granted and ex.scope == Scope.all
    # Fair shares inside the kveld pool: a1's share goes to a2 and a3, evenly.
    before_b, after_b = basis(inst), basis(after)
    assert "a1" not in after_b.points
    assert after_b.points["a2"] == pytest.approx(after_b.points["a3"])
    assert after_b.points["a2"] > before_b.points["a2"]
    assert set(after_b.points) == {"a2", "a3", "b1", "b2"}
    assert after_b.points["b1"] == pytest.approx(before_b.points["b1"]), "other pool: unchanged"


def test_exempt_unknown_doctor_names_scenario_and_doctor() -> None:
    s = scenario("scenarios:\n  - name: Feil\n    changes:\n      - {exempt: zz}\n")
    with pytest.raises(InputError) as err:
        apply(two_pools(), s)
    assert "«Feil»" in err.value.report() and "ukjent lege «zz»" in err.value.report()


def test_remove_municipality_removes_its_doctors_and_the_shifts_only_it_staffed() -> None:
    inst = two_pools()
    s = scenario("scenarios:\n  - name: m2 ut\n    changes:\n      - {remove_municipality: m2}\n")
    after = apply(inst, s)
    assert [m.id for m in after.legevakt.municipalities] == ["m1"]
    assert {d.id for d in after.doctors} == {"a1", "a2", "a3"}
    assert {t.id for t in after.shift_types} == {"kveld"}, "natt and its back-up go with m2"
    assert all(s.type_id == "kveld" for s in after.shifts)


def test_remove_municipality_keeps_shared_shifts_for_the_others() -> None:
    inst = load_instance(INNHERRED / "instance.yaml")
    s = scenario(
        "scenarios:\n  - name: Frosta ut\n    changes:\n      - {remove_municipality: frosta}\n"
    )
    after = apply(inst, s)
    assert not any(d.municipality == "frosta" for d in after.doctors)
    assert len(after.shifts) == len(inst.shifts), "the night is shared: the others take it"
    assert "frosta" not in inst.history.carry_points or "fro-01" not in after.history.carry_points


def test_scale_share_equally_changes_nobodys_share_of_burden() -> None:
    inst = load_instance(INNHERRED / "instance.yaml")
    s = scenario("scenarios:\n  - name: Alle +20 %\n    changes:\n      - {scale_share: 1.2}\n")
    after = apply(inst, s)
    assert all(
        a.share == pytest.approx(b.share * 1.2)
        for a, b in zip(after.doctors, inst.doctors, strict=True)
    )
    before_t, after_t = basis(inst).points, basis(after).points
    assert before_t.keys() == after_t.keys()
    for d, t in before_t.items():
        assert after_t[d] == pytest.approx(t)


def test_rule_change_applies_and_unknown_param_is_refused() -> None:
    inst = load_instance(INNHERRED / "instance.yaml")
    s = scenario(
        "scenarios:\n  - name: 55\n    changes:\n      - {rule: age_exemption, params: {age: 55}}\n"
    )
    after = apply(inst, s)
    day = inst.period.start
    assert after.rules.params("age_exemption", day, AgeExemptionParams).age == 55
    assert inst.rules.params("age_exemption", day, AgeExemptionParams).age == 60
    bad = scenario(
        "scenarios:\n  - name: X\n    changes:\n      - {rule: age_exemption, params: {alder: 55}}\n"
    )
    with pytest.raises(InputError) as err:
        apply(inst, bad)
    assert "alder" in err.value.report()


def test_claim_age_exemption_lets_everyone_over_the_age_be_exempt() -> None:
    inst = make_instance(
        doctors=(make_doctor("old", birth_date=D(1960, 1, 1)), make_doctor("young")),
        shift_types=(make_shift_type("kveld"),),
    )
    s = scenario("scenarios:\n  - name: X\n    changes:\n      - {claim_age_exemption: all}\n")
    after = apply(inst, s)
    assert "old" in basis(inst).points
    assert "old" not in basis(after).points, "66 years old and now claiming: exempt"
    assert "young" in basis(after).points


def test_shift_type_change_is_validated() -> None:
    inst = load_instance(INNHERRED / "instance.yaml")
    good = scenario(
        "scenarios:\n  - name: X\n    changes:\n      - shift_type: natt\n"
        "        set: {mode: onsite, points: 4}\n"
    )
    after = apply(inst, good)
    assert after.shift_type("natt").mode.value == "onsite"
    assert after.shift_type("natt").points == 4
    bad = scenario(
        "scenarios:\n  - name: X\n    changes:\n      - shift_type: natt\n"
        "        set: {mode: standby, response_minutes: null}\n"
    )
    with pytest.raises(InputError) as err:
        apply(inst, bad)
    assert "responstid" in err.value.report()


def test_add_doctors_can_work_alone_and_add_municipality_joins_pools() -> None:
    inst = two_pools()
    s = scenario(
        "scenarios:\n  - name: X\n    changes:\n"
        "      - {add_doctors: 2, municipality: m1}\n"
        "      - {add_municipality: m3, name: Nybygd, population: 500, doctors: 1, join: [kveld]}\n"
    )
    after = apply(inst, s)
    new = [d for d in after.doctors if d.id.startswith("ny-")]
    assert len(new) == 3
    assert after.legevakt.municipality("m3").name == "Nybygd"
    assert "m3" in (after.shift_type("kveld").pool or ())
    w = basis(after).points
    assert all(d.id in w for d in new), "new doctors share the load"
    natt = next(s for s in after.shifts if s.type_id == "natt")
    assert natt.role == Role.primary


def test_municipality_key_change() -> None:
    legevakt = make_legevakt(
        municipalities=(
            Municipality(id="m1", name="Fjellvik", population=3000),
            Municipality(id="m2", name="Sjøbygd", population=1000),
        )
    )
    inst = make_instance(legevakt=legevakt)
    s = scenario(
        "scenarios:\n  - name: X\n    changes:\n      - {municipality_key: m2, population: 3000}\n"
    )
    after = apply(inst, s)
    assert basis(after).municipality_keys == {"m1": 0.5, "m2": 0.5}


def test_unexempt_from_a_date_keeps_the_exemption_before_it() -> None:
    inst = load_instance(INNHERRED / "instance.yaml")
    assert any(e.kind.value == "age" for e in inst.doctor("lev-01").exemptions)
    s = scenario(
        "scenarios:\n  - name: X\n    changes:\n"
        "      - {unexempt: lev-01, kind: age, from: 2027-04-01}\n"
    )
    after = apply(inst, s)
    (ex,) = [e for e in after.doctor("lev-01").exemptions if e.kind.value == "age"]
    assert ex.end == D(2027, 3, 31)
    march = next(x for x in after.shifts if x.date == D(2027, 3, 31) and x.type_id == "natt")
    april = next(x for x in after.shifts if x.date == D(2027, 4, 1) and x.type_id == "natt")
    from roster.eligibility import exempt

    doctor = after.doctor("lev-01")
    assert exempt(doctor, march, after.rules) == "age_exemption"
    assert exempt(doctor, april, after.rules) is None
    gone = scenario("scenarios:\n  - name: Y\n    changes:\n      - {unexempt: lev-02}\n")
    with pytest.raises(InputError) as err:
        apply(inst, gone)
    assert "har ikke noe slikt fritak" in err.value.report()
