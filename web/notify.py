"""Notifications: a line in the app for a doctor (or the legevakt's leaders), and an e-mail to
the doctor when SMTP is configured and the staff list has the doctor's address."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from roster.formats.exchange import Roster
from roster.glossary import describe_duty
from roster.instance import Instance
from web.mail import SmtpSettings, send
from web.models import LegevaktRow, Notification, utcnow

SUBJECT = "Vaktplan: {}"


def notify(
    s: Session,
    row: LegevaktRow,
    instance: Instance,
    doctor_id: str | None,
    text: str,
    smtp: SmtpSettings | None,
) -> Notification:
    note = Notification(legevakt_id=row.id, doctor_id=doctor_id, text=text, created_at=utcnow())
    s.add(note)
    if smtp is not None and doctor_id is not None and instance.has_doctor(doctor_id):
        address = instance.doctor(doctor_id).email
        if address:
            note.mailed = send(smtp, address, SUBJECT.format(row.name), text)
    return note


def duty_changes(instance: Instance, before: Roster, after: Roster) -> dict[str, str]:
    """Per doctor whose duties differ between two rosters of one plan: what they got and what
    they no longer have, in Norwegian, duties named with their dates."""
    shifts = {sh.id: sh for sh in instance.shifts}

    def seats(r: Roster) -> set[tuple[str, str]]:
        return {(a.doctor_id, a.shift_id) for a in r.assignments if a.shift_id in shifts}

    old, new = seats(before), seats(after)
    out: dict[str, str] = {}
    for doctor_id in sorted({d for d, _ in old ^ new}):
        got = sorted((shifts[s] for d, s in new - old if d == doctor_id), key=lambda x: x.t0)
        lost = sorted((shifts[s] for d, s in old - new if d == doctor_id), key=lambda x: x.t0)
        parts = []
        if got:
            parts.append("Du har fått: " + "; ".join(describe_duty(x) for x in got) + ".")
        if lost:
            parts.append("Du har ikke lenger: " + "; ".join(describe_duty(x) for x in lost) + ".")
        out[doctor_id] = " ".join(parts)
    return out


def duties_changed(
    s: Session,
    row: LegevaktRow,
    instance: Instance,
    before: Roster,
    after: Roster,
    headline: str,
    smtp: SmtpSettings | None,
) -> list[str]:
    """Tell every doctor whose own duties changed (a new version: an approved change, a hand
    move, a re-plan) what changed for them. Returns the doctors told."""
    changed = duty_changes(instance, before, after)
    for doctor_id, text in changed.items():
        if instance.has_doctor(doctor_id):
            notify(s, row, instance, doctor_id, f"{headline} {text}", smtp)
    return sorted(changed)


def for_doctor(
    s: Session, row: LegevaktRow, doctor_id: str | None, limit: int = 20
) -> list[Notification]:
    """The newest notifications of one doctor (None: the leaders')."""
    who = (
        Notification.doctor_id.is_(None)
        if doctor_id is None
        else Notification.doctor_id == doctor_id
    )
    return list(
        s.scalars(
            select(Notification)
            .where(Notification.legevakt_id == row.id, who)
            .order_by(Notification.id.desc())
            .limit(limit)
        )
    )


def mark_read(s: Session, row: LegevaktRow, doctor_id: str | None) -> int:
    """Mark a doctor's (None: the leaders') unread notifications as read. Returns how many."""
    who = (
        Notification.doctor_id.is_(None)
        if doctor_id is None
        else Notification.doctor_id == doctor_id
    )
    now = utcnow()
    found = list(
        s.scalars(
            select(Notification).where(
                Notification.legevakt_id == row.id, who, Notification.read_at.is_(None)
            )
        )
    )
    for note in found:
        note.read_at = now
    return len(found)
