"""`legevakt validate` says what cannot work before solving (roster.precheck)."""

from __future__ import annotations

from pathlib import Path

from roster.precheck import plan_warnings
from tests.factories import (
    D,
    make_competence,
    make_doctor,
    make_instance,
    make_shift_type,
    override,
    write_instance,
)
from tests.test_cli import run

EVENING = make_shift_type("kveld")
LIS1 = make_doctor(
    "lis",
    name="Liv Lund",
    kind="lis1",
    competence=make_competence(specialist_since=None, authorised_since=D(2025, 8, 15)),
)


def backup(**kw: object):  # type: ignore[no-untyped-def]
    base = {"role": "backup_competence", "mode": "standby", "response_minutes": 30}
    return make_shift_type("bakvakt", covers=("kveld",), points=1, **{**base, **kw})


def test_precheck_warns_when_no_backup_shift_type_covers_the_doctor() -> None:
    inst = make_instance(doctors=(LIS1, make_doctor("d1")))
    assert plan_warnings(inst) == [
        "Liv Lund (lis) kan ikke ha vakt alene fra 04.01.2027 (7 vakter legen ellers kunne "
        "tatt), og ingen vakttype for kompetansebakvakt dekker kveld: legen får ingen av disse "
        "vaktene (akuttmedisinforskriften § 7)"
    ]


def test_precheck_warns_when_nobody_competent_can_take_the_backup() -> None:
    # The back-up is only for Sjøbygd (m2), whose only doctor is another LIS1.
    other = LIS1.model_copy(update={"id": "lis2", "name": "Per Lie", "municipality": "m2"})
    inst = make_instance(
        doctors=(LIS1, other, make_doctor("d1")), shift_types=(EVENING, backup(pool=("m2",)))
    )
    [first, *_] = plan_warnings(inst)
    assert first.startswith("Liv Lund (lis) kan ikke ha vakt alene")
    assert "ingen annen kompetent lege kan ta kompetansebakvakten for kveld" in first


def test_precheck_is_quiet_when_a_competent_doctor_can_back_up() -> None:
    inst = make_instance(doctors=(LIS1, make_doctor("d1")), shift_types=(EVENING, backup()))
    assert plan_warnings(inst) == []


def test_precheck_warns_when_the_lis1_choice_reaches_past_2024() -> None:
    chosen = override("competence_backup", lis1_exception=True)
    inst = make_instance(start=D(2024, 12, 30), end=D(2025, 1, 2), overrides=(chosen,))
    assert plan_warnings(inst) == [
        "LIS1-unntaket (lis1_exception) er valgt, men gjaldt bare 30.04.2021–31.12.2024: "
        "valget har ingen virkning 01.01.2025–02.01.2025, der leger som har fullført LIS1, "
        "trenger kompetansebakvakt som andre"
    ]
    assert (
        plan_warnings(make_instance(start=D(2024, 12, 1), end=D(2024, 12, 31), overrides=(chosen,)))
        == []
    )


def test_precheck_warnings_are_printed_by_validate(tmp_path: Path) -> None:
    path = write_instance(tmp_path, make_instance(doctors=(LIS1, make_doctor("d1"))))
    result = run("validate", path)
    assert result.exit_code == 0, result.output
    assert "Advarsel: Liv Lund (lis) kan ikke ha vakt alene" in result.stdout
