"""changes.csv: the changes after publication, one per line, in the order they were made.

The header is exactly `CHANGES_HEADER`. Other tools write this file: keep it stable. Every
problem is reported at once with its line number (the header is line 1); a file with problems
gives no changes at all.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from pathlib import Path

from roster.changes import Change
from roster.errors import InputError, Problem
from roster.formats.formulas import csv_field, csv_unfield
from roster.formats.textfile import check_header, read_utf8
from roster.model import ChangeKind, Role

CHANGES_HEADER = (
    "changed_at",
    "date",
    "shift_id",
    "role",
    "from_doctor",
    "to_doctor",
    "kind",
    "approved_by",
    "note",
)
KINDS = ", ".join(k.value for k in ChangeKind)
ROLES = ", ".join(r.value for r in Role)


def _instant(text: str) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _row(row: dict[str, str], line: int, name: str) -> tuple[Change | None, list[Problem]]:
    def bad(column: str, message: str) -> Problem:
        return Problem(file=name, line=line, column=column, message=message)

    cell = {k: (row.get(k) or "").strip() for k in CHANGES_HEADER}
    problems = []
    changed_at = _instant(cell["changed_at"])
    if changed_at is None:
        problems.append(
            bad(
                "changed_at",
                f"ugyldig tidspunkt «{cell['changed_at']}» (ISO 8601 med UTC-avvik, "
                "f.eks. 2027-01-10T14:30:00+01:00)",
            )
        )
    day = _date(cell["date"])
    if day is None:
        problems.append(bad("date", f"ugyldig dato «{cell['date']}» (åååå-mm-dd)"))
    if not cell["shift_id"]:
        problems.append(bad("shift_id", "mangler vakttype"))
    role = cell["role"] if cell["role"] in Role.__members__ else None
    if role is None:
        problems.append(bad("role", f"ugyldig rolle «{cell['role']}» (gyldige: {ROLES})"))
    kind = cell["kind"] if cell["kind"] in ChangeKind.__members__ else None
    if kind is None:
        problems.append(bad("kind", f"ugyldig type «{cell['kind']}» (gyldige: {KINDS})"))
    if None in (row.get(k) for k in CHANGES_HEADER) or None in row:
        problems.append(bad("", f"linjen skal ha {len(CHANGES_HEADER)} felt"))
    if problems or changed_at is None or day is None or role is None or kind is None:
        return None, problems
    change = Change(
        line=line,
        changed_at=changed_at,
        date=day,
        type_id=cell["shift_id"],
        role=Role(role),
        from_doctor=cell["from_doctor"] or None,
        to_doctor=cell["to_doctor"] or None,
        kind=ChangeKind(kind),
        approved_by=csv_unfield(cell["approved_by"]),
        note=csv_unfield(cell["note"]),
    )
    return change, []


def parse_changes_text(text: str, name: str = "changes.csv") -> list[Change]:
    """Every change in the file, or InputError with every problem and its line."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    check_header(reader.fieldnames, CHANGES_HEADER, name)
    changes: list[Change] = []
    problems: list[Problem] = []
    try:
        for row in reader:
            # the line the record starts on (a quoted note may span lines)
            line = reader.line_num - sum(str(v).count("\n") for v in row.values() if v)
            change, found = _row(row, line, name)
            problems += found
            if change is not None:
                changes.append(change)
    except csv.Error as exc:
        problems.append(Problem(file=name, line=reader.line_num, message=f"ugyldig CSV ({exc})"))
    if problems:
        raise InputError(problems)
    return changes


def read_changes_csv(path: Path) -> list[Change]:
    return parse_changes_text(read_utf8(path), path.name)


def change_row(c: Change) -> dict[str, str]:
    return {
        "changed_at": c.changed_at.isoformat(),
        "date": c.date.isoformat(),
        "shift_id": c.type_id,
        "role": c.role.value,
        "from_doctor": c.from_doctor or "",
        "to_doctor": c.to_doctor or "",
        "kind": c.kind.value,
        "approved_by": c.approved_by,
        "note": c.note,
    }


def changes_csv_text(changes: Sequence[Change]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(CHANGES_HEADER), lineterminator="\n")
    writer.writeheader()
    for c in changes:
        writer.writerow({k: csv_field(v) for k, v in change_row(c).items()})  # no formulas
    return buf.getvalue()


def write_changes_csv(changes: Sequence[Change], path: Path) -> None:
    path.write_text(changes_csv_text(changes), encoding="utf-8")
