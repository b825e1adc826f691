"""The worked ledger of the current period (the latest solved version with the approved
changes since), and closing the period: each doctor's carry-over goes into the plan file's
`history:` and the plan file moves on to the next period, so the next plan starts from the
ledger."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from roster.changes import Change
from roster.glossary import CHANGE_KIND_NO
from roster.instance import Instance
from roster.ledger import Ledger, ledger
from roster.model import ChangeKind, PlanPeriod
from roster.model import Role as DutyRole
from web import store
from web.errors import AppError
from web.models import DutyChange, LegevaktRow, PublishedVersion


def base_version(s: Session, row: LegevaktRow) -> PublishedVersion:
    """The version the ledger counts from: the latest one published from a solve (a re-plan
    starts the count again)."""
    v = s.scalar(
        select(PublishedVersion)
        .where(PublishedVersion.legevakt_id == row.id, PublishedVersion.job_id.is_not(None))
        .order_by(PublishedVersion.number.desc())
        .limit(1)
    )
    if v is None:
        raise AppError(409, "ikke_publisert", "Legevakten har ingen publisert plan ennå.")
    return v


def recorded_changes(s: Session, row: LegevaktRow, after: int) -> list[Change]:
    """The approved changes since version `after`, as changes.csv lines (line = order + 1)."""
    rows = s.scalars(
        select(DutyChange)
        .where(DutyChange.legevakt_id == row.id, DutyChange.version_number > after)
        .order_by(DutyChange.id)
    )
    return [
        Change(
            line=i,
            changed_at=r.changed_at,
            date=r.date,
            type_id=r.shift_type,
            role=DutyRole(r.role),
            from_doctor=r.from_doctor,
            to_doctor=r.to_doctor,
            kind=ChangeKind(r.kind),
            approved_by=r.approved_by,
            note=r.note,
        )
        for i, r in enumerate(rows, start=2)
    ]


def reasons(s: Session, row: LegevaktRow, after: int, upto: int) -> dict[str, str]:
    """Why shifts changed between two versions, by shift id: each approved change's kind, who
    approved it and its note ('' for shifts a re-plan moved)."""
    rows = s.scalars(
        select(DutyChange)
        .where(
            DutyChange.legevakt_id == row.id,
            DutyChange.version_number > min(after, upto),
            DutyChange.version_number <= max(after, upto),
        )
        .order_by(DutyChange.id)
    )
    out: dict[str, list[str]] = {}
    for r in rows:
        text = f"{CHANGE_KIND_NO[ChangeKind(r.kind)]} (versjon {r.version_number}, {r.approved_by})"
        out.setdefault(f"{r.date.isoformat()}:{r.shift_type}", []).append(
            f"{text}: {r.note}" if r.note else text
        )
    return {k: "; ".join(dict.fromkeys(v)) for k, v in out.items()}


def worked_ledger(
    s: Session, row: LegevaktRow, window: tuple[dt.date, dt.date] | None = None
) -> tuple[Instance, Ledger, list[Change]]:
    base = base_version(s, row)
    instance = store.instance_from_text(base.instance_yaml)
    changes = recorded_changes(s, row, base.number)
    return instance, ledger(instance, store.roster_from_json(base.roster), changes, window), changes


def next_period(period: PlanPeriod) -> PlanPeriod:
    """The period after this one: same number of months when it is whole months (a half
    year follows a half year), else the same number of days."""
    start = period.end + dt.timedelta(days=1)
    months = (period.end.year - period.start.year) * 12 + period.end.month - period.start.month + 1
    if period.start.day == 1 and (period.end + dt.timedelta(days=1)).day == 1:
        m = start.month - 1 + months
        end = dt.date(start.year + m // 12, m % 12 + 1, 1) - dt.timedelta(days=1)
    else:
        end = start + (period.end - period.start)
    return PlanPeriod(start=start, end=end)


def close_period(s: Session, row: LegevaktRow, username: str) -> PlanPeriod:
    """Carry each doctor's worked points minus target (and the big holidays worked) into the
    plan file, and move its period on: the next plan starts from the ledger."""
    instance, led, _ = worked_ledger(s, row)
    doc = store.document(row.instance_yaml)
    nxt = next_period(doc.period)
    store.save_text(
        s,
        row,
        store.validated_text(doc.model_copy(update={"history": led.history, "period": nxt})),
        username,
        "periode_lukket",
    )
    store.audit(
        s,
        username,
        "overføring",
        f"{instance.period.start:%d.%m.%Y}–{instance.period.end:%d.%m.%Y} lukket; "
        f"{len(led.history.carry_points)} leger med overføring; ny periode "
        f"{nxt.start:%d.%m.%Y}–{nxt.end:%d.%m.%Y}",
        row,
    )
    return nxt
