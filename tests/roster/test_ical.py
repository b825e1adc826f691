"""iCal feeds: instants equal the roster's, stable UIDs, SEQUENCE and cancellations."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from icalendar import Calendar, Event

from roster.formats.exchange import Roster, roster_rows
from roster.formats.ical import CANCELLED_KEPT, STATE_FILE, calendar_for, publish_ical, write_ical
from roster.instance import Instance
from roster.model import Municipality
from tests.factories import (
    D,
    make_doctor,
    make_instance,
    make_legevakt,
    make_night,
    make_shift_type,
    roster_of,
)

NOW = dt.datetime(2027, 1, 15, 12, 0, tzinfo=dt.UTC)
LATER = dt.datetime(2027, 2, 1, 9, 30, tzinfo=dt.UTC)

NIGHT = make_night(label="Natt (hjemmevakt)")
BACKUP = make_shift_type(
    "kb",
    label="Kompetansebakvakt natt",
    role="backup_competence",
    period="night",
    start="22:00",
    end="08:00",
    mode="standby",
    response_minutes=30,
    covers=("natt",),
    points=1,
)


def night_instance(start: dt.date, end: dt.date, **kw: object) -> Instance:
    return make_instance(shift_types=(NIGHT, BACKUP), start=start, end=end, **kw)  # type: ignore[arg-type]


def events(cal: Calendar) -> list[Event]:
    return [c for c in cal.walk("VEVENT")]


def by_uid(cal: Calendar) -> dict[str, Event]:
    return {str(e["UID"]): e for e in events(cal)}


def parse(path: Path) -> Calendar:
    return Calendar.from_ical(path.read_bytes())


def test_ical_instants_equal_roster_across_dst_and_new_year(tmp_path: Path) -> None:
    cases = [
        (D(2027, 3, 27), 8),  # spring forward: 23:00 -> 08:00 is 8 hours
        (D(2027, 10, 30), 10),  # fall back: 10 hours
        (D(2027, 12, 31), 9),  # across New Year
    ]
    for day, hours in cases:
        inst = night_instance(day, day)
        roster = roster_of((f"{day}:natt", "d1"), (f"{day}:kb", "d2"))
        out = tmp_path / day.isoformat()
        written = write_ical(inst, roster, out, now=NOW)
        assert sorted(p.name for p in written) == ["all.ics", "d1.ics", "d2.ics"]
        rows = {(r["shift_id"], r["doctor_id"]): r for r in roster_rows(inst, roster)}
        for path in written:
            text = path.read_bytes()
            assert b"BEGIN:VTIMEZONE" in text and b"TZID:Europe/Oslo" in text
            assert b"DTSTART;TZID=Europe/Oslo:" in text
            for ev in events(parse(path)):
                start, end = ev.decoded("DTSTART"), ev.decoded("DTEND")
                assert str(start.tzinfo) == "Europe/Oslo"
                type_id = str(ev["UID"]).split(":")[1].split("-")[0]
                matching = [r for (t, _), r in rows.items() if t == type_id]
                assert len(matching) == 1
                assert start == dt.datetime.fromisoformat(matching[0]["start"])
                assert end == dt.datetime.fromisoformat(matching[0]["end"])
        night = by_uid(parse(out / "d1.ics"))[f"{day}:natt-primary@test-legevakt.no"]
        # subtraction within one zone is wall-clock time; the duty's length is in UTC
        utc = night.decoded("DTEND").astimezone(dt.UTC) - night.decoded("DTSTART").astimezone(
            dt.UTC
        )
        assert utc == dt.timedelta(hours=hours)


def test_ical_crlf_folding_and_norwegian_characters(tmp_path: Path) -> None:
    legevakt = make_legevakt(
        municipalities=(Municipality(id="m1", name="Inderøy", population=7000),),
        name="Inderøy og Ørland legevakt",
        address="Sjøgata 12, 7670 Inderøy",
    )
    doctor = make_doctor("d1", name="Åse Bjørnstad Ødegård")
    inst = night_instance(D(2027, 1, 4), D(2027, 1, 10), doctors=(doctor,), legevakt=legevakt)
    roster = roster_of(*((s.id, "d1") for s in inst.shifts))
    for path in write_ical(inst, roster, tmp_path, now=NOW):
        data = path.read_bytes()
        lines = data.split(b"\r\n")
        assert lines[-1] == b""
        assert b"\n" not in b"".join(lines)  # every line ends in CRLF
        assert max(len(line) for line in lines) <= 75
        cal = parse(path)
        assert str(cal["X-WR-TIMEZONE"]) == "Europe/Oslo"
        assert str(cal["PRODID"]) == "-//Vaktplan//Legevakt//NO"
        assert str(cal["METHOD"]) == "PUBLISH"
        assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H" in data
        assert b"X-PUBLISHED-TTL:PT1H" in data
        for ev in events(cal):
            assert "Åse Bjørnstad Ødegård" in str(ev["DESCRIPTION"])
            assert "116 117" in str(ev["DESCRIPTION"])
    own = parse(tmp_path / "d1.ics")
    assert str(own["X-WR-CALNAME"]) == "Legevakt – Åse Bjørnstad Ødegård"
    assert str(parse(tmp_path / "all.ics")["X-WR-CALNAME"]) == "Inderøy og Ørland legevakt"


def test_ical_summary_and_location() -> None:
    evening = make_shift_type("kveld", label="Kveld")
    inst = make_instance(
        shift_types=(evening, NIGHT, BACKUP), start=D(2027, 1, 4), end=D(2027, 1, 4)
    )
    roster = roster_of(
        ("2027-01-04:kveld", "d1"), ("2027-01-04:natt", "d1"), ("2027-01-04:kb", "d2")
    )
    evs = {str(e["SUMMARY"]): e for e in events(calendar_for(inst, roster, None, now=NOW))}
    assert set(evs) == {
        "Legevakt kveld – tilstedevakt",
        "Legevakt natt – hjemmevakt",
        "Kompetansebakvakt natt",
    }
    assert str(evs["Legevakt kveld – tilstedevakt"]["LOCATION"]) == "Storgata 1, 7600 Levanger"
    assert str(evs["Legevakt natt – hjemmevakt"]["LOCATION"]) == "Hjemmevakt, responstid 15 min"
    night = str(evs["Legevakt natt – hjemmevakt"]["DESCRIPTION"])
    assert "Lege i vakt: Lege d1" in night and "Kompetansebakvakt: Lege d2" in night
    assert "Kompetansebakvakt: ingen" in str(evs["Legevakt kveld – tilstedevakt"]["DESCRIPTION"])


def test_ical_replan_keeps_uids_bumps_changed_and_cancels_removed(tmp_path: Path) -> None:
    inst = night_instance(D(2027, 1, 4), D(2027, 1, 6))
    old = roster_of(("2027-01-04:natt", "d1"), ("2027-01-05:natt", "d1"), ("2027-01-06:natt", "d2"))
    new = roster_of(("2027-01-04:natt", "d1"), ("2027-01-05:natt", "d2"), ("2027-01-06:natt", "d2"))
    write_ical(inst, old, tmp_path / "old", now=NOW)
    write_ical(inst, new, tmp_path / "new", previous=old, now=LATER)
    changed = "2027-01-05:natt-primary@test-legevakt.no"
    for name in ("all.ics", "d2.ics"):
        before = by_uid(parse(tmp_path / "old" / name))
        after = by_uid(parse(tmp_path / "new" / name))
        for uid in set(before) - {changed}:
            assert uid in after
            assert after[uid]["SEQUENCE"] == 0
        assert after[changed]["SEQUENCE"] > before.get(changed, {"SEQUENCE": 0})["SEQUENCE"]
        assert after[changed].decoded("LAST-MODIFIED") == LATER
    d1 = by_uid(parse(tmp_path / "new" / "d1.ics"))
    assert str(d1[changed]["STATUS"]) == "CANCELLED"
    assert d1[changed]["SEQUENCE"] == 1
    assert str(d1["2027-01-04:natt-primary@test-legevakt.no"]["STATUS"]) == "CONFIRMED"


def test_ical_cancelled_only_doctor_still_gets_a_file(tmp_path: Path) -> None:
    inst = night_instance(D(2027, 1, 4), D(2027, 1, 4))
    old = roster_of(("2027-01-04:natt", "d1"))
    new = roster_of(("2027-01-04:natt", "d2"))
    names = {p.name for p in write_ical(inst, new, tmp_path, previous=old, now=NOW)}
    assert names == {"all.ics", "d1.ics", "d2.ics"}
    (ev,) = events(parse(tmp_path / "d1.ics"))
    assert str(ev["STATUS"]) == "CANCELLED"


def test_ical_uids_do_not_depend_on_assignment_order() -> None:
    two = make_shift_type("kveld", label="Kveld", doctors=2)
    doctors = tuple(make_doctor(f"d{i}") for i in range(1, 5))
    inst = make_instance(shift_types=(two, NIGHT), doctors=doctors)
    pairs = [(s.id, f"d{1 + (i % 4)}") for i, s in enumerate(inst.shifts)]
    pairs += [(s.id, f"d{1 + ((i + 1) % 4)}") for i, s in enumerate(inst.shifts) if s.doctors > 1]
    roster = roster_of(*pairs)
    shuffled = list(roster.assignments)
    random.Random(7).shuffle(shuffled)
    other = Roster(assignments=tuple(shuffled))
    for doctor_id in (None, "d1", "d2"):
        a = calendar_for(inst, roster, doctor_id, now=NOW).to_ical()
        b = calendar_for(inst, other, doctor_id, now=NOW).to_ical()
        assert a == b
    uids = set(by_uid(calendar_for(inst, roster, None, now=NOW)))
    assert "2027-01-04:kveld-primary-1@test-legevakt.no" in uids
    assert "2027-01-04:kveld-primary-2@test-legevakt.no" in uids
    assert len(uids) == len(roster.assignments)


def test_ical_seats_of_multi_doctor_shift_survive_replan() -> None:
    two = make_shift_type("kveld", label="Kveld", doctors=2)
    doctors = tuple(make_doctor(f"d{i}") for i in range(1, 5))
    inst = make_instance(
        shift_types=(two,), doctors=doctors, start=D(2027, 1, 4), end=D(2027, 1, 4)
    )
    old = roster_of(("2027-01-04:kveld", "d1"), ("2027-01-04:kveld", "d3"))
    new = roster_of(("2027-01-04:kveld", "d3"), ("2027-01-04:kveld", "d4"))  # d1 -> d4
    after = by_uid(calendar_for(inst, new, None, old, now=LATER))
    seats = {uid: str(ev["SEQUENCE"]) for uid, ev in after.items()}
    assert seats == {
        "2027-01-04:kveld-primary-1@test-legevakt.no": "1",
        "2027-01-04:kveld-primary-2@test-legevakt.no": "0",
    }


def test_ical_cli_writes_calendars_and_rejects_bad_roster(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from legevakt.cli import app
    from roster.formats.exchange import write_roster_csv
    from tests.test_cli import write_instance

    inst = night_instance(D(2027, 1, 4), D(2027, 1, 5))
    path = write_instance(tmp_path, inst)
    old = roster_of(("2027-01-04:natt", "d1"), ("2027-01-05:natt", "d2"))
    new = roster_of(("2027-01-04:natt", "d2"), ("2027-01-05:natt", "d2"))
    write_roster_csv(inst, old, tmp_path / "old.csv")
    write_roster_csv(inst, new, tmp_path / "new.csv")
    args = ["ical", str(path), str(tmp_path / "new.csv"), "--out", str(tmp_path / "cal")]
    result = CliRunner().invoke(app, [*args, "--previous", str(tmp_path / "old.csv")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "cal").iterdir()) == [
        "all.ics",
        "d1.ics",
        "d2.ics",
        "feed-state.json",
    ]
    (cancelled,) = events(parse(tmp_path / "cal" / "d1.ics"))
    assert str(cancelled["STATUS"]) == "CANCELLED"
    (tmp_path / "bad.csv").write_text("date,shift\n", encoding="utf-8")
    args[2] = str(tmp_path / "bad.csv")
    assert CliRunner().invoke(app, args).exit_code == 2


def test_ical_publish_counts_sequence_over_many_replans(tmp_path: Path) -> None:
    """Three publications to one folder: SEQUENCE counts every change of a duty, unchanged
    duties keep SEQUENCE and LAST-MODIFIED, and a duty taken away and given back counts on."""
    inst = night_instance(D(2027, 1, 4), D(2027, 1, 5))
    first = roster_of(("2027-01-04:natt", "d1"), ("2027-01-05:natt", "d1"))
    second = roster_of(("2027-01-04:natt", "d1"), ("2027-01-05:natt", "d2"))
    third = first
    moved = "2027-01-05:natt-primary@test-legevakt.no"
    kept = "2027-01-04:natt-primary@test-legevakt.no"
    times = [NOW, LATER, LATER + dt.timedelta(days=1)]
    seen: list[dict[str, dict[str, Event]]] = []
    prev = None
    for roster, when in zip((first, second, third), times, strict=True):
        publish_ical(inst, roster, tmp_path, prev, now=when)
        seen.append({p.stem: by_uid(parse(p)) for p in tmp_path.glob("*.ics")})
        prev = roster
    assert (tmp_path / STATE_FILE).is_file()
    assert [s["all"][moved]["SEQUENCE"] for s in seen] == [0, 1, 2]
    assert [s["all"][kept]["SEQUENCE"] for s in seen] == [0, 0, 0]
    assert {s["all"][kept].decoded("LAST-MODIFIED") for s in seen} == {NOW}
    # d1 lost the duty, then got it back: cancelled, then confirmed with a higher SEQUENCE.
    assert [str(s["d1"][moved]["STATUS"]) for s in seen] == ["CONFIRMED", "CANCELLED", "CONFIRMED"]
    assert [s["d1"][moved]["SEQUENCE"] for s in seen] == [0, 1, 2]
    # d2 had it once: taken over from d1 (its SEQUENCE continues from d1's, so both calendars
    # show the change with a higher SEQUENCE), then cancelled with a higher SEQUENCE.
    assert moved not in seen[0].get("d2", {})
    assert [str(seen[i]["d2"][moved]["STATUS"]) for i in (1, 2)] == ["CONFIRMED", "CANCELLED"]
    assert [seen[i]["d2"][moved]["SEQUENCE"] for i in (1, 2)] == [1, 2]
    assert seen[2]["d2"][moved].decoded("DTSTART") == seen[1]["d2"][moved].decoded("DTSTART")


def test_ical_publish_bumps_a_duty_whose_backup_changed(tmp_path: Path) -> None:
    """The description names the kompetansebakvakt: a new back-up is a change for the primary."""
    three = (make_doctor("d1"), make_doctor("d2"), make_doctor("d3", name="Åse Ødegård"))
    inst = night_instance(D(2027, 1, 4), D(2027, 1, 4), doctors=three)
    old = roster_of(("2027-01-04:natt", "d1"), ("2027-01-04:kb", "d2"))
    new = roster_of(("2027-01-04:natt", "d1"), ("2027-01-04:kb", "d3"))
    publish_ical(inst, old, tmp_path, now=NOW)
    publish_ical(inst, new, tmp_path, old, now=LATER)
    (ev,) = events(parse(tmp_path / "d1.ics"))
    assert ev["SEQUENCE"] == 1
    assert "Kompetansebakvakt: " in str(ev["DESCRIPTION"])
    assert inst.doctor("d3").name in str(ev["DESCRIPTION"])


def test_ical_cancelled_duty_is_kept_for_a_while_then_dropped(tmp_path: Path) -> None:
    inst = night_instance(D(2027, 1, 4), D(2027, 1, 5))
    old = roster_of(("2027-01-04:natt", "d1"), ("2027-01-05:natt", "d1"))
    new = roster_of(("2027-01-04:natt", "d1"), ("2027-01-05:natt", "d2"))
    gone = "2027-01-05:natt-primary@test-legevakt.no"
    publish_ical(inst, old, tmp_path, now=NOW)
    publish_ical(inst, new, tmp_path, old, now=LATER)
    soon = LATER + CANCELLED_KEPT - dt.timedelta(hours=1)
    publish_ical(inst, new, tmp_path, new, now=soon)
    ev = by_uid(parse(tmp_path / "d1.ics"))[gone]
    assert str(ev["STATUS"]) == "CANCELLED"
    assert ev["SEQUENCE"] == 1, "republishing an unchanged cancellation does not count up"
    publish_ical(inst, new, tmp_path, new, now=LATER + CANCELLED_KEPT)
    assert gone not in by_uid(parse(tmp_path / "d1.ics"))


def test_ical_solve_previous_cancels_in_its_ical_folder(tmp_path: Path) -> None:
    """The CLI path: `ical --previous` into the same folder twice counts on from its state."""
    from typer.testing import CliRunner

    from legevakt.cli import app
    from roster.formats.exchange import write_roster_csv
    from tests.factories import write_instance

    inst = night_instance(D(2027, 1, 4), D(2027, 1, 5))
    path = write_instance(tmp_path, inst)
    old = roster_of(("2027-01-04:natt", "d1"), ("2027-01-05:natt", "d1"))
    new = roster_of(("2027-01-04:natt", "d1"), ("2027-01-05:natt", "d2"))
    write_roster_csv(inst, old, tmp_path / "old.csv")
    write_roster_csv(inst, new, tmp_path / "new.csv")
    runner = CliRunner()
    for args in (["old.csv"], ["new.csv", "--previous", str(tmp_path / "old.csv")]):
        res = runner.invoke(
            app,
            [
                "ical",
                str(path),
                str(tmp_path / args[0]),
                "--out",
                str(tmp_path / "ical"),
                *args[1:],
            ],
        )
        assert res.exit_code == 0, res.output
    ev = by_uid(parse(tmp_path / "ical" / "d1.ics"))["2027-01-05:natt-primary@test-legevakt.no"]
    assert str(ev["STATUS"]) == "CANCELLED"
    assert ev["SEQUENCE"] == 1
