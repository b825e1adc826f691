"""Private calendar feeds: text/calendar from the latest published version.

The token is the only credential. A wrong, revoked or unknown token gets the same bare 404
as a path that does not exist. The body is built with roster.formats.ical from the version, the
previous version's roster and the feed state kept with it (changed duties get a higher
SEQUENCE, removed ones are CANCELLED); DTSTAMP is the publication time, so the same version
gives the same bytes.

Calendar apps poll often, so «not modified» is answered before anything is rendered or even
read: one query finds the token and the latest version (web.renders.feed_lookup); the ETag is
made from the version, its publication time, the doctor and roster.formats.ical.FEED_FORMAT,
so every web process gives the same tag, and it is weak (W/"…"): it names the version's
content, not the bytes of one rendering. A body is rendered once per version and doctor and
stored for every process (web.renders). If-None-Match is compared weakly, as RFC 9110 says, so a tag sent
back with or without W/ matches.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from email.utils import format_datetime, parsedate_to_datetime

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from roster.formats.ical import FEED_FORMAT
from web.renders import FEED, GONE, Bodies, feed_body, feed_lookup

router = APIRouter(include_in_schema=False)


def _gone() -> Response:
    return PlainTextResponse("Finnes ikke.", status_code=404)


CacheKey = tuple[int, str, str | None]


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


def _load(request: Request, version_id: int, doctor_id: str | None) -> bytes | None:
    with request.app.state.sessions() as s:
        return feed_body(s, request.app.state.renders, version_id, doctor_id)


@router.api_route("/kalender/{token}.ics", methods=["GET", "HEAD"], name="feed")
async def feed(token: str, request: Request) -> Response:
    """Answered on the event loop: the lookup is one indexed query and a body served before
    is a copy in memory; only a body not in memory is fetched (or rendered) in a thread."""
    hit = feed_lookup(request.app.state.engine, token)
    if hit is None or hit.version_id is None or hit.published_at is None:
        return _gone()
    key: CacheKey = (hit.version_id, hit.published_at.isoformat(), hit.doctor_id)
    etag = etag_for(key)
    modified = hit.published_at.replace(microsecond=0)
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
    local: Bodies = request.app.state.renders
    body = local.get((hit.version_id, FEED, hit.doctor_id or ""))
    if body is None:
        body = await run_in_threadpool(_load, request, hit.version_id, hit.doctor_id)
    if body is None or body == GONE:
        return _gone()
    return Response(
        content=body if request.method == "GET" else b"",
        media_type="text/calendar; charset=utf-8",
        headers=headers,
    )
