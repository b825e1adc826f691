"""The change log in words a leader reads: what an entry (absence, exemption, wish) says,
a period, a doctor by name, and the log's actions («fravær lagt til», not «fravær_lagt_til»).
Nothing in the log shows a field name or an internal value."""

from __future__ import annotations

import datetime as dt
from typing import Any

from roster.glossary import ABSENCE_NO, EXEMPTION_NO, SCOPE_NO
from roster.instance import Instance
from roster.model import Absence, Exemption, Scope, Wish

#: Actions whose words are not simply the id with spaces.
ACTION_NO = {
    "ingen_tilgang": "ingen tilgang (avvist)",
    "legeliste_importert": "legeliste lastet opp",
    "planfil_endret": "planfil endret",
    "kalenderlenker_laget": "kalenderlenker laget",
}


def action_words(action: str) -> str:
    return ACTION_NO.get(action, action.replace("_", " "))


def day(d: dt.date | None) -> str:
    return "" if d is None else f"{d.day}.{d.month}.{d.year}"


def span(start: dt.date | None, end: dt.date | None) -> str:
    if start and end:
        return f"{day(start)}–{day(end)}"
    if start:
        return f"fra {day(start)}"
    if end:
        return f"til {day(end)}"
    return "hele perioden"


def doctor_name(instance: Instance, doctor_id: str | None) -> str:
    if doctor_id is None:
        return "hele legevakten"
    return instance.doctor(doctor_id).name if instance.has_doctor(doctor_id) else doctor_id


def describe_entry(item: Any, instance: Instance | None = None) -> str:
    """An absence, exemption or wish in one line, e.g. «sykmelding 18.1.2027–22.1.2027»."""
    note = f" ({item.note})" if getattr(item, "note", "") else ""
    if isinstance(item, Absence):
        return f"{ABSENCE_NO[item.kind]} {span(item.start, item.end)}{note}"
    if isinstance(item, Exemption):
        scope = SCOPE_NO[item.scope]
        if item.scope == Scope.shift_types:
            scope += " " + ", ".join(_type_labels(instance, item.shift_types))
        granted = ", innvilget" if item.granted else ""
        return f"fritak ({EXEMPTION_NO[item.kind]}), {scope}, {span(item.start, item.end)}{granted}{note}"
    if isinstance(item, Wish):
        what = "ønsker" if item.want else "vil helst ikke ha"
        types = ", ".join(_type_labels(instance, item.shift_types)) or "vakter"
        return f"{what} {types} {span(item.start, item.end)}{note}"
    return str(item)


def _type_labels(instance: Instance | None, ids: tuple[str, ...]) -> list[str]:
    known = {t.id: t.label for t in instance.shift_types} if instance else {}
    return [known.get(i, i) for i in ids]


def summary(instance: Instance) -> str:
    p = instance.period
    return (
        f"{len(instance.doctors)} leger, {len(instance.shift_types)} vakttyper, "
        f"periode {span(p.start, p.end)}"
    )


def count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"
