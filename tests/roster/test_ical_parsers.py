"""Every calendar feed, read by two parsers that trust its VTIMEZONE (vobject and Mozilla's
ical.js, both independent of the icalendar package that writes it), places every duty where
roster.csv says: start and end in UTC, winter and summer, across both DST nights.

With the VTIMEZONE the icalendar package generates (a long RDATE list), both readers put every
summer-time duty one hour late; the RRULE form below is what Google and Outlook write.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from roster.formats.exchange import Roster, roster_csv_text
from roster.formats.ical import feeds, rules_match_zoneinfo, vtimezone
from roster.instance import Instance, load_instance
from roster.model import DayKind
from tests.conftest import _missing
from tests.factories import D, make_doctor, make_instance, make_night, make_shift_type, roster_of
from tests.ical_readers import (
    csv_instants,
    event_instants,
    icaljs_available,
    read_icaljs,
    read_vobject,
)

ROOT = Path(__file__).resolve().parents[2]
NOW = dt.datetime(2027, 1, 2, 9, 0, tzinfo=dt.UTC)


def round_robin(instance: Instance) -> Roster:
    """Every shift (back-ups too) to the doctors in turn, so every doctor gets a calendar.
    Who sits where does not matter for the instants: this roster is not meant to be valid."""
    ids = [d.id for d in instance.doctors]
    return roster_of(*((s.id, ids[i % len(ids)]) for i, s in enumerate(instance.shifts)))


def write_feeds(instance: Instance, folder: Path) -> tuple[str, dict[str | None, Path]]:
    """roster.csv's text and every calendar's file, by doctor id (None: the legevakt's)."""
    roster = round_robin(instance)
    text = roster_csv_text(instance, roster)
    calendars, _ = feeds(instance, roster, now=NOW)
    folder.mkdir(parents=True, exist_ok=True)
    paths: dict[str | None, Path] = {}
    for key, cal in calendars.items():
        path = folder / f"{key}.ics"
        path.write_bytes(cal.to_ical())
        paths[None if key == "all" else key] = path
    return text, paths


def assert_both_readers_agree(text: str, paths: dict[str | None, Path]) -> int:
    """Every calendar, read by both readers, has exactly the duties of roster.csv."""
    if not icaljs_available():
        _missing("node with tests/icaljs/node_modules (npm ci --prefix tests/icaljs)")
    by_icaljs = read_icaljs(list(paths.values()))
    checked = 0
    for doctor_id, path in paths.items():
        want = csv_instants(text, doctor_id)
        assert want, f"{path.name}: no duties to compare"
        for reader, events in (("vobject", read_vobject(path)), ("ical.js", by_icaljs[path])):
            assert {e.zone for e in events} <= {"_tzicalvtz", "Europe/Oslo"}, (reader, path.name)
            got = event_instants(events)
            wrong = sorted((got - want).elements())[:3]
            missing = sorted((want - got).elements())[:3]
            assert got == want, f"{reader} {path.name}: read {wrong}, roster.csv has {missing}"
            checked += len(events)
    return checked


def test_ical_vtimezone_is_the_rrule_form() -> None:
    text = vtimezone([2027, 2028]).to_ical().decode()
    assert "RDATE" not in text
    blocks = dict(re.findall(r"BEGIN:(DAYLIGHT|STANDARD)\r\n(.*?)END:\1", text, re.S))
    assert set(blocks) == {"DAYLIGHT", "STANDARD"}
    for name, month, start, before, after in (
        ("DAYLIGHT", 3, "19700329T020000", "+0100", "+0200"),
        ("STANDARD", 10, "19701025T030000", "+0200", "+0100"),
    ):
        lines = set(blocks[name].split("\r\n"))
        rule = next(x for x in lines if x.startswith("RRULE:"))
        assert set(rule.removeprefix("RRULE:").split(";")) == {
            "FREQ=YEARLY",
            f"BYMONTH={month}",
            "BYDAY=-1SU",
        }
        assert {f"DTSTART:{start}", f"TZOFFSETFROM:{before}", f"TZOFFSETTO:{after}"} <= lines


def test_ical_vtimezone_rules_match_the_time_zone_database() -> None:
    assert all(rules_match_zoneinfo(year) for year in range(2013, 2038))
    assert not rules_match_zoneinfo(1995)  # summer time then ended in September
    listed = vtimezone([1995]).to_ical().decode()  # so the transitions are listed instead
    assert "RRULE" not in listed and "DTSTART:19950924T030000" in listed


def test_ical_feeds_read_alike_for_every_innherred_calendar(tmp_path: Path) -> None:
    inst = load_instance(ROOT / "examples" / "innherred" / "instance.yaml")
    text, paths = write_feeds(inst, tmp_path)
    assert len(paths) == len(inst.doctors) + 1
    assert assert_both_readers_agree(text, paths) > 2 * len(inst.shifts)


def test_ical_feeds_read_alike_across_both_dst_nights(tmp_path: Path) -> None:
    # 27/28 March 2027 is also Easter: the night into Easter Sunday lasts 8 hours, the night
    # into 31 October 10 hours; the weekday evenings around both are in either time.
    inst = make_instance(
        start=D(2027, 3, 20),
        end=D(2027, 11, 6),
        doctors=tuple(make_doctor(f"d{i}") for i in range(1, 8)),
        shift_types=(
            make_shift_type("kveld", days=(DayKind.weekday,)),
            make_night(days=tuple(DayKind)),
            make_shift_type("dag", period="day", start="08:00", end="16:00"),
        ),
    )
    text, paths = write_feeds(inst, tmp_path)
    nights = {
        (s.start.date(), s.minutes // 60)
        for s in inst.shifts
        if s.type_id == "natt" and s.minutes != 540
    }
    assert nights == {(D(2027, 3, 27), 8), (D(2027, 10, 30), 10)}
    assert assert_both_readers_agree(text, paths) > 0


@pytest.mark.parametrize("to", ["+0300", "+0100"])
def test_ical_readers_place_times_through_the_vtimezone(tmp_path: Path, to: str) -> None:
    """The readers are worth something only if they trust the VTIMEZONE block: with a
    summer offset of +03 (or none) both move every summer duty, and only those."""
    inst = make_instance(start=D(2027, 3, 26), end=D(2027, 3, 29))
    text, paths = write_feeds(inst, tmp_path)
    path = paths[None]
    summer = b"TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200"
    body = path.read_bytes()
    assert body.count(summer) == 1
    path.write_bytes(body.replace(summer, summer[:-5] + to.encode()))
    if not icaljs_available():
        _missing("node with tests/icaljs/node_modules (npm ci --prefix tests/icaljs)")
    shift = dt.timedelta(hours=int(to[1:3]) - 2)
    want = {
        (a - shift, b - shift) if a.month == 3 and a.day >= 28 else (a, b)
        for a, b in csv_instants(text, None)
    }
    for events in (read_vobject(path), read_icaljs([path])[path]):
        assert set(event_instants(events)) == want
