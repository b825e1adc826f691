"""E-mail when SMTP is configured: one function that sends one message, with the standard
library's smtplib (STARTTLS and login when configured). Nothing here decides who is told what;
web.notify does that.

Configured by environment variables (docs/web.md): VAKTPLAN_SMTP_HOST (without it no mail is
sent), VAKTPLAN_SMTP_PORT (25), VAKTPLAN_SMTP_FROM, VAKTPLAN_SMTP_USER and
VAKTPLAN_SMTP_PASSWORD (optional), VAKTPLAN_SMTP_STARTTLS=1.
"""

from __future__ import annotations

import logging
import os
import smtplib
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

log = logging.getLogger("web.mail")
TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    sender: str = "vaktplan@localhost"
    username: str | None = None
    password: str | None = None
    starttls: bool = False


def smtp_from_env(env: Mapping[str, str] | None = None) -> SmtpSettings | None:
    """The SMTP settings in the environment, or None when no host is set (no mail)."""
    env = os.environ if env is None else env
    host = env.get("VAKTPLAN_SMTP_HOST", "").strip()
    if not host:
        return None
    return SmtpSettings(
        host=host,
        port=int(env.get("VAKTPLAN_SMTP_PORT", "25") or 25),
        sender=env.get("VAKTPLAN_SMTP_FROM", "").strip() or "vaktplan@localhost",
        username=env.get("VAKTPLAN_SMTP_USER") or None,
        password=env.get("VAKTPLAN_SMTP_PASSWORD") or None,
        starttls=env.get("VAKTPLAN_SMTP_STARTTLS", "") not in ("", "0"),
    )


def message(settings: SmtpSettings, to: str, subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or None)
    msg.set_content(body)
    return msg


def send(settings: SmtpSettings, to: str, subject: str, body: str) -> bool:
    """Send one plain-text message. False (and a line in the log) when the server refuses or
    cannot be reached: a notification is never worth failing the user's action for."""
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT_SECONDS) as smtp:
            if settings.starttls:
                smtp.starttls()
            if settings.username and settings.password:
                smtp.login(settings.username, settings.password)
            smtp.send_message(message(settings, to, subject, body))
        return True
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("mail to %s not sent: %s", to, exc)
        return False
