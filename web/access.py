"""Who may do what: the one place where a route's role and legevakt are checked.

Every route states its access by depending on exactly one of the declarations below
(tests/web/test_access.py walks the app and fails for a route that states none, or two):

- `signed_in`: any login; the route shows only what is the user's own (the list of
  legevakter is filtered with `Principal.may_lead`).
- `administrator`: administrators only (users, new legevakter).
- `leads_legevakt`: the legevakt named by `{slug}` in the path; an administrator or a leader
  the legevakt is granted to.
- `leads_version`: `leads_legevakt` with the published version `{number}` of that
  legevakt (one step and one query for both: the plan pages of a version).
- `leads_job`: the legevakt that owns the plan `{job_id}` in the path; the same people
  (one step and one query for the plan, its legevakt and its publication).

Versions are numbered per legevakt and always looked up under the `{slug}` that was checked;
plans by id are checked against their own legevakt; a version named in a request body is
looked up under the checked legevakt. A refusal is a 403 and a line in the audit log of the
legevakt that was touched ("ingen_tilgang"), written even though the request changes nothing.

Roles (web.models.Role): administrator; leader of the legevakter in the user's grants; and,
doctor: a user whose one grant names a legevakt and a doctor id (made by a sign-in link,
web.links). A doctor's routes (/min-side…) declare `doctor_of` and act only as that doctor;
every other route refuses doctors (tests/web/test_doctor_access.py walks them all).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import Session, defer

from web import store, users
from web.deps import NotLoggedIn, db
from web.errors import AppError, not_found
from web.models import AuditEntry, LegevaktRow, PublishedVersion, Role, SolveJob, utcnow
from web.security import SESSION_TOKEN

log = logging.getLogger("web.access")

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Rule:
    """What a route needs: a role, and which legevakt it touches."""

    role: str  # "any", "admin", "leader"
    touches: str  # "own" (filtered lists), "none", "slug", "job_id" (from the path), "doctor"


def declares(rule: Rule) -> Callable[[F], F]:
    def mark(fn: F) -> F:
        fn.__access__ = rule  # type: ignore[attr-defined]
        return fn

    return mark


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    role: Role
    leads: frozenset[int]  # legevakt ids granted to a leader
    doctor: tuple[int, str] | None = None  # (legevakt id, doctor id) of a doctor

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin

    def may_lead(self, legevakt_id: int) -> bool:
        return self.is_admin or (self.role == Role.leader and legevakt_id in self.leads)


def signed_in_user(request: Request, s: Session) -> Principal:
    """The signed-in user of this request (a live server-side session, with the grants as
    they are now: one query, on every request), or 401."""
    token = request.session.get(SESSION_TOKEN)
    user = users.session_user(s, token) if isinstance(token, str) else None
    if user is None:
        request.session.clear()
        raise NotLoggedIn()
    found = Principal(
        user_id=user.user_id,
        username=user.username,
        role=Role(user.role),
        leads=frozenset(legevakt for legevakt, doctor in user.grants if doctor is None),
        doctor=next(((legevakt, doctor) for legevakt, doctor in user.grants if doctor), None),
    )
    request.state.principal = found
    return found


def principal(request: Request, s: Session = Depends(db)) -> Principal:
    """The signed-in user of this request, or 401 (signed_in_user as a dependency)."""
    return signed_in_user(request, s)


def refuse(request: Request, who: Principal, legevakt_id: int | None, melding: str) -> AppError:
    """Record a refused attempt in the audit log (its own transaction) and return the 403."""
    detail = f"{request.method} {request.url.path}"[:500]
    log.warning("refused %s: %s", who.username, detail)
    with request.app.state.sessions() as s:
        s.add(
            AuditEntry(
                username=who.username,
                legevakt_id=legevakt_id,
                action="ingen_tilgang",
                detail=detail,
                at=utcnow(),
            )
        )
        s.commit()
    return AppError(403, "ingen_tilgang", melding)


@declares(Rule("any", "own"))
def signed_in(who: Principal = Depends(principal)) -> Principal:
    return who


@declares(Rule("admin", "none"))
def administrator(request: Request, who: Principal = Depends(principal)) -> Principal:
    if not who.is_admin:
        raise refuse(request, who, None, "Bare administratorer har tilgang til dette.")
    return who


@dataclass(frozen=True)
class LegevaktAccess:
    row: LegevaktRow
    user: Principal


def _check(request: Request, who: Principal, row: LegevaktRow) -> None:
    if not who.may_lead(row.id):
        raise refuse(request, who, row.id, "Du har ikke tilgang til denne legevakten.")


@declares(Rule("leader", "slug"))
def leads_legevakt(
    slug: str, request: Request, s: Session = Depends(db), who: Principal = Depends(principal)
) -> LegevaktAccess:
    row = store.legevakt(s, slug)
    _check(request, who, row)
    return LegevaktAccess(row, who)


@dataclass(frozen=True)
class VersionAccess:
    row: LegevaktRow
    #: None when the version does not exist, or `number` is not a whole number (the route's
    #: own parameter answers that with a 422, as before).
    version: PublishedVersion | None
    user: Principal


def _version_query() -> Any:
    """A legevakt by slug and its version by number, in one query; the large texts (the
    legevakt's plan file, the version's plan, roster, report and feed state) are read only
    when used: the plan pages keep what they show of a version in memory (web.facts)."""
    lv, v = LegevaktRow, PublishedVersion
    return (
        select(lv, v)
        .outerjoin(v, and_(v.legevakt_id == lv.id, v.number == bindparam("number")))
        .where(lv.slug == bindparam("slug"))
        .options(defer(lv.instance_yaml), *store.VERSION_TEXTS)
    )


#: Built once: constructing the statement cost more than running it.
VERSION_QUERY = _version_query()
_WHOLE_NUMBER = TypeAdapter(int)  # the path parameter as FastAPI reads it


@declares(Rule("leader", "slug"))
def leads_version(
    slug: str, number: str, request: Request, s: Session = Depends(db)
) -> VersionAccess:
    """`leads_legevakt` for a published version's pages, with the version: the sign-in
    check and one query for the legevakt and the version, in one step (one trip to the
    thread pool where the separate dependencies took three). The same answers in the same
    order: 401, no such legevakt 404, not its leader 403, then the version."""
    who = signed_in_user(request, s)
    try:
        wanted: int | None = _WHOLE_NUMBER.validate_python(number)
    except ValidationError:
        wanted = None
    found = s.execute(VERSION_QUERY, {"slug": slug, "number": wanted}).first()
    if found is None:
        raise not_found("Legevakten")
    row, version = found
    _check(request, who, row)
    return VersionAccess(row, version, who)


@dataclass(frozen=True)
class JobAccess:
    job: SolveJob
    row: LegevaktRow
    user: Principal
    #: The version this plan was published as (the latest, if more than one), or None.
    published: PublishedVersion | None = None


def _job_query() -> Any:
    """A plan by id, its legevakt and the version it was published as, in one query; the
    large texts (the plan's plan file, roster and report, the legevakt's plan file, the
    version's texts) are read only when used: the plan pages keep what they show of a
    finished plan in memory (web.facts)."""
    j, lv, v = SolveJob, LegevaktRow, PublishedVersion
    return (
        select(j, lv, v)
        .join(lv, lv.id == j.legevakt_id)
        .outerjoin(v, v.job_id == j.id)
        .where(j.id == bindparam("job_id"))
        .order_by(v.number.desc())
        .limit(1)
        .options(
            defer(j.instance_yaml),
            defer(j.roster),
            defer(j.report),
            defer(lv.instance_yaml),
            *store.VERSION_TEXTS,
        )
    )


#: Built once, as VERSION_QUERY.
JOB_QUERY = _job_query()


@declares(Rule("leader", "job_id"))
def leads_job(job_id: str, request: Request, s: Session = Depends(db)) -> JobAccess:
    """The plan `{job_id}` for a leader of its legevakt: the sign-in check and one query for
    the plan, its legevakt and its publication, in one step. The same answers in the same
    order as before: 401, an id that is not a number 422, no such plan 404, not its
    leader 403."""
    who = signed_in_user(request, s)
    try:
        wanted: int = _WHOLE_NUMBER.validate_python(job_id)
    except ValidationError as e:  # the 422 FastAPI gave when the parameter was an int
        raise RequestValidationError(
            [{**err, "loc": ("path", "job_id")} for err in e.errors(include_url=False)]
        ) from None
    found = s.execute(JOB_QUERY, {"job_id": wanted}).first()
    if found is None:  # no such plan (a plan always has its legevakt: ON DELETE CASCADE)
        raise not_found("Planen")
    job, row, published = found
    _check(request, who, row)
    return JobAccess(job, row, who, published)


@dataclass(frozen=True)
class DoctorAccess:
    row: LegevaktRow
    doctor_id: str
    user: Principal


@declares(Rule("doctor", "doctor"))
def doctor_of(
    request: Request, s: Session = Depends(db), who: Principal = Depends(principal)
) -> DoctorAccess:
    """A doctor's own routes: the legevakt and doctor of the user's one grant, never another
    (no doctor route takes the acting doctor from the path or a form). Leaders and
    administrators are refused here, and doctors everywhere else."""
    if who.role != Role.doctor or who.doctor is None:
        raise refuse(request, who, None, "Du har ikke tilgang: denne siden er for legene selv.")
    row = s.get(LegevaktRow, who.doctor[0])
    if row is None or not store.instance_from_text(row.instance_yaml).has_doctor(who.doctor[1]):
        raise refuse(request, who, None, "Du står ikke lenger på legevaktens liste.")
    return DoctorAccess(row, who.doctor[1], who)


def led_rows(s: Session, who: Principal) -> list[LegevaktRow]:
    """The legevakter this user may see, by name."""
    return [r for r in store.legevakter(s) if who.may_lead(r.id)]
