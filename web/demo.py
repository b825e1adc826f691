"""The demo behind `legevakt serve --demo`: Innherred with a solved, published plan and a
demo leader login, so a newcomer sees a full roster at once."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from roster.glossary import spread_no
from web import store, users
from web.errors import AppError
from web.models import LegevaktRow, User
from web.security import new_password
from web.views import deviation_words

DEMO_USER = "demo"
DEMO_EXAMPLE = "innherred"


@dataclass
class Demo:
    username: str
    password: str
    slug: str
    version: int
    solved: bool
    #: The largest deviation and proven bound in words (web.views.deviation_words).
    summary: tuple[str, ...] = ()


def setup_demo(
    app: Any, time_limit: float, say: Callable[[str], None] = print, example: str | None = None
) -> Demo:
    """Make sure the demo legevakt (Innherred unless `example`) has a published plan;
    (re)set the demo password."""
    factory = app.state.sessions
    password = new_password()
    with factory() as s:
        user = s.scalar(select(User).where(User.username == DEMO_USER))
        if user is None:
            users.create_user(s, DEMO_USER, password)
        else:
            users.set_password(s, user, password)
        text = store.example_text(example or DEMO_EXAMPLE)
        slug = store.instance_from_text(text).legevakt.id
        row = s.scalar(select(LegevaktRow).where(LegevaktRow.slug == slug))
        if row is None:
            row = store.create_legevakt(s, text, DEMO_USER)
        s.commit()
        latest = store.latest_version(s, row.id)
        if latest is not None:
            words = deviation_words((latest.report or {}).get("largest_deviation"))
            return Demo(DEMO_USER, password, slug, latest.number, False, tuple(words))
        job = store.create_job(s, row, DEMO_USER, time_limit)
        s.commit()
        job_id = job.id
    instance = store.instance_from_text(text)
    say(
        f"Lager vaktplan for {instance.name}: {len(instance.shifts)} vakter, "
        f"{len(instance.doctors)} leger, tidsgrense {time_limit:g} s …"
    )
    app.state.runner.submit(job_id)
    seen = ""
    while True:
        with factory() as s:
            job = store.job(s, job_id)
            status, progress = job.status, dict(job.progress or {})
        label = str(progress.get("label") or "")
        if label and label != seen:
            seen = label
            deviation = progress.get("largest_deviation")
            extra = "" if deviation is None else f" (største avvik nå {spread_no(deviation)} poeng)"
            say(
                f"  [{float(progress.get('elapsed') or 0):5.1f} s] {label}{extra}".replace(".", ",")
            )
        if status in ("done", "failed"):
            break
        time.sleep(0.5)
    with factory() as s:
        job = store.job(s, job_id)
        if job.status != "done":
            raise AppError(500, "demo_feilet", job.message or "Demoplanen kunne ikke lages.")
        version = store.publish(s, job, DEMO_USER)
        s.commit()
        words = deviation_words((job.report or {}).get("largest_deviation"))
        return Demo(DEMO_USER, password, slug, version.number, True, tuple(words))
