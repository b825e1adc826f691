"""Bodies rendered from a published version, once, for every web process.

A published version never changes, so neither does its calendar for a doctor nor its Excel
export. The first process that needs one renders it and stores it in `version_renders`;
every other process (and this one after a restart) reads the stored bytes. In front of the
table each process keeps a small LRU of bodies it served lately: a copy of immutable data,
never a source of truth, so it cannot disagree with another process.

The calendar feed's hot path (`feed_lookup`) is one indexed query without the ORM: the token,
whether it is revoked, and the id and time of the legevakt's latest version.
"""

from __future__ import annotations

import datetime as dt
import io
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, bindparam, delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from roster.formats.exports import workbook
from web.models import FeedToken, PublishedVersion, VersionRender, utcnow
from web.security import token_hash, tokens_equal
from web.store import feed_calendar, instance_from_text, roster_from_json

#: Kinds of stored bodies.
FEED = "ics"
XLSX = "xlsx"
#: A doctor who is not in the version: stored as an empty body, answered with 404.
GONE = b""


class Bodies:
    """A thread-safe LRU of immutable bodies, bounded by their total size (one per app:
    version ids are only unique within one database)."""

    def __init__(self, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.max_bytes, self.size = max_bytes, 0
        self.items: OrderedDict[tuple[int, str, str], bytes] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple[int, str, str]) -> bytes | None:
        with self.lock:
            body = self.items.get(key)
            if body is not None:
                self.items.move_to_end(key)
            return body

    def put(self, key: tuple[int, str, str], body: bytes) -> None:
        with self.lock:
            if key in self.items:
                return
            self.items[key] = body
            self.size += len(body)
            while self.size > self.max_bytes and self.items:
                _, old = self.items.popitem(last=False)
                self.size -= len(old)

    def clear(self) -> None:
        with self.lock:
            self.items.clear()
            self.size = 0


def forget(s: Session, local: Bodies) -> None:
    """Drop every stored body (tests that rewrite a stored version use it)."""
    local.clear()
    s.execute(delete(VersionRender))
    s.commit()


def stored_body(
    s: Session,
    local: Bodies,
    version_id: int,
    kind: str,
    key: str,
    render: Callable[[], bytes],
) -> bytes:
    """The body of (version, kind, key): from this process's LRU, else the table, else
    rendered now and stored for every process (the first writer wins; the same bytes)."""
    cache_key = (version_id, kind, key)
    body = local.get(cache_key)
    if body is not None:
        return body
    body = s.scalar(
        select(VersionRender.body).where(
            VersionRender.version_id == version_id,
            VersionRender.kind == kind,
            VersionRender.key == key,
        )
    )
    if body is None:
        body = render()
        try:
            s.execute(
                insert(VersionRender).values(
                    version_id=version_id, kind=kind, key=key, body=body, created_at=utcnow()
                )
            )
            s.commit()
        except IntegrityError:  # another process stored it meanwhile: the same bytes
            s.rollback()
    body = bytes(body)
    local.put(cache_key, body)
    return body


# --------------------------------------------------------------------------- feeds


@dataclass(frozen=True)
class FeedHit:
    legevakt_id: int
    doctor_id: str | None
    version_id: int | None
    published_at: dt.datetime | None


def _feed_query() -> Any:
    latest = (
        select(PublishedVersion.id)
        .where(PublishedVersion.legevakt_id == FeedToken.legevakt_id)
        .order_by(PublishedVersion.number.desc())
        .limit(1)
        .correlate(FeedToken)
        .scalar_subquery()
    )
    return (
        select(
            FeedToken.legevakt_id,
            FeedToken.doctor_id,
            FeedToken.token,
            FeedToken.revoked_at,
            PublishedVersion.id,
            PublishedVersion.published_at,
        )
        .select_from(FeedToken)
        .outerjoin(PublishedVersion, PublishedVersion.id == latest)
        .where(FeedToken.token_hash == bindparam("token_hash"))
    )


#: Built once: constructing the statement cost more than running it.
FEED_QUERY = _feed_query()


def feed_lookup(engine: Engine, token: str) -> FeedHit | None:
    """The live token and its legevakt's latest version, in one query; None for a token
    that is unknown, revoked or wrong (compared in constant time after the hash lookup)."""
    if not token or len(token) > 128:
        return None
    with engine.connect() as conn:
        row = conn.execute(FEED_QUERY, {"token_hash": token_hash(token)}).first()
    if row is None or row.revoked_at is not None or not tokens_equal(row.token, token):
        return None
    return FeedHit(row.legevakt_id, row.doctor_id, row.id, row.published_at)


def feed_body(s: Session, local: Bodies, version_id: int, doctor_id: str | None) -> bytes | None:
    """The calendar of a version for a doctor (None: the whole legevakt's), or None when the
    doctor is not in that version."""

    def render() -> bytes:
        version = s.get(PublishedVersion, version_id)
        assert version is not None
        if doctor_id is not None and not instance_from_text(version.instance_yaml).has_doctor(
            doctor_id
        ):
            return GONE
        return feed_calendar(s, version, doctor_id)

    body = stored_body(s, local, version_id, FEED, doctor_id or "", render)
    return None if body == GONE else body


# --------------------------------------------------------------------------- exports


def version_xlsx(s: Session, local: Bodies, version: PublishedVersion) -> bytes:
    """The Excel workbook of a published version."""

    def render() -> bytes:
        buf = io.BytesIO()
        instance = instance_from_text(version.instance_yaml)
        workbook(instance, roster_from_json(version.roster)).save(buf)
        return buf.getvalue()

    return stored_body(s, local, version.id, XLSX, "", render)
