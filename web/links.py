"""A doctor's personal sign-in link: made by the leader, shown once, used once (it then sets
a server-side session for the doctor's own login), expiring after LINK_DAYS, revocable. Only
the SHA-256 of the token is stored."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from web import store, users
from web.errors import AppError, not_found
from web.models import DoctorLink, LegevaktRow, Role, User, UserGrant, utcnow
from web.security import new_feed_token, token_hash

LINK_DAYS = 14


def create_link(s: Session, row: LegevaktRow, doctor_id: str, username: str) -> str:
    """A new sign-in link token for a doctor (shown once); earlier unused links are revoked."""
    instance = store.instance_from_text(row.instance_yaml)
    if not instance.has_doctor(doctor_id):
        raise not_found("Legen")
    revoke_links(s, row, doctor_id, username, quiet=True)
    token = new_feed_token()
    now = utcnow()
    s.add(
        DoctorLink(
            legevakt_id=row.id,
            doctor_id=doctor_id,
            token_hash=token_hash(token),
            created_by=username,
            created_at=now,
            expires_at=now + dt.timedelta(days=LINK_DAYS),
        )
    )
    store.audit(s, username, "innloggingslenke_laget", doctor_id, row)
    return token


def revoke_links(
    s: Session, row: LegevaktRow, doctor_id: str, username: str, quiet: bool = False
) -> int:
    n = 0
    for link in s.scalars(
        select(DoctorLink).where(
            DoctorLink.legevakt_id == row.id,
            DoctorLink.doctor_id == doctor_id,
            DoctorLink.revoked_at.is_(None),
            DoctorLink.used_at.is_(None),
        )
    ):
        link.revoked_at = utcnow()
        n += 1
    if not quiet:
        store.audit(s, username, "innloggingslenke_trukket", doctor_id, row)
    return n


def use_link(s: Session, token: str) -> DoctorLink:
    """The link behind a token, now used; 404 for unknown, used, revoked or expired links
    (one answer for all, so a link says nothing about why it failed)."""
    if not token or len(token) > 128:
        raise not_found("Lenken")
    link = s.scalar(select(DoctorLink).where(DoctorLink.token_hash == token_hash(token)))
    now = utcnow()
    if link is None or link.used_at or link.revoked_at or link.expires_at <= now:
        raise AppError(
            404,
            "lenke_ugyldig",
            "Lenken er brukt, trukket tilbake eller utløpt. Be legevakten om en ny.",
        )
    link.used_at = now
    row = s.get(LegevaktRow, link.legevakt_id)
    assert row is not None
    store.audit(s, link.doctor_id, "lege_logget_inn", link.doctor_id, row)
    return link


def doctor_user(s: Session, link: DoctorLink) -> User:
    """The login of the doctor a link was made for: made on first use (role doctor, one grant
    naming the legevakt and the doctor, a random password the doctor may replace)."""
    name = f"lege-{link.legevakt_id}-{link.doctor_id}"[:64]
    user = users.user_by_name(s, name)
    if user is None:
        user = users.create_user(s, name, new_feed_token(), role=Role.doctor, by=link.created_by)
        s.add(
            UserGrant(
                user_id=user.id,
                legevakt_id=link.legevakt_id,
                doctor_id=link.doctor_id,
                granted_by=link.created_by,
                granted_at=utcnow(),
            )
        )
        s.flush()
    return user
