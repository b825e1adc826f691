"""The roster exchange format: roster.csv and roster.json. Other tools read these: keep them
stable.

roster.csv has exactly the header in `CSV_HEADER`; one row per doctor on a shift, and one row
with empty doctor fields per missing doctor on a shift that must be staffed (a hole).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from roster.calendar import Shift, to_minutes
from roster.errors import InputError, Problem
from roster.formats.formulas import csv_field
from roster.formats.textfile import read_limited
from roster.instance import Instance
from roster.model import StrictModel

CSV_HEADER = (
    "date",
    "shift_id",
    "start",
    "end",
    "role",
    "mode",
    "doctor_id",
    "doctor_name",
    "municipality",
)
FORMAT_NAME = "vaktplan-roster"
FORMAT_VERSION = 1


class Assignment(StrictModel):
    shift_id: str
    doctor_id: str


class Roster(StrictModel):
    """Who takes which shift. Shifts are identified by '<date>:<shift type id>'."""

    assignments: tuple[Assignment, ...] = ()

    def by_shift(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = defaultdict(list)
        for a in self.assignments:
            out[a.shift_id].append(a.doctor_id)
        return out

    def by_doctor(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = defaultdict(list)
        for a in self.assignments:
            out[a.doctor_id].append(a.shift_id)
        return out


def holes(instance: Instance, roster: Roster) -> list[tuple[Shift, int]]:
    """Shifts that must be staffed and have fewer doctors than needed, with how many missing."""
    counts = roster.by_shift()
    return [
        (s, s.doctors - len(counts.get(s.id, [])))
        for s in instance.shifts
        if s.needed_always and len(counts.get(s.id, [])) < s.doctors
    ]


def roster_rows(instance: Instance, roster: Roster) -> list[dict[str, str]]:
    """The rows of roster.csv, ordered by start, shift type, role and doctor id."""
    counts = roster.by_shift()
    rows: list[tuple[tuple[Any, ...], dict[str, str]]] = []
    for s in instance.shifts:
        doctors = sorted(counts.get(s.id, []))
        missing = max(0, s.doctors - len(doctors)) if s.needed_always else 0
        for doctor_id in [*doctors, *([""] * missing)]:
            doc = instance.doctor(doctor_id) if doctor_id else None
            row = {
                "date": s.date.isoformat(),
                "shift_id": s.type_id,
                "start": s.start.isoformat(),
                "end": s.end.isoformat(),
                "role": s.role.value,
                "mode": s.mode.value,
                "doctor_id": doctor_id,
                "doctor_name": doc.name if doc else "",
                "municipality": doc.municipality if doc else "",
            }
            rows.append(((s.t0, s.type_id, doctor_id == "", doctor_id), row))
    return [r for _, r in sorted(rows, key=lambda x: x[0])]


def roster_csv_text(instance: Instance, roster: Roster) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(CSV_HEADER), lineterminator="\n")
    writer.writeheader()
    for row in roster_rows(instance, roster):
        writer.writerow({k: csv_field(v) for k, v in row.items()})  # no formulas (OWASP)
    return buf.getvalue()


def write_roster_csv(instance: Instance, roster: Roster, path: Path) -> None:
    path.write_text(roster_csv_text(instance, roster), encoding="utf-8")


def roster_json(
    instance: Instance,
    roster: Roster,
    created_by: str,
    created_at: dt.datetime | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """roster.json: the rows of roster.csv plus metadata. `created_at` is passed in (no clock)."""
    data: dict[str, Any] = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "instance": instance.name,
        "legevakt": {"id": instance.legevakt.id, "name": instance.legevakt.name},
        "period": {
            "start": instance.period.start.isoformat(),
            "end": instance.period.end.isoformat(),
        },
        "rules": instance.rules.record(),
        "created_by": created_by,
        "created_at": created_at.isoformat() if created_at else None,
        "assignments": roster_rows(instance, roster),
    }
    if extra:
        data.update(extra)
    return data


def write_roster_json(
    instance: Instance, roster: Roster, path: Path, created_by: str, **kw: Any
) -> None:
    text = json.dumps(roster_json(instance, roster, created_by, **kw), ensure_ascii=False, indent=2)
    path.write_text(text + "\n", encoding="utf-8")


def _parse_instant(text: str) -> int | None:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return to_minutes(moment)


def parse_roster_rows(instance: Instance, rows: list[dict[str, str]], name: str) -> Roster:
    """Check rows against the instance; every problem at once, with its row number."""
    shifts = {s.id: s for s in instance.shifts}
    problems: list[Problem] = []
    assignments: list[Assignment] = []
    for i, row in enumerate(rows, start=2):
        date, type_id = row.get("date", "").strip(), row.get("shift_id", "").strip()
        sid = f"{date}:{type_id}"
        shift = shifts.get(sid)
        if shift is None:
            problems.append(
                Problem(
                    file=name,
                    row=i,
                    column="shift_id",
                    message=f"ukjent vakt «{type_id}» den {date} (finnes ikke i planen)",
                )
            )
            continue
        for col, want in (("start", shift.t0), ("end", shift.t1)):
            got = _parse_instant(row.get(col, "").strip())
            if got is None:
                problems.append(
                    Problem(
                        file=name,
                        row=i,
                        column=col,
                        message=f"ugyldig tidspunkt «{row.get(col, '')}» (ISO 8601 med UTC-avvik)",
                    )
                )
            elif got != want:
                problems.append(
                    Problem(
                        file=name,
                        row=i,
                        column=col,
                        message=f"tidspunktet stemmer ikke med vakttypen ({getattr(shift, col).isoformat()})",
                    )
                )
        for col, want_s in (("role", shift.role.value), ("mode", shift.mode.value)):
            if row.get(col, "").strip() != want_s:
                problems.append(
                    Problem(
                        file=name,
                        row=i,
                        column=col,
                        message=f"«{row.get(col, '')}» stemmer ikke med vakttypen («{want_s}»)",
                    )
                )
        doctor_id = row.get("doctor_id", "").strip()
        if not doctor_id:
            continue  # a hole
        if not instance.has_doctor(doctor_id):
            problems.append(
                Problem(file=name, row=i, column="doctor_id", message=f"ukjent lege «{doctor_id}»")
            )
            continue
        assignments.append(Assignment(shift_id=sid, doctor_id=doctor_id))
    if problems:
        raise InputError(problems)
    return Roster(assignments=tuple(assignments))


def read_roster_csv(instance: Instance, path: Path) -> Roster:
    name = path.name
    try:
        text = read_limited(path).decode("utf-8-sig")
    except FileNotFoundError:
        raise InputError([Problem(file=str(path), message="filen finnes ikke")]) from None
    except UnicodeDecodeError:
        raise InputError([Problem(file=name, message="filen er ikke UTF-8-tekst")]) from None
    reader = csv.DictReader(io.StringIO(text))
    header = tuple(reader.fieldnames or ())
    if header != CSV_HEADER:
        raise InputError(
            [
                Problem(
                    file=name,
                    row=1,
                    message=f"feil overskriftsrad; forventet nøyaktig: {','.join(CSV_HEADER)}",
                )
            ]
        )
    return parse_roster_rows(instance, list(reader), name)


def read_roster_json(instance: Instance, path: Path) -> Roster:
    name = path.name
    try:
        data = json.loads(read_limited(path).decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else type(exc).__name__
        raise InputError([Problem(file=name, message=f"kan ikke lese JSON ({reason})")]) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT_NAME:
        raise InputError(
            [Problem(file=name, message=f"ikke en vaktplanfil (format «{FORMAT_NAME}»)")]
        )
    rows = data.get("assignments")
    if not isinstance(rows, list):
        raise InputError([Problem(file=name, field="assignments", message="mangler")])
    return parse_roster_rows(instance, [{k: str(v) for k, v in r.items()} for r in rows], name)
