"""Changes after publication: changes.csv, the worked roster, breaches named by line, and the
ledger with its carry-over. Every worked roster is judged by the checker."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from roster.changes import Change, apply_changes, judge, new_breaches
from roster.checker import check
from roster.errors import InputError
from roster.fairness import basis
from roster.formats.changes import CHANGES_HEADER, changes_csv_text, parse_changes_text
from roster.formats.ledger import (
    history_yaml_text,
    ledger_csv_text,
    ledger_header,
    ledger_xlsx_bytes,
)
from roster.formats.yamlio import load as load_yaml
from roster.instance import parse_instance_text
from roster.ledger import ledger, month_window
from roster.model import Absence, ChangeKind, History, Role
from tests.factories import D, make_doctor, make_instance, override, roster_of

HEADER = ",".join(CHANGES_HEADER)
AT = "2027-01-02T10:00:00+01:00"


def week_instance(**kw):  # type: ignore[no-untyped-def]
    docs = kw.pop("doctors", (make_doctor("d1"), make_doctor("d2"), make_doctor("d3")))
    return make_instance(
        doctors=docs, overrides=(override("min_gap_days", days=0), *kw.pop("overrides", ())), **kw
    )


def published():  # type: ignore[no-untyped-def]
    """Evenings 4-10 January 2027: d1 Mon/Thu/Sun, d2 Tue/Fri, d3 Wed/Sat."""
    who = {4: "d1", 5: "d2", 6: "d3", 7: "d1", 8: "d2", 9: "d3", 10: "d1"}
    return roster_of(*((f"2027-01-{day:02d}:kveld", d) for day, d in who.items()))


def change(day: int, frm: str | None, to: str | None, kind: str, line: int = 2) -> Change:
    return Change(
        line=line,
        changed_at=dt.datetime(2027, 1, 2, 10, line, tzinfo=dt.UTC),
        date=D(2027, 1, day),
        type_id="kveld",
        role=Role.primary,
        from_doctor=frm,
        to_doctor=to,
        kind=ChangeKind(kind),
        approved_by="leder",
    )


# --------------------------------------------------------------------------- changes.csv


def test_changes_csv_reads_every_field_and_writes_the_same_text() -> None:
    text = (
        f"{HEADER}\n"
        f'{AT},2027-01-04,kveld,primary,d1,d2,giveaway,leder,"kan ikke, barnehage"\n'
        f"{AT},2027-01-05,kveld,primary,d2,,sick,leder,\n"
    )
    changes = parse_changes_text(text)
    assert [(c.line, c.shift_id, c.from_doctor, c.to_doctor, c.kind) for c in changes] == [
        (2, "2027-01-04:kveld", "d1", "d2", ChangeKind.giveaway),
        (3, "2027-01-05:kveld", "d2", None, ChangeKind.sick),
    ]
    assert changes[0].note == "kan ikke, barnehage"
    assert changes_csv_text(changes) == text


def test_changes_csv_reports_every_problem_with_its_line() -> None:
    text = (
        f"{HEADER}\n"
        f"{AT},2027-01-04,kveld,primary,d1,d2,swap,leder,\n"
        f"{AT},2027-13-01,kveld,primary,d1,d2,bytte,leder,\n"
        f"i går,2027-01-06,kveld,lege,d1,d2,board,leder,\n"
    )
    with pytest.raises(InputError) as err:
        parse_changes_text(text)
    where = [(p.line, p.column) for p in err.value.problems]
    assert where == [(3, "date"), (3, "kind"), (4, "changed_at"), (4, "role")]
    assert "linje 3, kolonne «kind»: ugyldig type «bytte»" in str(err.value)


def test_changes_csv_counts_lines_inside_a_quoted_note() -> None:
    text = (
        f"{HEADER}\n"
        f'{AT},2027-01-04,kveld,primary,d1,d2,giveaway,leder,"to\nlinjer"\n'
        f"{AT},2027-01-05,kveld,primary,d2,d1,hmm,leder,\n"
    )
    with pytest.raises(InputError) as err:
        parse_changes_text(text)
    assert [p.line for p in err.value.problems] == [4]


def test_changes_csv_needs_the_exact_header() -> None:
    with pytest.raises(InputError) as err:
        parse_changes_text("changed_at,date,shift,role\n")
    assert err.value.problems[0].line == 1
    assert HEADER in str(err.value)


# --------------------------------------------------------------------------- worked roster


def test_apply_changes_moves_the_seat_and_remembers_how() -> None:
    inst = week_instance()
    worked = apply_changes(inst, published(), [change(4, "d1", "d3", "board")])
    held = {h.shift_id: h for h in worked.held}
    assert held["2027-01-04:kveld"].doctor_id == "d3"
    assert held["2027-01-04:kveld"].kind == ChangeKind.board
    assert held["2027-01-07:kveld"].kind is None
    assert check(inst, worked.roster).ok


def test_apply_changes_refuses_a_doctor_who_no_longer_holds_the_duty() -> None:
    inst = week_instance()
    changes = [change(4, "d1", "d2", "giveaway", 2), change(4, "d1", "d3", "giveaway", 3)]
    with pytest.raises(InputError) as err:
        apply_changes(inst, published(), changes)
    assert [(p.line, p.column) for p in err.value.problems] == [(3, "from_doctor")]
    assert "d1 har ikke vakten 2027-01-04 kveld (etter endringene over)" in str(err.value)


def test_apply_changes_reports_all_problems_at_once() -> None:
    inst = week_instance()
    late = change(5, "d2", "d1", "giveaway", 3).model_copy(
        update={"changed_at": dt.datetime(2027, 1, 1, tzinfo=dt.UTC)}
    )
    changes = [change(4, "d1", "x9", "giveaway", 2), late, change(6, "d3", "d1", "swap", 4)]
    with pytest.raises(InputError) as err:
        apply_changes(inst, published(), changes)
    text = str(err.value)
    assert [p.line for p in err.value.problems] == [2, 3, 4]
    assert "ukjent lege «x9»" in text
    assert "tidsrekkefølge" in text
    assert "bytte uten motsvarende linje" in text


def test_apply_changes_swap_is_two_lines_one_each_way() -> None:
    inst = week_instance()
    changes = [change(4, "d1", "d2", "swap", 2), change(5, "d2", "d1", "swap", 3)]
    worked = apply_changes(inst, published(), changes)
    assert (
        dict((a.shift_id, a.doctor_id) for a in worked.roster.assignments)["2027-01-04:kveld"]
        == "d2"
    )
    assert check(inst, worked.roster).ok


# --------------------------------------------------------------------------- judging


def test_judge_names_the_change_that_broke_a_rule() -> None:
    away = make_doctor(
        "d3", absences=(Absence(kind="holiday", start=D(2027, 1, 7), end=D(2027, 1, 8)),)
    )
    inst = week_instance(doctors=(make_doctor("d1"), make_doctor("d2"), away))
    changes = [change(4, "d1", "d2", "giveaway", 2), change(7, "d1", "d3", "board", 3)]
    cc = judge(inst, published(), changes)
    assert [(b.finding.rule, b.change.line if b.change else None) for b in cc.breaches] == [
        ("absence", 3)
    ]
    assert not cc.ok


def test_judge_keeps_what_the_published_plan_had_apart() -> None:
    inst = week_instance()
    plan = roster_of(*((a.shift_id, a.doctor_id) for a in published().assignments[:-1]))
    cc = judge(inst, plan, [change(4, "d1", "d2", "giveaway")])
    assert [(b.finding.rule, b.change) for b in cc.breaches] == [("coverage", None)]


def test_new_breaches_refuses_a_duty_over_the_weekly_cap() -> None:
    inst = week_instance(overrides=(override("max_duties_per_week", max=3),))
    plan = published()
    assert check(inst, plan).ok
    found = new_breaches(inst, plan, change(5, "d2", "d1", "giveaway"))
    assert [f.rule for f in found] == ["max_duties_per_week"]
    assert new_breaches(inst, plan, change(5, "d2", "d3", "giveaway")) == []


# --------------------------------------------------------------------------- ledger


def test_ledger_counts_moves_and_voluntary_extra_apart() -> None:
    inst = week_instance()
    changes = [
        change(4, "d1", "d2", "swap", 2),
        change(5, "d2", "d1", "swap", 3),
        change(7, "d1", "d3", "board", 4),
        change(8, "d2", None, "sick", 5),
        change(8, None, "d1", "leader", 6),
    ]
    led = ledger(inst, published(), changes)
    assert check(inst, led.worked.roster).ok
    d1, d2, d3 = led.doctors
    assert (d1.assigned.duties, d1.worked.duties) == (3, 3)
    assert (d2.assigned.duties, d2.worked.duties) == (2, 1)
    assert (d3.assigned.duties, d3.worked.duties, d3.voluntary.duties) == (2, 3, 1)
    assert d1.moves["swapped_out"] == d1.moves["swapped_in"] == 1
    assert (d1.moves["given_away"], d1.moves["leader_in"]) == (1, 1)
    assert (d2.moves["sick"], d2.moves["leader_out"]) == (1, 1)
    assert d3.moves["taken_from_board"] == 1
    muni, empty = led.municipalities  # every doctor lives in m1
    assert empty.worked.duties == 0
    assert (muni.assigned.duties, muni.worked.duties, muni.voluntary.duties) == (7, 7, 1)
    assert muni.worked.minutes_onsite == 7 * 7 * 60
    csv_lines = ledger_csv_text(led).splitlines()
    assert csv_lines[0].split(",") == ledger_header() and len(csv_lines) == 1 + 3 + 2


def test_ledger_carry_over_has_opposite_signs_and_the_next_plan_uses_it() -> None:
    inst = week_instance(doctors=(make_doctor("d1"), make_doctor("d2")))
    plan = roster_of(*((f"2027-01-{d:02d}:kveld", "d1" if d % 2 else "d2") for d in range(4, 10)))
    led = ledger(inst, plan, [change(4, "d2", "d1", "giveaway")])
    carry = led.history.carry_points
    assert carry["d1"] > 0 > carry["d2"]
    assert carry["d1"] == -carry["d2"]
    text = history_yaml_text(led.history, "fra januar")
    assert text.startswith("# fra januar\nhistory:\n")
    doc = parse_instance_text(
        "name: neste\nlegevakt: {id: lv, name: Lv, host: lv.example.no, municipalities: "
        "[{id: k1, name: K1, population: 1}]}\nperiod: {start: 2027-02-01, end: 2027-02-07}\n"
        "shift_types: [{id: kveld, label: Kveld, period: evening, days: [weekday], "
        "start: '16:00', end: '23:00', points: 2}]\n" + text.split("\n", 1)[1]
    )
    assert doc.history == History.model_validate(load_yaml(text)["history"])
    nxt = make_instance(
        doctors=inst.doctors, start=D(2027, 2, 1), end=D(2027, 2, 7), history=doc.history
    )
    assert basis(nxt).carry == carry


def test_ledger_for_a_window_counts_only_its_duties_and_has_no_target() -> None:
    inst = week_instance()
    led = ledger(
        inst, published(), [change(4, "d1", "d3", "board")], window=(D(2027, 1, 4), D(2027, 1, 6))
    )
    d1, d2, d3 = led.doctors
    assert (d1.assigned.duties, d1.worked.duties) == (1, 0)
    assert (d3.worked.duties, d3.voluntary.duties, d3.moves["taken_from_board"]) == (2, 1, 1)
    assert d2.worked.duties == 1
    assert all(x.target is None for x in (*led.doctors, *led.municipalities))
    assert month_window(2027, 12) == (D(2027, 12, 1), D(2027, 12, 31))
    assert month_window(2028, 2) == (D(2028, 2, 1), D(2028, 2, 29))


def test_ledger_workbook_has_doctors_and_municipalities_in_norwegian() -> None:
    inst = week_instance()
    led = ledger(inst, published(), [change(4, "d1", "d3", "board")])
    wb = load_workbook(io.BytesIO(ledger_xlsx_bytes(led, "Januar 2027")))
    assert wb.sheetnames == ["Leger", "Kommuner"]
    rows = list(wb["Leger"].iter_rows(values_only=True))
    assert rows[0][0] == "Januar 2027"
    assert rows[1][:3] == ("Id", "Navn", "Kommune")
    assert "Frivillig ekstra: vakter" in rows[1]
    col = rows[1].index("Frivillig ekstra: vakter")
    assert [r[col] for r in rows[2:]] == [0, 0, 1]
