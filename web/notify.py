"""Notifications: a line in the app for a doctor (or the legevakt's leaders), and an e-mail to
the doctor when SMTP is configured and the staff list has the doctor's address."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

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
