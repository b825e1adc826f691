"""Users, their grants per legevakt, and their server-side sessions.

A session is a row: the cookie carries a random token, the table only its SHA-256. Logging
out deletes the row, and a password change (or removing a user) deletes every row of that
user, so a copied cookie stops working at once. Grants are read on every request, so taking
a legevakt from a leader takes effect on the leader's next click.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from web.errors import AppError, not_found
from web.models import (
    ROLE_NO,
    AuditEntry,
    LegevaktRow,
    Role,
    User,
    UserGrant,
    UserSession,
    utcnow,
)
from web.security import hash_password, new_session_token, token_hash, verify_password

MIN_PASSWORD = 8
MAX_PASSWORD = 1024  # argon2 hashes anything; a megabyte password is only a way to burn CPU
SESSION_LIFETIME = dt.timedelta(hours=12)


def _audit(s: Session, username: str, action: str, detail: str) -> None:
    s.add(AuditEntry(username=username, action=action, detail=detail, at=utcnow()))


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AppError(422, "for_kort_passord", f"Passordet må ha minst {MIN_PASSWORD} tegn.")
    if len(password) > MAX_PASSWORD:
        raise AppError(422, "for_langt_passord", f"Passordet kan ha høyst {MAX_PASSWORD} tegn.")


def user_by_name(s: Session, username: str) -> User | None:
    return s.scalar(select(User).where(User.username == username.strip()))


def named_user(s: Session, username: str) -> User:
    user = user_by_name(s, username)
    if user is None:
        raise not_found("Brukeren")
    return user


def create_user(
    s: Session,
    username: str,
    password: str,
    role: Role = Role.admin,
    legevakter: Iterable[LegevaktRow] = (),
    by: str | None = None,
) -> User:
    """A new login: an administrator, or a leader of the given legevakter."""
    username = username.strip()
    if (
        not username
        or len(username) > 64
        or any(c.isspace() or not c.isprintable() for c in username)
    ):
        raise AppError(422, "ugyldig_brukernavn", "Brukernavnet må ha 1–64 tegn uten mellomrom.")
    check_password(password)
    if user_by_name(s, username) is not None:
        raise AppError(409, "finnes_fra_for", f"Brukeren «{username}» finnes fra før.")
    user = User(username=username, password_hash=hash_password(password), role=role.value)
    s.add(user)
    s.flush()
    _audit(s, by or username, "bruker_opprettet", f"{username} ({ROLE_NO[role]})")
    if role == Role.leader:
        set_legevakter(s, user, legevakter, by or username)
    return user


def set_password(s: Session, user: User, password: str, by: str | None = None) -> None:
    """A new password ends every session of the user."""
    check_password(password)
    user.password_hash = hash_password(password)
    end_all_sessions(s, user)
    _audit(s, by or user.username, "passord_endret", user.username)


def set_role(s: Session, user: User, role: Role, by: str) -> None:
    if role.value != user.role:
        user.role = role.value
        _audit(s, by, "rolle_endret", f"{user.username}: {ROLE_NO[role]}")


def delete_user(s: Session, user: User, by: str) -> None:
    s.execute(delete(UserSession).where(UserSession.user_id == user.id))
    s.execute(delete(UserGrant).where(UserGrant.user_id == user.id))
    s.delete(user)
    _audit(s, by, "bruker_slettet", user.username)


def authenticate(s: Session, username: str, password: str) -> User | None:
    if len(password) > MAX_PASSWORD:
        return None
    user = user_by_name(s, username) if len(username) <= 64 else None
    if user is None:
        verify_password(_DUMMY_HASH, password)  # same work whether or not the user exists
        return None
    return user if verify_password(user.password_hash, password) else None


_DUMMY_HASH = hash_password("ingen-bruker-har-dette-passordet")


def all_users(s: Session) -> list[User]:
    return list(s.scalars(select(User).order_by(User.username)))


# --------------------------------------------------------------------------- grants


def grants(s: Session, user_id: int) -> list[UserGrant]:
    return list(s.scalars(select(UserGrant).where(UserGrant.user_id == user_id)))


def led_legevakter(s: Session, user: User) -> list[LegevaktRow]:
    ids = [g.legevakt_id for g in grants(s, user.id) if g.doctor_id is None]
    if not ids:
        return []
    return list(
        s.scalars(select(LegevaktRow).where(LegevaktRow.id.in_(ids)).order_by(LegevaktRow.name))
    )


def set_legevakter(s: Session, user: User, rows: Iterable[LegevaktRow], by: str) -> None:
    """Make `user` the leader of exactly these legevakter (audited in each one's log)."""
    if user.role != Role.leader.value:
        raise AppError(
            422, "ikke_leder", f"«{user.username}» er ikke leder; bare ledere har legevakter."
        )
    wanted = {r.id: r for r in rows}
    current = {g.legevakt_id: g for g in grants(s, user.id) if g.doctor_id is None}
    for legevakt_id, grant in current.items():
        if legevakt_id not in wanted:
            s.delete(grant)
            s.add(
                AuditEntry(
                    username=by,
                    action="leder_fjernet",
                    detail=user.username,
                    legevakt_id=legevakt_id,
                    at=utcnow(),
                )
            )
    for legevakt_id, row in wanted.items():
        if legevakt_id not in current:
            s.add(
                UserGrant(user_id=user.id, legevakt_id=row.id, granted_by=by, granted_at=utcnow())
            )
            s.add(
                AuditEntry(
                    username=by,
                    action="leder_lagt_til",
                    detail=user.username,
                    legevakt_id=row.id,
                    at=utcnow(),
                )
            )
    s.flush()


# --------------------------------------------------------------------------- sessions


@dataclass(frozen=True)
class NewSession:
    token: str  # goes into the (signed) cookie; never stored
    row: UserSession


def start_session(
    s: Session, user: User, address: str, now: dt.datetime | None = None
) -> NewSession:
    now = now or utcnow()
    token = new_session_token()
    row = UserSession(
        token_hash=token_hash(token),
        user_id=user.id,
        created_at=now,
        expires_at=now + SESSION_LIFETIME,
        address=address[:64],
    )
    s.add(row)
    return NewSession(token, row)


@dataclass(frozen=True)
class SessionUser:
    """Who a live session belongs to, with the user's grants as they are now."""

    user_id: int
    username: str
    role: str
    grants: tuple[tuple[int, str | None], ...]  # (legevakt id, doctor id or None)


def _session_user_query() -> Any:
    return (
        select(
            User.id,
            User.username,
            User.role,
            UserSession.expires_at,
            UserGrant.legevakt_id,
            UserGrant.doctor_id,
        )
        .select_from(UserSession)
        .join(User, User.id == UserSession.user_id)
        .outerjoin(UserGrant, UserGrant.user_id == User.id)
        .where(UserSession.token_hash == bindparam("token_hash"))
    )


#: Built once (constructing the statement cost more than running it): the session, its user
#: and the user's grants in one query, read on every request (web.access.principal).
SESSION_USER_QUERY = _session_user_query()


def session_user(s: Session, token: str, now: dt.datetime | None = None) -> SessionUser | None:
    """The user of a live session token and the user's grants, in one query; None for a
    token that is unknown, ended or expired."""
    if not token or len(token) > 128:
        return None
    rows = s.execute(SESSION_USER_QUERY, {"token_hash": token_hash(token)}).all()
    if not rows or rows[0].expires_at <= (now or utcnow()):
        return None
    first = rows[0]
    grants = tuple((r.legevakt_id, r.doctor_id) for r in rows if r.legevakt_id is not None)
    return SessionUser(first.id, first.username, first.role, grants)


def end_session(s: Session, token: str) -> None:
    if token:
        s.execute(delete(UserSession).where(UserSession.token_hash == token_hash(token)))


def end_all_sessions(s: Session, user: User) -> int:
    result = s.execute(delete(UserSession).where(UserSession.user_id == user.id))
    return int(getattr(result, "rowcount", 0) or 0)


def purge_expired_sessions(s: Session, now: dt.datetime | None = None) -> None:
    s.execute(delete(UserSession).where(UserSession.expires_at <= (now or utcnow())))
