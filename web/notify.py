"""Notifications: a line in the app for a doctor (or the legevakt's leaders), and an e-mail to
the doctor when SMTP is configured and the staff list has the doctor's address."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from roster.formats.exchange import Roster
from roster.instance import Instance
from web.mail import SmtpSettings, send
from web.models import LegevaktRow, Notification, utcnow
from web.preview import doctor_changes

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


def duties_changed(
    s: Session,
    row: LegevaktRow,
    before: tuple[Instance, Roster],
    after: tuple[Instance, Roster],
    headline: str,
    smtp: SmtpSettings | None,
) -> list[str]:
    """Tell every doctor whose own duties changed (a new version: an approved change, a hand
    move, a re-plan) what changed for them. Returns the doctors told."""
    instance = after[0]
    changed = doctor_changes(*before, *after)
    for c in changed:
        if instance.has_doctor(c.doctor_id):
            notify(s, row, instance, c.doctor_id, f"{headline} {c.text()}", smtp)
    return sorted(c.doctor_id for c in changed)


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
