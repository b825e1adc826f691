"""Storage: the tables of the web app (SQLAlchemy 2, declarative).

The instance YAML text is the source of truth for a legevakt; every save goes through roster's
parser and resolver first. Published versions are immutable snapshots (instance text plus
roster); the app never updates or deletes them. Schema changes go through Alembic
(web/migrations), never `create_all`.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    pass


class AppSetting(Base):
    """Key/value settings the app keeps for itself (the session signing key)."""

    __tablename__ = "app_settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Role(StrEnum):
    """What a login may do. See web.access for the one place that checks it."""

    admin = "admin"  # every legevakt, and the users
    leader = "leader"  # the legevakter named in the user's grants
    doctor = "doctor"  # (issue 11) one doctor of the one legevakt in the user's grant


ROLE_NO = {Role.admin: "administrator", Role.leader: "leder", Role.doctor: "lege"}


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default=Role.leader.value)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class UserGrant(Base):
    """A user's right on one legevakt: a leader's (doctor_id None) or a doctor's own."""

    __tablename__ = "user_grants"
    __table_args__ = (UniqueConstraint("user_id", "legevakt_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    legevakt_id: Mapped[int] = mapped_column(ForeignKey("legevakter.id", ondelete="CASCADE"))
    doctor_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    granted_by: Mapped[str] = mapped_column(String(64))
    granted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class UserSession(Base):
    """A signed-in browser or API client. The cookie carries a random token; only its
    SHA-256 is stored. Logout deletes the row; a password change deletes all of a user's."""

    __tablename__ = "user_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    address: Mapped[str] = mapped_column(String(64), default="")


class LoginFailure(Base):
    """Failed logins for one user name from one address (web.throttle)."""

    __tablename__ = "login_failures"
    __table_args__ = (UniqueConstraint("username", "address"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64), index=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    blocked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class LegevaktRow(Base):
    __tablename__ = "legevakter"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    instance_yaml: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


#: Job states in which a solve holds its legevakt: at most one such job per legevakt.
ACTIVE_JOB_STATES = ("queued", "running")
#: Job states that never change again («cancelled»: stopped by a leader).
FINAL_JOB_STATES = ("done", "failed", "cancelled")


class SolveJob(Base):
    """One press of «Lag vaktplan»: the instance text it solved, progress and result. At most
    one queued or running job per legevakt (a partial unique index, on every backend)."""

    __tablename__ = "solve_jobs"
    __table_args__ = (
        Index(
            "uq_solve_jobs_active",
            "legevakt_id",
            unique=True,
            sqlite_where=text("status IN ('queued', 'running')"),
            postgresql_where=text("status IN ('queued', 'running')"),
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    legevakt_id: Mapped[int] = mapped_column(ForeignKey("legevakter.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    instance_yaml: Mapped[str] = mapped_column(Text)
    time_limit: Mapped[float] = mapped_column(default=30.0)
    #: Re-plan from this published version with as few changes as possible (None: fresh).
    previous_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("published_versions.id", ondelete="SET NULL", use_alter=True), nullable=True
    )
    #: With a previous version: keep its duties on shifts before this date.
    freeze_before: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    progress: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    roster: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    message: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: How many times a worker has claimed the job; the claim's number fences every later
    #: write, so a worker that lost its claim (reaped, cancelled) can change nothing.
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: The claiming worker writes this every few seconds (web.jobs); a running job whose
    #: heartbeat is older than the lease is given to another worker or failed.
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    worker: Mapped[str | None] = mapped_column(String(128), nullable=True)


class PublishedVersion(Base):
    """An immutable published plan: the instance text and the roster, numbered per legevakt."""

    __tablename__ = "published_versions"
    __table_args__ = (UniqueConstraint("legevakt_id", "number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    legevakt_id: Mapped[int] = mapped_column(ForeignKey("legevakter.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    job_id: Mapped[int | None] = mapped_column(
        ForeignKey("solve_jobs.id", ondelete="SET NULL"), nullable=True
    )
    instance_yaml: Mapped[str] = mapped_column(Text)
    roster: Mapped[dict[str, Any]] = mapped_column(JSON)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    #: roster.formats.ical.FeedState after this publication: the next version continues from it, so
    #: SEQUENCE counts every re-plan and cancelled duties stay visible for a while.
    feed_state: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    published_by: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class VersionRender(Base):
    """A body rendered from an immutable published version (a calendar feed, an export),
    kept so every web process serves the same bytes without rendering them again."""

    __tablename__ = "version_renders"
    __table_args__ = (UniqueConstraint("version_id", "kind", "key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("published_versions.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(128))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class FeedToken(Base):
    """A private calendar address. doctor_id None: the whole legevakt's feed.

    The token is looked up by its SHA-256 (indexed) and then compared in constant time; the
    token itself is kept so the leader can see and send the link again.
    """

    __tablename__ = "feed_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    legevakt_id: Mapped[int] = mapped_column(ForeignKey("legevakter.id", ondelete="CASCADE"))
    doctor_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    token: Mapped[str] = mapped_column(String(128))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AuditEntry(Base):
    """Who did what, when. Written for every change to a legevakt, a plan or a feed."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    username: Mapped[str] = mapped_column(String(64))
    legevakt_id: Mapped[int | None] = mapped_column(
        ForeignKey("legevakter.id", ondelete="SET NULL"), nullable=True
    )
    action: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text, default="")


# --------------------------------------------------------------------------- after publication


class DoctorLink(Base):
    """A doctor's personal sign-in link: revocable, expiring, used once (it then sets a
    session). Only the SHA-256 of the token is kept; the leader sees the link once."""

    __tablename__ = "doctor_links"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    legevakt_id: Mapped[int] = mapped_column(ForeignKey("legevakter.id", ondelete="CASCADE"))
    doctor_id: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class DutyOffer(Base):
    """A doctor offers a duty: to a named colleague (giveaway), for one of the colleague's
    (swap), or on the open board. Accepted by the colleague, then approved by the leader (or
    at once, when the legevakt's policy is automatic)."""

    __tablename__ = "duty_offers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    legevakt_id: Mapped[int] = mapped_column(ForeignKey("legevakter.id", ondelete="CASCADE"))
    shift_id: Mapped[str] = mapped_column(String(96))
    from_doctor: Mapped[str] = mapped_column(String(64))
    to_doctor: Mapped[str | None] = mapped_column(String(64), nullable=True)
    swap_shift_id: Mapped[str | None] = mapped_column(String(96), nullable=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="open")
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    taken_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    taken_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")


class DutyChange(Base):
    """One approved change, as a line of changes.csv: the version it made, and why."""

    __tablename__ = "duty_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    legevakt_id: Mapped[int] = mapped_column(
        ForeignKey("legevakter.id", ondelete="CASCADE"), index=True
    )
    version_number: Mapped[int] = mapped_column(Integer)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    date: Mapped[dt.date] = mapped_column(Date)
    shift_type: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(32))
    from_doctor: Mapped[str | None] = mapped_column(String(64), nullable=True)
    to_doctor: Mapped[str | None] = mapped_column(String(64), nullable=True)
    kind: Mapped[str] = mapped_column(String(16))
    approved_by: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
    offer_id: Mapped[int | None] = mapped_column(
        ForeignKey("duty_offers.id", ondelete="SET NULL"), nullable=True
    )


class Notification(Base):
    """A message in the app to one doctor (doctor_id) or to the legevakt's leaders (None)."""

    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    legevakt_id: Mapped[int] = mapped_column(
        ForeignKey("legevakter.id", ondelete="CASCADE"), index=True
    )
    doctor_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    mailed: Mapped[bool] = mapped_column(default=False)


class LegevaktPolicy(Base):
    """How changes after publication are decided for one legevakt."""

    __tablename__ = "legevakt_policies"
    legevakt_id: Mapped[int] = mapped_column(
        ForeignKey("legevakter.id", ondelete="CASCADE"), primary_key=True
    )
    approval: Mapped[str] = mapped_column(String(16), default="leader")  # leader | auto
    wish_deadline: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    #: the planning period (its first day) the deadline is for
    wish_period_start: Mapped[dt.date | None] = mapped_column(Date, nullable=True)


class DoctorRequest(Base):
    """A doctor's wish or absence for the plan being made (the plan file's period): the leader
    accepts it (perhaps adjusted) into the plan file, where the next solve reads it, or
    refuses it with a reason."""

    __tablename__ = "doctor_requests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    legevakt_id: Mapped[int] = mapped_column(
        ForeignKey("legevakter.id", ondelete="CASCADE"), index=True
    )
    doctor_id: Mapped[str] = mapped_column(String(64))
    period_start: Mapped[dt.date] = mapped_column(Date)
    section: Mapped[str] = mapped_column(String(16))  # absences | wishes
    data: Mapped[dict[str, Any]] = mapped_column(JSON)  # the plan file's entry, no doctor
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
