"""The worked ledger as files: rows for CSV and JSON, and the carry-over as the `history:`
section instance.yaml reads.

Column names are stable machine names (like roster.csv); docs/leger.md explains each in
Norwegian. Hours are decimal hours, points whole points, targets rounded to 0.01.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from roster.fairness import CATEGORIES
from roster.formats import yamlio
from roster.formats.formulas import csv_field, neutralise_workbook
from roster.ledger import MOVES, Ledger, LedgerLine, Tally
from roster.model import History

LEDGER_FORMAT = "vaktplan-ledger"
LEDGER_VERSION = 1


def _hours(minutes: int) -> float:
    return round(minutes / 60, 2)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _tally(prefix: str, t: Tally) -> dict[str, Any]:
    return {
        f"{prefix}_duties": t.duties,
        f"{prefix}_points": t.points,
        f"{prefix}_hours_onsite": _hours(t.minutes_onsite),
        f"{prefix}_hours_standby": _hours(t.minutes_standby),
    }


def ledger_row(level: str, line: LedgerLine) -> dict[str, Any]:
    """One flat row: assigned, worked, voluntary extra, moves, categories, target."""
    row: dict[str, Any] = {
        "level": level,
        "id": line.id,
        "name": line.name,
        "municipality": line.municipality,
        **_tally("assigned", line.assigned),
        **_tally("worked", line.worked),
        **_tally("voluntary", line.voluntary),
        **{m: line.moves[m] for m in MOVES},
    }
    for c in CATEGORIES:
        row[f"{c}_duties"] = line.count_by_category[c]
        row[f"{c}_points"] = line.points_by_category[c]
        row[f"{c}_target"] = _round(line.category_targets.get(c))
    row["target"] = _round(line.target)
    row["deviation"] = _round(line.deviation)
    return row


def ledger_rows(led: Ledger) -> list[dict[str, Any]]:
    return [ledger_row("doctor", d) for d in led.doctors] + [
        ledger_row("municipality", m) for m in led.municipalities
    ]


def ledger_header() -> list[str]:
    return list(ledger_row("doctor", LedgerLine("", "", "")))


def ledger_csv_text(led: Ledger) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=ledger_header(), lineterminator="\n")
    writer.writeheader()
    for row in ledger_rows(led):
        writer.writerow({k: "" if v is None else csv_field(v) for k, v in row.items()})
    return buf.getvalue()


def ledger_json(led: Ledger, instance_name: str) -> dict[str, Any]:
    return {
        "format": LEDGER_FORMAT,
        "version": LEDGER_VERSION,
        "instance": instance_name,
        "changes": len(led.worked.changes),
        "doctors": [ledger_row("doctor", d) for d in led.doctors],
        "municipalities": [ledger_row("municipality", m) for m in led.municipalities],
        "history": history_data(led.history),
    }


def ledger_json_text(led: Ledger, instance_name: str) -> str:
    return json.dumps(ledger_json(led, instance_name), ensure_ascii=False, indent=2) + "\n"


#: Norwegian column titles for the workbook, by machine name (the CSV keeps machine names).
_WHAT_NO = {"assigned": "Tildelt", "worked": "Gjort", "voluntary": "Frivillig ekstra"}
_UNIT_NO = {
    "duties": "vakter",
    "points": "poeng",
    "hours_onsite": "timer tilstede",
    "hours_standby": "timer hjemmevakt",
}
_CATEGORY_NO = {"night": "Netter", "weekend": "Helg/helligdag", "big_holiday": "Høytid"}
_COLUMN_NO = {
    "level": "Nivå",
    "id": "Id",
    "name": "Navn",
    "municipality": "Kommune",
    "swapped_in": "Byttet inn",
    "swapped_out": "Byttet bort",
    "given_away": "Gitt bort",
    "taken_given": "Overtatt",
    "taken_from_board": "Fra vaktbørs",
    "leader_in": "Flyttet inn av leder",
    "leader_out": "Flyttet ut av leder",
    "sick": "Sykdom",
    "target": "Mål (poeng)",
    "deviation": "Avvik (poeng)",
    **{f"{w}_{u}": f"{wn}: {un}" for w, wn in _WHAT_NO.items() for u, un in _UNIT_NO.items()},
    **{
        f"{c}_{k}": f"{cn}: {kn}"
        for c, cn in _CATEGORY_NO.items()
        for k, kn in (("duties", "vakter"), ("points", "poeng"), ("target", "mål"))
    },
}


def column_title(key: str) -> str:
    return _COLUMN_NO.get(key, key)


def ledger_workbook(led: Ledger, title: str) -> Workbook:
    """Sheets «Leger» and «Kommuner» with Norwegian column titles (payroll, settlement)."""
    wb = Workbook()
    first = wb.active
    assert isinstance(first, Worksheet)
    for ws, level, lines in (
        (first, "doctor", led.doctors),
        (wb.create_sheet(), "municipality", led.municipalities),
    ):
        ws.title = "Leger" if level == "doctor" else "Kommuner"
        keys = [k for k in ledger_header() if k != "level"]
        ws.append([title])
        ws.append([column_title(k) for k in keys])
        for line in lines:
            row = ledger_row(level, line)
            ws.append([row[k] for k in keys])
    neutralise_workbook(wb)  # names are text, never formulas (OWASP)
    return wb


def ledger_xlsx_bytes(led: Ledger, title: str) -> bytes:
    buf = io.BytesIO()
    ledger_workbook(led, title).save(buf)
    return buf.getvalue()


def history_data(history: History) -> dict[str, Any]:
    return history.model_dump(mode="json")


def history_yaml_text(history: History, comment: str = "") -> str:
    """`history:` as instance.yaml reads it: paste it into the next period's plan file."""
    head = "".join(f"# {line}\n" for line in comment.splitlines())
    return head + yamlio.dump({"history": history_data(history)})


def write_history_yaml(history: History, path: Path, comment: str = "") -> None:
    path.write_text(history_yaml_text(history, comment), encoding="utf-8")
