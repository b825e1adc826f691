"""E-mail through a real SMTP server on the loopback (aiosmtpd), and its settings."""

from __future__ import annotations

import email
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.conftest import free_port
from web.mail import SmtpSettings, send, smtp_from_env
from web.qr import qr_svg


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, SmtpSettings]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, SmtpSettings(host="127.0.0.1", port=port, sender="vakt@innherred.no")
    finally:
        controller.stop()


def test_send_delivers_a_norwegian_message(smtp: tuple[Inbox, SmtpSettings]) -> None:
    inbox, settings = smtp
    assert send(settings, "lege@example.no", "Vakt overtatt", "Kari tok nattevakten 12.03.")
    (msg,) = inbox.messages
    assert msg["To"] == "lege@example.no" and msg["From"] == "vakt@innherred.no"
    assert str(email.header.make_header(email.header.decode_header(msg["Subject"]))) == (
        "Vakt overtatt"
    )
    assert "nattevakten 12.03." in msg.get_payload(decode=True).decode("utf-8")


def test_send_reports_false_when_no_server_answers() -> None:
    assert send(SmtpSettings(host="127.0.0.1", port=free_port()), "a@b.no", "x", "y") is False


def test_smtp_from_env_needs_a_host() -> None:
    assert smtp_from_env({}) is None
    got = smtp_from_env(
        {
            "VAKTPLAN_SMTP_HOST": "smtp.kommune.no",
            "VAKTPLAN_SMTP_PORT": "587",
            "VAKTPLAN_SMTP_STARTTLS": "1",
            "VAKTPLAN_SMTP_FROM": "vakt@kommune.no",
        }
    )
    assert got == SmtpSettings("smtp.kommune.no", 587, "vakt@kommune.no", None, None, True)


def test_qr_svg_is_an_inline_svg() -> None:
    svg = qr_svg("https://vakt.example.no/kalender/abc.ics")
    assert svg.startswith("<svg") and "QR-kode for kalenderlenken" in svg


def test_an_offer_to_a_colleague_is_mailed_to_the_colleague(
    smtp: tuple[Inbox, SmtpSettings], app: Any, api: Any
) -> None:
    from roster.model import ChangeKind
    from roster.offers import colleagues
    from tests.web.conftest import solve_small
    from web import after, notify, offers, store
    from web.models import utcnow

    inbox, settings = smtp
    job_id = solve_small(app, api)
    assert api.post(f"/api/planer/{job_id}/publiser").status_code in (200, 201)
    with app.state.sessions() as s:
        row = store.legevakt(s, "fjellvik")
        cur = after.current(s, row)
        for a in cur.roster.assignments:
            found = colleagues(
                cur.instance,
                cur.roster,
                a.shift_id,
                a.doctor_id,
                ChangeKind.giveaway,
                utcnow(),
            )
            to = next((d for d, f in sorted(found.items()) if not f), None)
            if to:
                break
        assert to is not None
        offers.make_offer(s, row, a.doctor_id, a.shift_id, "giveaway", to, None, "", settings)
        s.commit()
        (note,) = [n for n in notify.for_doctor(s, row, to)]
        assert note.mailed
    (msg,) = inbox.messages
    assert msg["To"] == cur.instance.doctor(to).email
    assert "tilbyr" in msg.get_payload(decode=True).decode("utf-8")


def test_a_duty_moved_by_the_leader_is_mailed_to_both_doctors(
    smtp: tuple[Inbox, SmtpSettings], app: Any, api: Any
) -> None:
    """Changes to one's own duties reach both doctors by e-mail (SMTP set up, addresses in
    the staff list), each with what they got or no longer have."""
    from roster.checker import check
    from roster.model import ChangeKind
    from roster.offers import colleagues
    from tests.web.conftest import publish_small
    from web import after, offers, store
    from web.models import utcnow

    inbox, settings = smtp
    publish_small(app, api)
    with app.state.sessions() as s:
        row = store.legevakt(s, "fjellvik")
        cur = after.current(s, row)
        a = next(
            a
            for a in sorted(cur.roster.assignments, key=lambda a: a.shift_id)
            if any(
                not f
                for f in colleagues(
                    cur.instance, cur.roster, a.shift_id, a.doctor_id, ChangeKind.sick, utcnow()
                ).values()
            )
        )
        found = colleagues(
            cur.instance, cur.roster, a.shift_id, a.doctor_id, ChangeKind.sick, utcnow()
        )
        to = next(d for d, f in sorted(found.items()) if not f)
        v = offers.leader_move(
            s, row, a.shift_id, a.doctor_id, to, "sick", "Syk", "leder", settings
        )
        assert v.number == 2
        new = after.current(s, row)
        assert check(new.instance, new.roster).breaches == ()  # the oracle
    by_to = {m["To"]: m.get_payload(decode=True).decode("utf-8") for m in inbox.messages}
    assert "Du har ikke lenger" in by_to[cur.instance.doctor(a.doctor_id).email]
    assert "Du har fått" in by_to[cur.instance.doctor(to).email]
    assert all("Lederen har flyttet" in body for body in by_to.values())
