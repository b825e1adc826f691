"""Private calendar feeds: text/calendar from the latest published version.

The token is the only credential. A wrong, revoked or unknown token gets the same bare 404
as a path that does not exist. The body is built with roster.ical from the version, the
previous version's roster and the feed state kept with it (changed duties get a higher
SEQUENCE, removed ones are CANCELLED); DTSTAMP is the publication time, so the same version
gives the same bytes and ETag.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from email.utils import format_datetime, parsedate_to_datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse, Response
from sqlalchemy.orm import Session

from web.deps import db
from web.models import PublishedVersion
from web.store import (
    feed_calendar,
    find_feed,
    instance_from_text,
    latest_version,
)

router = APIRouter(include_in_schema=False)


def _gone() -> Response:
    return PlainTextResponse("Finnes ikke.", status_code=404)


#: Bodies kept per app: a published version never changes, so neither does its calendar.
CACHE_SIZE = 256


def _cached_body(
    request: Request, s: Session, version: PublishedVersion, doctor_id: str | None
) -> bytes:
    cache: OrderedDict[tuple[int, str, str | None], bytes] = request.app.state.feed_cache
    key = (version.id, version.published_at.isoformat(), doctor_id)
    body = cache.get(key)
    if body is None:
        body = feed_calendar(s, version, doctor_id)
        cache[key] = body
        while len(cache) > CACHE_SIZE:
            cache.popitem(last=False)
    else:
        cache.move_to_end(key)
    return body


@router.api_route("/kalender/{token}.ics", methods=["GET", "HEAD"], name="feed")
def feed(token: str, request: Request, s: Session = Depends(db)) -> Response:
    row = find_feed(s, token)
    if row is None:
        return _gone()
    version = latest_version(s, row.legevakt_id)
    if version is None:
        return _gone()
    instance = instance_from_text(version.instance_yaml)
    if row.doctor_id is not None and not instance.has_doctor(row.doctor_id):
        return _gone()
    body = _cached_body(request, s, version, row.doctor_id)
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    modified = version.published_at.replace(microsecond=0)
    headers = {
        "ETag": etag,
        "Last-Modified": format_datetime(modified, usegmt=True),
        "Cache-Control": "private, max-age=300",
        "X-Content-Type-Options": "nosniff",
    }
    match = request.headers.get("if-none-match")
    if match is not None:
        if etag in [m.strip() for m in match.split(",")] or match.strip() == "*":
            return Response(status_code=304, headers=headers)
    else:
        since = request.headers.get("if-modified-since")
        if since:
            try:
                if modified <= parsedate_to_datetime(since):
                    return Response(status_code=304, headers=headers)
            except (TypeError, ValueError):
                pass
    return Response(
        content=body if request.method == "GET" else b"",
        media_type="text/calendar; charset=utf-8",
        headers=headers,
    )
