"""Users and their legevakter (administrators), and one's own password (everyone): the JSON
API under /api/brukere and /api/konto, and the pages /brukere and /konto. Both call web.users.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from roster.errors import Problem
from web import store, users
from web.access import Principal, administrator, signed_in
from web.deps import check_csrf, db, sign_in
from web.errors import AppError
from web.models import ROLE_NO, Role, User
from web.pages import redirect, render

api = APIRouter(prefix="/api", dependencies=[Depends(check_csrf)])
pages = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])

ROLE_WORDS: dict[str, Role] = {"administrator": Role.admin, "leder": Role.leader}


class NyBruker(BaseModel):
    brukernavn: str = Field(max_length=64)
    passord: str = Field(max_length=users.MAX_PASSWORD)
    rolle: Literal["administrator", "leder"] = "leder"
    legevakter: list[str] = Field(default=[], max_length=500, description="Id-ene leder leder")


class Legevakter(BaseModel):
    legevakter: list[str] = Field(max_length=500)


class Passord(BaseModel):
    passord: str = Field(max_length=users.MAX_PASSWORD)


class NyttPassord(BaseModel):
    gammelt: str = Field(max_length=users.MAX_PASSWORD)
    nytt: str = Field(max_length=users.MAX_PASSWORD)


def user_json(s: Session, user: User) -> dict[str, Any]:
    return {
        "brukernavn": user.username,
        "rolle": ROLE_NO[Role(user.role)],
        "legevakter": [r.slug for r in users.led_legevakter(s, user)],
    }


def _rows(s: Session, slugs: list[str]) -> list[Any]:
    return [store.legevakt(s, slug.strip()) for slug in dict.fromkeys(slugs) if slug.strip()]


def _not_self(who: Principal, user: User) -> None:
    if user.id == who.user_id:
        raise AppError(409, "ikke_deg_selv", "Du kan ikke slette eller endre din egen tilgang.")


# --------------------------------------------------------------------------- API


@api.get("/brukere")
def api_users(who: Principal = Depends(administrator), s: Session = Depends(db)) -> list[Any]:
    return [user_json(s, u) for u in users.all_users(s)]


@api.post("/brukere", status_code=201)
def api_create_user(
    body: NyBruker, who: Principal = Depends(administrator), s: Session = Depends(db)
) -> dict[str, Any]:
    """A new administrator, or a leader of the legevakter named by id."""
    rows = _rows(s, body.legevakter)
    user = users.create_user(
        s, body.brukernavn, body.passord, ROLE_WORDS[body.rolle], rows, by=who.username
    )
    s.commit()
    return user_json(s, user)


@api.put("/brukere/{brukernavn}/legevakter")
def api_set_legevakter(
    brukernavn: str,
    body: Legevakter,
    who: Principal = Depends(administrator),
    s: Session = Depends(db),
) -> dict[str, Any]:
    """The legevakter a leader leads, exactly these (by id)."""
    user = users.named_user(s, brukernavn)
    users.set_legevakter(s, user, _rows(s, body.legevakter), who.username)
    s.commit()
    return user_json(s, user)


@api.put("/brukere/{brukernavn}/passord")
def api_reset_password(
    brukernavn: str,
    body: Passord,
    who: Principal = Depends(administrator),
    s: Session = Depends(db),
) -> dict[str, Any]:
    """A new password; every session of the user ends."""
    user = users.named_user(s, brukernavn)
    users.set_password(s, user, body.passord, by=who.username)
    s.commit()
    return user_json(s, user)


@api.delete("/brukere/{brukernavn}")
def api_delete_user(
    brukernavn: str, who: Principal = Depends(administrator), s: Session = Depends(db)
) -> dict[str, Any]:
    user = users.named_user(s, brukernavn)
    _not_self(who, user)
    users.delete_user(s, user, who.username)
    s.commit()
    return {"slettet": brukernavn}


@api.put("/konto/passord")
def api_own_password(
    body: NyttPassord,
    request: Request,
    who: Principal = Depends(signed_in),
    s: Session = Depends(db),
) -> dict[str, Any]:
    """Change one's own password. Every session ends (other browsers are logged out); this
    client gets a new session and CSRF token."""
    return {"csrf_token": _change_own(request, s, who, body.gammelt, body.nytt)}


def _change_own(request: Request, s: Session, who: Principal, old: str, new: str) -> str:
    user = s.get(User, who.user_id)
    assert user is not None
    if users.authenticate(s, user.username, old) is None:
        raise AppError(422, "feil_passord", "Det nåværende passordet er feil.")
    users.set_password(s, user, new)
    s.commit()
    return sign_in(request, s, user)


# --------------------------------------------------------------------------- pages


def _render(request: Request, s: Session, problems: list[Problem], status: int = 200) -> Response:
    return render(
        request,
        "brukere.html",
        {
            "users": [(u, user_json(s, u)) for u in users.all_users(s)],
            "legevakter": store.legevakter(s),
            "problems": problems,
        },
        status_code=status,
    )


@pages.get("/brukere")
def users_page(
    request: Request, who: Principal = Depends(administrator), s: Session = Depends(db)
) -> Response:
    return _render(request, s, [])


def _form_error(request: Request, s: Session, err: AppError) -> Response:
    s.rollback()
    return _render(request, s, [Problem(message=err.melding)], err.status)


@pages.post("/brukere")
async def users_create(
    request: Request, who: Principal = Depends(administrator), s: Session = Depends(db)
) -> Response:
    form = await request.form()
    role = ROLE_WORDS.get(str(form.get("rolle", "leder")), Role.leader)
    slugs = [str(v) for v in form.getlist("legevakter")]
    try:
        users.create_user(
            s,
            str(form.get("brukernavn", "")),
            str(form.get("passord", "")),
            role,
            _rows(s, slugs),
            by=who.username,
        )
        s.commit()
    except AppError as err:
        return _form_error(request, s, err)
    return redirect("/brukere")


@pages.post("/brukere/{brukernavn}")
async def users_change(
    request: Request,
    brukernavn: str,
    who: Principal = Depends(administrator),
    s: Session = Depends(db),
) -> Response:
    form = await request.form()
    handling = str(form.get("handling", ""))
    try:
        user = users.named_user(s, brukernavn)
        if handling == "legevakter":
            slugs = [str(v) for v in form.getlist("legevakter")]
            users.set_legevakter(s, user, _rows(s, slugs), who.username)
        elif handling == "passord":
            users.set_password(s, user, str(form.get("passord", "")), by=who.username)
        elif handling == "slett":
            _not_self(who, user)
            users.delete_user(s, user, who.username)
        else:
            raise AppError(400, "ukjent_handling", "Ukjent handling.")
        s.commit()
    except AppError as err:
        return _form_error(request, s, err)
    return redirect("/brukere")


@pages.get("/konto")
def account_page(
    request: Request, lagret: int = 0, who: Principal = Depends(signed_in)
) -> Response:
    return render(request, "konto.html", {"problems": [], "saved": bool(lagret)})


@pages.post("/konto")
def account_change(
    request: Request,
    gammelt: str = Form(""),
    nytt: str = Form(""),
    who: Principal = Depends(signed_in),
    s: Session = Depends(db),
) -> Response:
    try:
        _change_own(request, s, who, gammelt, nytt)
    except AppError as err:
        s.rollback()
        return render(
            request,
            "konto.html",
            {"problems": [Problem(message=err.melding)], "saved": False},
            status_code=err.status,
        )
    return redirect("/konto?lagret=1")
