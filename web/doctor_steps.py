"""One step a signed-in doctor takes on an item of their own, by its id (take, decline or
withdraw an offer; withdraw a wish), as a POST route: the acting doctor is the one the session
was signed in for (web.access.doctor_of), never one from the path or a form; the step is
committed and the browser is sent back to the page it came from. Used by web.after_pages and
web.wish_pages, so each such route is one line there."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from sqlalchemy.orm import Session

from web.access import DoctorAccess, doctor_of
from web.deps import db
from web.mail import SmtpSettings, smtp_from_env
from web.models import LegevaktRow
from web.pages import redirect

#: step(session, legevakt, acting doctor's id, item id); raises AppError when refused.
Step = Callable[[Session, LegevaktRow, str, int], object]
#: A step that may send e-mail: the same, with the SMTP settings (None: no e-mail).
MailingStep = Callable[[Session, LegevaktRow, str, int, SmtpSettings | None], object]


def mailing(step: MailingStep) -> Step:
    """`step` with this process's SMTP settings, read from the environment when it runs."""
    return lambda s, row, doctor_id, item_id: step(s, row, doctor_id, item_id, smtp_from_env())


def add_doctor_step(router: APIRouter, path: str, name: str, step: Step, back: str) -> None:
    """POST `path` (its item id in `{item_id}`): `step` for the signed-in doctor, committed,
    then a redirect to `back`."""

    def doctor_step(
        item_id: int, who: DoctorAccess = Depends(doctor_of), s: Session = Depends(db)
    ) -> Response:
        step(s, who.row, who.doctor_id, item_id)
        s.commit()
        return redirect(back)

    router.add_api_route(path, doctor_step, methods=["POST"], name=name)
