"""Doctors' wishes and absences for the plan being made, in storage.

The leader sets a deadline for the planning period in the plan file (`set_deadline`); until
then doctors enter wishes (want or would rather avoid dates and shift types) and absences
(holiday, course). Each is validated like the plan file itself and kept as a request; the
leader accepts it, perhaps with other dates, into the plan file (`absences:` / `wishes:`),
where the next solve reads it, or refuses it with a reason. The doctor is told either way.
Functions leave the commit to the caller.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from roster.calendar import OSLO
from roster.errors import InputError, Problem, problems_from_validation
from roster.glossary import ABSENCE_NO
from roster.instance import DoctorAbsence, DoctorWish, Instance
from roster.model import AbsenceKind
from web import store
from web.after import policy
from web.errors import AppError, not_found
from web.mail import SmtpSettings
from web.models import DoctorRequest, LegevaktRow, utcnow
from web.notify import notify

#: What a doctor may enter as absence; leave and sickness go through the leader.
DOCTOR_ABSENCES = (AbsenceKind.holiday, AbsenceKind.course, AbsenceKind.other)
STATUS_NO = {
    "pending": "venter på lederen",
    "accepted": "godtatt",
    "adjusted": "godtatt med endring",
    "refused": "avvist",
    "withdrawn": "trukket",
}
SECTION_NO = {"absences": "fravær", "wishes": "ønske"}


def today() -> dt.date:
    return utcnow().astimezone(OSLO).date()


@dataclass(frozen=True)
class Window:
    """The planning period doctors enter wishes for, and whether they still may."""

    start: dt.date
    end: dt.date
    deadline: dt.date | None

    @property
    def open(self) -> bool:
        return self.deadline is not None and today() <= self.deadline

    @property
    def text(self) -> str:
        span = f"{self.start:%d.%m.%Y}–{self.end:%d.%m.%Y}"
        if self.deadline is None:
            return f"Lederen har ikke åpnet for ønsker og fravær for perioden {span} ennå."
        if self.open:
            return f"Ønsker og fravær for perioden {span} kan legges inn til og med {self.deadline:%d.%m.%Y}."
        return f"Fristen for ønsker og fravær for perioden {span} gikk ut {self.deadline:%d.%m.%Y}."


def window(s: Session, row: LegevaktRow) -> Window:
    period = store.document(row.instance_yaml).period
    p = policy(s, row)
    deadline = p.wish_deadline if p.wish_period_start == period.start else None
    return Window(period.start, period.end, deadline)


def set_deadline(s: Session, row: LegevaktRow, deadline: dt.date | None, username: str) -> None:
    """The deadline for the plan file's current period (None: closed)."""
    period = store.document(row.instance_yaml).period
    p = policy(s, row)
    p.wish_deadline, p.wish_period_start = deadline, period.start if deadline else None
    when = f"{deadline:%d.%m.%Y}" if deadline else "ingen"
    span = f"{period.start:%d.%m.%Y}–{period.end:%d.%m.%Y}"
    store.audit(s, username, "frist_for_ønsker", f"{span}: {when}", row)


# --------------------------------------------------------------------------- entries


def _problem(field: str, message: str) -> Problem:
    return Problem(field=field, message=message)


def validated(
    instance: Instance, win: Window, doctor_id: str, section: str, data: dict[str, Any]
) -> dict[str, Any]:
    """The entry as the plan file will hold it (without the doctor), or every problem at
    once: the plan file's own validation, dates inside the planning period, known shift
    types."""
    models: dict[str, type[DoctorAbsence] | type[DoctorWish]] = {
        "absences": DoctorAbsence,
        "wishes": DoctorWish,
    }
    model = models.get(section)
    if model is None:
        raise AppError(422, "ugyldig_valg", "Ukjent type oppføring.")
    problems: list[Problem] = []
    try:
        item = model.model_validate({**data, "doctor": doctor_id})
    except ValidationError as exc:
        raise InputError(problems_from_validation(exc)) from None
    for name in ("start", "end"):
        day = getattr(item, name)
        if day is not None and not win.start <= day <= win.end:
            problems.append(
                _problem(
                    {"start": "fra", "end": "til"}[name],
                    f"datoen {day:%d.%m.%Y} er utenfor perioden "
                    f"{win.start:%d.%m.%Y}–{win.end:%d.%m.%Y}",
                )
            )
    if isinstance(item, DoctorAbsence) and item.kind not in DOCTOR_ABSENCES:
        problems.append(_problem("type", "permisjon og sykmelding avtales med lederen"))
    if isinstance(item, DoctorWish):
        known = {t.id for t in instance.shift_types}
        for t in item.shift_types:
            if t not in known:
                problems.append(_problem("vakttyper", f"ukjent vakttype «{t}»"))
    if problems:
        raise InputError(problems)
    out: dict[str, Any] = item.model_dump(mode="json", exclude={"doctor"}, exclude_defaults=True)
    return out


def describe(instance: Instance, section: str, data: dict[str, Any]) -> str:
    """'Ferie 03.05.2027–05.05.2027' or 'Ønsker natt 03.05.2027–05.05.2027 (notat)'."""
    types = {t.id: t.label for t in instance.shift_types}

    def day(key: str) -> str:
        value = data.get(key)
        return dt.date.fromisoformat(value).strftime("%d.%m.%Y") if value else ""

    span = "–".join(x for x in (day("start"), day("end")) if x)
    if section == "absences":
        head = ABSENCE_NO[AbsenceKind(data["kind"])].capitalize()
    else:
        head = "Ønsker" if data.get("want") else "Vil helst slippe"
        labels = [types.get(t, t).lower() for t in data.get("shift_types", [])]
        if labels:
            head += " " + ", ".join(labels)
        if not span:
            span = "hele perioden"
    note = f" ({data['note']})" if data.get("note") else ""
    return f"{head} {span}{note}".strip()


def submit(
    s: Session, row: LegevaktRow, doctor_id: str, section: str, data: dict[str, Any]
) -> DoctorRequest:
    """A doctor enters a wish or an absence before the deadline."""
    win = window(s, row)
    if not win.open:
        raise AppError(409, "frist_ute", win.text)
    instance = store.instance_from_text(row.instance_yaml)
    clean = validated(instance, win, doctor_id, section, data)
    req = DoctorRequest(
        legevakt_id=row.id,
        doctor_id=doctor_id,
        period_start=win.start,
        section=section,
        data=clean,
        status="pending",
        created_at=utcnow(),
        reason="",
    )
    s.add(req)
    s.flush()
    text = f"{instance.doctor(doctor_id).name}: {describe(instance, section, clean)}"
    notify(s, row, instance, None, f"Nytt {SECTION_NO[section]} til neste plan. {text}.", None)
    store.audit(s, doctor_id, "ønske_lagt_inn", f"{req.id}: {text}", row)
    return req


def requests(
    s: Session, row: LegevaktRow, doctor_id: str | None = None, status: tuple[str, ...] = ()
) -> list[DoctorRequest]:
    q = select(DoctorRequest).where(DoctorRequest.legevakt_id == row.id)
    if doctor_id is not None:
        q = q.where(DoctorRequest.doctor_id == doctor_id)
    if status:
        q = q.where(DoctorRequest.status.in_(status))
    return list(s.scalars(q.order_by(DoctorRequest.id)))


def _request(s: Session, row: LegevaktRow, request_id: int) -> DoctorRequest:
    found = s.get(DoctorRequest, request_id)
    if found is None or found.legevakt_id != row.id:
        raise not_found("Ønsket")
    return found


def withdraw(s: Session, row: LegevaktRow, doctor_id: str, request_id: int) -> None:
    req = _request(s, row, request_id)
    if req.doctor_id != doctor_id:
        raise AppError(403, "ikke_ditt", "Dette ønsket er ikke ditt.")
    if req.status != "pending":
        raise AppError(409, "avgjort", "Lederen har allerede avgjort dette.")
    req.status = "withdrawn"
    store.audit(s, doctor_id, "ønske_trukket", str(req.id), row)


def accept(
    s: Session,
    row: LegevaktRow,
    request_id: int,
    changes: dict[str, str],
    username: str,
    smtp: SmtpSettings | None,
) -> DoctorRequest:
    """The leader accepts a request into the plan file, with `changes` (start, end) when
    adjusted; the next solve reads it there."""
    req = _request(s, row, request_id)
    if req.status != "pending":
        raise AppError(409, "avgjort", "Dette er allerede avgjort.")
    instance = store.instance_from_text(row.instance_yaml)
    period = store.document(row.instance_yaml).period
    data = dict(req.data)
    adjusted = {k: v for k, v in changes.items() if v and v != data.get(k)}
    data.update(adjusted)
    win = Window(period.start, period.end, None)
    clean = validated(instance, win, req.doctor_id, req.section, data)
    store.add_entry(s, row, req.doctor_id, req.section, clean, username)
    req.status = "adjusted" if adjusted else "accepted"
    req.data, req.decided_by, req.decided_at = clean, username, utcnow()
    what = describe(instance, req.section, clean)
    text = f"Lederen har godtatt{' med endring' if adjusted else ''}: {what}."
    notify(s, row, instance, req.doctor_id, text, smtp)
    return req


def refuse(
    s: Session,
    row: LegevaktRow,
    request_id: int,
    reason: str,
    username: str,
    smtp: SmtpSettings | None,
) -> DoctorRequest:
    req = _request(s, row, request_id)
    if req.status != "pending":
        raise AppError(409, "avgjort", "Dette er allerede avgjort.")
    instance = store.instance_from_text(row.instance_yaml)
    req.status, req.decided_by, req.decided_at = "refused", username, utcnow()
    req.reason = reason.strip()[:500]
    what = describe(instance, req.section, req.data)
    notify(s, row, instance, req.doctor_id, f"Lederen har avvist: {what}. {req.reason}", smtp)
    store.audit(s, username, "ønske_avvist", f"{req.id}: {what}: {req.reason}", row)
    return req
