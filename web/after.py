"""After publication, in storage: the current published plan, the legevakt's policy for
changes, and amending the plan: every approved change becomes a new published version.

The rules are roster's: roster.offers decides who may take a duty (the checker),
roster.changes applies changes. Sign-in links are web.links, offers and approvals
web.offers, the worked ledger and closing a period web.period. Pages call these functions;
functions that change data leave the commit to the caller, except `amend`'s callers, which
commit the new version (as publishing does).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from roster.calendar import Shift
from roster.changes import Change
from roster.checker import Finding
from roster.errors import Problem
from roster.formats.exchange import Assignment, Roster
from roster.formats.ical import feeds
from roster.glossary import CHANGE_KIND_NO, MONTH_NO, describe_duty
from roster.instance import Instance
from roster.offers import breaches_for, with_backup
from web import store
from web.errors import AppError, not_found
from web.mail import SmtpSettings
from web.models import DutyChange, LegevaktPolicy, LegevaktRow, PublishedVersion, utcnow
from web.notify import duties_changed

APPROVAL_NO = {"leader": "lederen godkjenner", "auto": "automatisk når alle regler holder"}


# --------------------------------------------------------------------------- current plan


@dataclass(frozen=True)
class Current:
    """The latest published version, resolved."""

    version: PublishedVersion
    instance: Instance
    roster: Roster

    def shift(self, shift_id: str) -> Shift:
        found = next((s for s in self.instance.shifts if s.id == shift_id), None)
        if found is None:
            raise not_found("Vakten")
        return found

    def name(self, doctor_id: str | None) -> str:
        if doctor_id is None:
            return "ingen"
        return (
            self.instance.doctor(doctor_id).name
            if self.instance.has_doctor(doctor_id)
            else doctor_id
        )


def duty_rows(cur: Current, doctor_id: str) -> list[dict[str, Any]]:
    """A doctor's duties in the current plan, in time order: the shift, its Norwegian name
    with the date, who else is on duty at the same time, and the month it is in."""
    shifts = {s.id: s for s in cur.instance.shifts}
    by_shift = cur.roster.by_shift()
    out = []
    for a in sorted(
        (a for a in cur.roster.assignments if a.doctor_id == doctor_id),
        key=lambda a: shifts[a.shift_id].t0,
    ):
        sh = shifts[a.shift_id]
        paired = [
            cur.name(d)
            for t in cur.instance.shifts
            if t.t0 < sh.t1 and sh.t0 < t.t1
            for d in by_shift.get(t.id, [])
            if d != doctor_id
        ]
        out.append(
            {
                "shift": sh,
                "text": describe_duty(sh),
                "with": ", ".join(sorted(set(paired))),
                "month_key": f"{sh.date:%Y-%m}",
                "month": f"{MONTH_NO[sh.date.month - 1].capitalize()} {sh.date.year}",
            }
        )
    return out


def current(s: Session, row: LegevaktRow) -> Current:
    v = store.latest_version(s, row.id)
    if v is None:
        raise AppError(409, "ikke_publisert", "Legevakten har ingen publisert plan ennå.")
    return Current(v, store.instance_from_text(v.instance_yaml), store.roster_from_json(v.roster))


def policy(s: Session, row: LegevaktRow) -> LegevaktPolicy:
    found = s.get(LegevaktPolicy, row.id)
    if found is None:
        found = LegevaktPolicy(legevakt_id=row.id, approval="leader")
        s.add(found)
    return found


def set_policy(s: Session, row: LegevaktRow, approval: str, username: str) -> None:
    if approval not in APPROVAL_NO:
        raise AppError(422, "ugyldig_valg", "Ukjent godkjenning.")
    policy(s, row).approval = approval
    store.audit(s, username, "regler_for_endringer", APPROVAL_NO[approval], row)


#: Rules whose breach tells something private about a doctor (health, family, leave): a
#: colleague is told only that one of these stands in the way, never which.
PRIVATE_RULES = frozenset(
    {
        "age_exemption",
        "age_exemption_local",
        "pregnancy_exemption",
        "breastfeeding_exemption",
        "granted_exemption",
        "absence",
    }
)


def finding_text(instance: Instance, f: Finding, viewer: str | None) -> str:
    """A breach in Norwegian for whoever asked: in full for the leader (viewer None) and for
    the doctor it is about; for a colleague, only the rule's title, and for private rules
    (exemptions, absences) not even that."""
    title = rule_title(instance, f.rule)
    if viewer is None or f.doctor_id in (None, viewer):
        return f"{f.message} (regel: {title})"
    name = f.doctor_name or f.doctor_id
    if f.rule in PRIVATE_RULES:
        return f"{name} kan ikke ta vakten (fritak eller fravær)"
    return f"{title} ({name})"


def rule_title(instance: Instance, rule_id: str) -> str:
    """The rule's Norwegian title from the rule set (its id only if the set lacks it)."""
    try:
        return instance.ruleset.rule(rule_id).title
    except KeyError:
        return rule_id


def refused(
    instance: Instance, findings: list[Finding], who: str, viewer: str | None = None
) -> AppError:
    """A 409 naming each broken rule in Norwegian (what the viewer may see of it)."""
    texts = list(dict.fromkeys(finding_text(instance, f, viewer) for f in findings))
    return AppError(
        409,
        "regelbrudd",
        f"Endringen bryter en regel for {who}: {'; '.join(texts[:3])}",
        [
            Problem(message=str(f) if viewer is None else finding_text(instance, f, viewer))
            for f in findings[:20]
        ],
    )


# --------------------------------------------------------------------------- versions


def amend(
    s: Session,
    row: LegevaktRow,
    changes: list[Change],
    username: str,
    why: str,
    smtp: SmtpSettings | None,
    headline: str,
    offer_id: int | None = None,
) -> PublishedVersion:
    """Apply approved changes (with the kompetansebakvakt following) to the latest version and
    publish the result as a new version: feeds update (SEQUENCE up, CANCELLED where a duty
    left a doctor), the audit log says who, what and why, and every doctor whose duties
    changed (also a kompetansebakvakt paired or released) is told. Refused with the rule named
    when a change would break one. Amendments of one legevakt are serialised."""
    store.lock_legevakt(s, row)
    cur = current(s, row)
    batch = with_backup(cur.instance, cur.roster, changes)
    batch = [c.model_copy(update={"approved_by": username}) for c in batch]
    found = breaches_for(cur.instance, cur.roster, batch)
    if found:
        raise refused(
            cur.instance,
            found,
            ", ".join(sorted({cur.name(c.to_doctor) for c in batch if c.to_doctor})),
        )
    seats = [(a.shift_id, a.doctor_id) for a in cur.roster.assignments]
    for c in batch:
        if c.from_doctor:
            seats.remove((c.shift_id, c.from_doctor))
        if c.to_doctor:
            seats.append((c.shift_id, c.to_doctor))
    roster = Roster(assignments=tuple(Assignment(shift_id=a, doctor_id=d) for a, d in seats))
    v = _publish(s, row, cur, roster, username)
    for c in batch:
        s.add(
            DutyChange(
                legevakt_id=row.id,
                version_number=v.number,
                changed_at=c.changed_at,
                date=c.date,
                shift_type=c.type_id,
                role=c.role.value,
                from_doctor=c.from_doctor,
                to_doctor=c.to_doctor,
                kind=c.kind.value,
                approved_by=username,
                note=c.note,
                offer_id=offer_id,
            )
        )
        store.audit(
            s,
            username,
            "vakt_endret",
            f"versjon {v.number}: {c.shift_id} {cur.name(c.from_doctor)} → {cur.name(c.to_doctor)} "
            f"({CHANGE_KIND_NO[c.kind]}; {why})",
            row,
        )
    told = f"{headline} Ny versjon {v.number} av vaktplanen."
    duties_changed(s, row, (cur.instance, cur.roster), (cur.instance, roster), told, smtp)
    return v


def _publish(
    s: Session, row: LegevaktRow, cur: Current, roster: Roster, username: str
) -> PublishedVersion:
    """The amended roster as the next version, its feeds continuing from the current one."""
    now = utcnow().replace(microsecond=0)
    _, state = feeds(
        cur.instance,
        roster,
        store.previous_for_feed(cur.instance, cur.version),
        now=now,
        state=store.feed_state_of(cur.version),
    )
    v = PublishedVersion(
        legevakt_id=row.id,
        number=cur.version.number + 1,
        job_id=None,
        instance_yaml=cur.version.instance_yaml,
        roster=store.roster_to_json(roster),
        report=None,
        feed_state=state.model_dump(mode="json"),
        published_by=username,
        published_at=now,
    )
    s.add(v)
    s.flush()
    return v
