"""Two calendar readers independent of the `icalendar` package that writes our feeds, and
the instants roster.csv says each duty has.

- vobject (Python): reads the file's VTIMEZONE into a dateutil time zone and places every
  TZID time through it. Its TZID registry is global to the process: it is emptied before each
  file, so each file is read through its own VTIMEZONE and nothing else.
- Mozilla's ical.js (node, tests/icaljs/parse.mjs): has no time-zone database of its own and
  places TZID times through the VTIMEZONE of the same file.

Both therefore trust the VTIMEZONE block, as the calendar apps that misread our old one did.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import vobject
import vobject.icalendar

ICALJS = Path(__file__).resolve().parent / "icaljs"


@dataclass(frozen=True)
class ReadEvent:
    uid: str
    status: str
    start: dt.datetime  # UTC
    end: dt.datetime  # UTC
    zone: str  # what the reader placed the start time with


def _utc(moment: dt.datetime) -> dt.datetime:
    assert moment.tzinfo is not None, "a duty's time must not be floating"
    return moment.astimezone(dt.UTC)


def read_vobject(path: Path) -> list[ReadEvent]:
    registry = vars(vobject.icalendar)["__tzidMap"]
    registry.clear()
    vobject.icalendar.registerTzid("UTC", vobject.icalendar.utc)
    cal = vobject.readOne(path.read_text(encoding="utf-8"))
    out = []
    for ev in getattr(cal, "vevent_list", []):
        start, end = ev.dtstart.value, ev.dtend.value
        status = ev.status.value if hasattr(ev, "status") else ""
        zone = type(start.tzinfo).__name__
        out.append(ReadEvent(ev.uid.value, status, _utc(start), _utc(end), zone))
    return out


def icaljs_available() -> bool:
    return shutil.which("node") is not None and (ICALJS / "node_modules" / "ical.js").is_dir()


def read_icaljs(paths: list[Path]) -> dict[Path, list[ReadEvent]]:
    """All files in one node process."""
    done = subprocess.run(
        ["node", str(ICALJS / "parse.mjs"), *map(str, paths)],
        capture_output=True,
        check=True,
        text=True,
        timeout=300,
    )
    data = json.loads(done.stdout)

    def instant(text: str) -> dt.datetime:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))

    return {
        Path(p): [
            ReadEvent(
                e["uid"], e["status"] or "", instant(e["start"]), instant(e["end"]), e["tzid"]
            )
            for e in events
        ]
        for p, events in data.items()
    }


Instants = Counter[tuple[dt.datetime, dt.datetime]]


def csv_instants(roster_csv: str, doctor_id: str | None) -> Instants:
    """(start, end) in UTC of every staffed row of roster.csv, of one doctor or of all."""
    rows = csv.DictReader(io.StringIO(roster_csv))
    return Counter(
        (_utc(dt.datetime.fromisoformat(r["start"])), _utc(dt.datetime.fromisoformat(r["end"])))
        for r in rows
        if r["doctor_id"] and (doctor_id is None or r["doctor_id"] == doctor_id)
    )


def event_instants(events: list[ReadEvent]) -> Instants:
    return Counter((e.start, e.end) for e in events if e.status != "CANCELLED")
