"""Private calendar feeds: text/calendar from the latest published version.

The token is the only credential. A wrong, revoked or unknown token gets the same bare 404
as a path that does not exist. The body is built with roster.formats.ical from the version, the
previous version's roster and the feed state kept with it (changed duties get a higher
SEQUENCE, removed ones are CANCELLED); DTSTAMP is the publication time, so the same version
gives the same bytes.

Calendar apps poll often, so «not modified» is answered before anything is rendered or even
read: the ETag is made from the version, its publication time, the doctor and
roster.formats.ical.FEED_FORMAT, and it is weak (W/"…"): it names the version's content, not the
bytes of one rendering. If-None-Match is compared weakly, as RFC 9110 says, so a tag sent
back with or without W/ matches.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import OrderedDict
from email.utils import format_datetime, parsedate_to_datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse, Response
from sqlalchemy.orm import Session

from roster.formats.ical import FEED_FORMAT
from web.deps import db
from web.models import PublishedVersion
from web.store import (
    feed_calendar,
    find_feed,
    instance_from_text,
    latest_version_stamp,
)

router = APIRouter(include_in_schema=False)


def _gone() -> Response:
    return PlainTextResponse("Finnes ikke.", status_code=404)


#: Bodies kept per app: a published version never changes, so neither does its calendar.
CACHE_SIZE = 256

CacheKey = tuple[int, str, str | None]


def _cache(request: Request) -> OrderedDict[CacheKey, bytes]:
    cache: OrderedDict[CacheKey, bytes] = request.app.state.feed_cache
    return cache


def _body(s: Session, request: Request, key: CacheKey) -> bytes | None:
    """The calendar of version `key[0]` for doctor `key[2]` (None: the legevakt's), or None
    when that doctor is no longer in the version. Bodies are kept in the app's cache."""
    cache = _cache(request)
    body = cache.get(key)
    if body is not None:
        cache.move_to_end(key)
        return body
    version = s.get(PublishedVersion, key[0])
    assert version is not None
    doctor_id = key[2]
    if doctor_id is not None and not instance_from_text(version.instance_yaml).has_doctor(
        doctor_id
    ):
        return None
    body = feed_calendar(s, version, doctor_id)
    cache[key] = body
    while len(cache) > CACHE_SIZE:
        cache.popitem(last=False)
    return body


def etag_for(key: CacheKey) -> str:
    digest = hashlib.sha256(f"{FEED_FORMAT}|{key[0]}|{key[1]}|{key[2] or ''}".encode())
    return f'W/"{digest.hexdigest()[:32]}"'


def _opaque(tag: str) -> str:
    """The quoted part of an entity tag, for the weak comparison (W/ dropped)."""
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


def not_modified(request: Request, etag: str, modified: dt.datetime) -> bool:
    """If-None-Match (weak comparison, `*` matches), else If-Modified-Since."""
    match = request.headers.get("if-none-match")
    if match is not None:
        return match.strip() == "*" or _opaque(etag) in {_opaque(m) for m in match.split(",")}
    since = request.headers.get("if-modified-since")
    if not since:
        return False
    try:
        return modified <= parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False


@router.api_route("/kalender/{token}.ics", methods=["GET", "HEAD"], name="feed")
def feed(token: str, request: Request, s: Session = Depends(db)) -> Response:
    row = find_feed(s, token)
    if row is None:
        return _gone()
    stamp = latest_version_stamp(s, row.legevakt_id)
    if stamp is None:
        return _gone()
    version_id, published_at = stamp
    key: CacheKey = (version_id, published_at.isoformat(), row.doctor_id)
    etag = etag_for(key)
    modified = published_at.replace(microsecond=0)
    headers = {
        "ETag": etag,
        "Last-Modified": format_datetime(modified, usegmt=True),
        "Cache-Control": "private, max-age=300",
        "X-Content-Type-Options": "nosniff",
    }
    # Only a client that had this version's calendar can hold its tag or a later date: a
    # doctor taken out of the plan gets a new version, so a new tag and date, and the 404.
    if not_modified(request, etag, modified):
        return Response(status_code=304, headers=headers)
    body = _body(s, request, key)
    if body is None:
        return _gone()
    return Response(
        content=body if request.method == "GET" else b"",
        media_type="text/calendar; charset=utf-8",
        headers=headers,
    )
