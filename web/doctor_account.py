"""A doctor's optional password. A doctor signs in with the leader's one-time link; the login
made for the doctor has a random password nobody knows. In the session the link opened, the
doctor may set a password of their own (no current password asked: the link was the proof),
and then sign in at /login with the user name shown. Changing it later asks for the current
one, on /konto like everybody else."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from roster.errors import Problem
from web import users
from web.access import DoctorAccess, doctor_of
from web.deps import check_csrf, db, sign_in
from web.errors import AppError
from web.models import User
from web.pages import redirect, render
from web.security import SESSION_TOKEN, SESSION_VIA_LINK

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])


def via_link(request: Request) -> bool:
    """Whether this session was opened with a sign-in link (and is still that session)."""
    token = request.session.get(SESSION_TOKEN)
    return bool(token) and request.session.get(SESSION_VIA_LINK) == token


def _page(request: Request, problems: list[Problem], status: int = 200) -> Response:
    ctx = {"via_link": via_link(request), "problems": problems}
    return render(request, "min_passord.html", ctx, status_code=status)


@router.get("/min-side/passord")
def password_page(request: Request, who: DoctorAccess = Depends(doctor_of)) -> Response:
    return _page(request, [])


@router.post("/min-side/passord")
def set_password(
    request: Request,
    nytt: str = Form(""),
    who: DoctorAccess = Depends(doctor_of),
    s: Session = Depends(db),
) -> Response:
    """Set a password in the session a sign-in link opened; elsewhere 403 (use /konto)."""
    if not via_link(request):
        raise AppError(
            403,
            "ikke_fra_lenke",
            "Passord uten det nåværende kan bare settes rett etter innlogging med lenke. "
            "Bytt passord under Konto.",
        )
    user = s.get(User, who.user.user_id)
    assert user is not None
    try:
        users.set_password(s, user, nytt)  # every other session of the doctor ends
    except AppError as err:
        s.rollback()
        return _page(request, [Problem(message=err.melding)], err.status)
    s.commit()
    sign_in(request, s, user)  # a fresh session: changing it again asks for this password
    return redirect("/min-side?passord=1")
