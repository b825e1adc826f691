"""After publication, in storage: doctors' sign-in links, offers (swap, give-away, the open
board), the leader's approval, every approved change a new published version, the worked
ledger and closing a period.

The rules are roster's: roster.offers decides who may take a duty (the checker),
roster.changes applies changes, roster.ledger counts. Here they are kept, versioned, audited
and told. Pages call these functions; every function that changes data leaves the commit to
the caller, except `amend`, which commits the new version (as publishing does).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from roster.calendar import Shift
from roster.changes import Change
from roster.checker import Finding
from roster.errors import Problem
from roster.formats.exchange import Assignment, Roster
from roster.formats.ical import feeds
from roster.glossary import CHANGE_KIND_NO, describe_shift
from roster.instance import Instance
from roster.ledger import Ledger, ledger
from roster.model import ChangeKind, PlanPeriod
from roster.model import Role as DutyRole
from roster.offers import breaches_for, colleagues, holders, move, with_backup
from web import store, users
from web.errors import AppError, not_found
from web.mail import SmtpSettings
from web.models import (
    DoctorLink,
    DutyChange,
    DutyOffer,
    LegevaktPolicy,
    LegevaktRow,
    PublishedVersion,
    Role,
    User,
    UserGrant,
    utcnow,
)
from web.notify import notify
from web.security import new_feed_token, token_hash

LINK_DAYS = 14
APPROVAL_NO = {"leader": "lederen godkjenner", "auto": "automatisk når alle regler holder"}
OFFER_STATUS_NO = {
    "open": "åpen",
    "accepted": "venter på leder",
    "approved": "godkjent",
    "refused": "avvist",
    "withdrawn": "trukket",
}
OFFER_KINDS = (ChangeKind.giveaway, ChangeKind.swap, ChangeKind.board)


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


def set_policy(
    s: Session, row: LegevaktRow, approval: str, deadline: dt.date | None, username: str
) -> None:
    if approval not in APPROVAL_NO:
        raise AppError(422, "ugyldig_valg", "Ukjent godkjenning.")
    p = policy(s, row)
    p.approval, p.wish_deadline = approval, deadline
    when = deadline.strftime("%d.%m.%Y") if deadline else "ingen"
    store.audit(
        s,
        username,
        "regler_for_endringer",
        f"{APPROVAL_NO[approval]}; frist for ønsker {when}",
        row,
    )


def refused(findings: list[Finding], who: str) -> AppError:
    """A 409 naming each broken rule in Norwegian, with its id and source."""
    names = "; ".join(f"{f.message} [{f.rule}]" for f in findings[:3])
    return AppError(
        409,
        "regelbrudd",
        f"Endringen bryter en regel for {who}: {names}",
        [Problem(message=str(f)) for f in findings[:20]],
    )


# --------------------------------------------------------------------------- sign-in links


def create_link(s: Session, row: LegevaktRow, doctor_id: str, username: str) -> str:
    """A new sign-in link token for a doctor (shown once); earlier unused links are revoked."""
    instance = store.instance_from_text(row.instance_yaml)
    if not instance.has_doctor(doctor_id):
        raise not_found("Legen")
    revoke_links(s, row, doctor_id, username, quiet=True)
    token = new_feed_token()
    now = utcnow()
    s.add(
        DoctorLink(
            legevakt_id=row.id,
            doctor_id=doctor_id,
            token_hash=token_hash(token),
            created_by=username,
            created_at=now,
            expires_at=now + dt.timedelta(days=LINK_DAYS),
        )
    )
    store.audit(s, username, "innloggingslenke_laget", doctor_id, row)
    return token


def revoke_links(
    s: Session, row: LegevaktRow, doctor_id: str, username: str, quiet: bool = False
) -> int:
    n = 0
    for link in s.scalars(
        select(DoctorLink).where(
            DoctorLink.legevakt_id == row.id,
            DoctorLink.doctor_id == doctor_id,
            DoctorLink.revoked_at.is_(None),
            DoctorLink.used_at.is_(None),
        )
    ):
        link.revoked_at = utcnow()
        n += 1
    if not quiet:
        store.audit(s, username, "innloggingslenke_trukket", doctor_id, row)
    return n


def use_link(s: Session, token: str) -> DoctorLink:
    """The link behind a token, now used; 404 for unknown, used, revoked or expired links
    (one answer for all, so a link says nothing about why it failed)."""
    if not token or len(token) > 128:
        raise not_found("Lenken")
    link = s.scalar(select(DoctorLink).where(DoctorLink.token_hash == token_hash(token)))
    now = utcnow()
    if link is None or link.used_at or link.revoked_at or link.expires_at <= now:
        raise AppError(
            404,
            "lenke_ugyldig",
            "Lenken er brukt, trukket tilbake eller utløpt. Be legevakten om en ny.",
        )
    link.used_at = now
    row = s.get(LegevaktRow, link.legevakt_id)
    assert row is not None
    store.audit(s, link.doctor_id, "lege_logget_inn", link.doctor_id, row)
    return link


def doctor_user(s: Session, link: DoctorLink) -> User:
    """The login of the doctor a link was made for: made on first use (role doctor, one grant
    naming the legevakt and the doctor, a random password the doctor may replace)."""
    name = f"lege-{link.legevakt_id}-{link.doctor_id}"[:64]
    user = users.user_by_name(s, name)
    if user is None:
        user = users.create_user(s, name, new_feed_token(), role=Role.doctor, by=link.created_by)
        s.add(
            UserGrant(
                user_id=user.id,
                legevakt_id=link.legevakt_id,
                doctor_id=link.doctor_id,
                granted_by=link.created_by,
                granted_at=utcnow(),
            )
        )
        s.flush()
    return user


# --------------------------------------------------------------------------- offers


def _offer(s: Session, row: LegevaktRow, offer_id: int) -> DutyOffer:
    found = s.get(DutyOffer, offer_id)
    if found is None or found.legevakt_id != row.id:
        raise not_found("Tilbudet")
    return found


def offers(
    s: Session, row: LegevaktRow, status: tuple[str, ...] = ("open", "accepted")
) -> list[DutyOffer]:
    return list(
        s.scalars(
            select(DutyOffer)
            .where(DutyOffer.legevakt_id == row.id, DutyOffer.status.in_(status))
            .order_by(DutyOffer.id)
        )
    )


def offer_changes(cur: Current, o: DutyOffer, taker: str, at: dt.datetime) -> list[Change]:
    """The changes an offer makes when `taker` takes it (a swap's two)."""
    kind = ChangeKind(o.kind)
    out = [move(cur.shift(o.shift_id), o.from_doctor, taker, kind, at, note=o.note)]
    if kind == ChangeKind.swap and o.swap_shift_id:
        out.append(move(cur.shift(o.swap_shift_id), taker, o.from_doctor, kind, at, note=o.note))
    return out


def make_offer(
    s: Session,
    row: LegevaktRow,
    doctor_id: str,
    shift_id: str,
    kind: str,
    to_doctor: str | None,
    swap_shift_id: str | None,
    note: str,
    smtp: SmtpSettings | None,
) -> DutyOffer:
    cur = current(s, row)
    shift = cur.shift(shift_id)
    if doctor_id not in holders(cur.roster, shift.id):
        raise AppError(409, "ikke_din_vakt", "Du har ikke denne vakten.")
    try:
        k = ChangeKind(kind)
    except ValueError:
        raise AppError(422, "ugyldig_valg", "Ukjent type tilbud.") from None
    if k not in OFFER_KINDS:
        raise AppError(422, "ugyldig_valg", "Ukjent type tilbud.")
    if k == ChangeKind.board:
        to_doctor, swap_shift_id = None, None
    elif not to_doctor or not cur.instance.has_doctor(to_doctor) or to_doctor == doctor_id:
        raise AppError(422, "mangler_kollega", "Velg en kollega.")
    if k == ChangeKind.swap:
        if not swap_shift_id or to_doctor not in holders(cur.roster, swap_shift_id):
            raise AppError(422, "mangler_vakt", "Velg en av kollegaens vakter å bytte mot.")
    else:
        swap_shift_id = None
    o = DutyOffer(
        legevakt_id=row.id,
        shift_id=shift.id,
        from_doctor=doctor_id,
        to_doctor=to_doctor,
        swap_shift_id=swap_shift_id,
        kind=k.value,
        status="open",
        note=note.strip()[:500],
        created_at=utcnow(),
        reason="",
    )
    if to_doctor:  # a named colleague: refused at once if a rule breaks for either doctor
        found = breaches_for(
            cur.instance, cur.roster, offer_changes(cur, o, to_doctor, o.created_at)
        )
        if found:
            raise refused(found, cur.name(to_doctor))
    s.add(o)
    s.flush()
    text = f"{cur.name(doctor_id)} tilbyr {describe_shift(shift)} ({CHANGE_KIND_NO[k]})."
    if to_doctor:
        notify(s, row, cur.instance, to_doctor, text, smtp)
    store.audit(
        s, doctor_id, "vakt_tilbudt", f"{shift.id} ({k.value}) til {to_doctor or 'vaktbørsen'}", row
    )
    return o


def may_take(cur: Current, o: DutyOffer, doctor_id: str) -> list[Finding]:
    """What taking the offer would break for this doctor ([]: may take it)."""
    return breaches_for(cur.instance, cur.roster, offer_changes(cur, o, doctor_id, utcnow()))


def board(s: Session, row: LegevaktRow, doctor_id: str) -> list[DutyOffer]:
    """Open offers this doctor may take: the board shows only those (the checker decides)."""
    cur = current(s, row)
    out = []
    for o in offers(s, row, ("open",)):
        if o.from_doctor == doctor_id or (o.to_doctor and o.to_doctor != doctor_id):
            continue
        if o.from_doctor not in holders(cur.roster, o.shift_id):
            continue  # overtaken by another change
        if not may_take(cur, o, doctor_id):
            out.append(o)
    return out


def eligible_colleagues(s: Session, row: LegevaktRow, doctor_id: str, shift_id: str) -> list[str]:
    """The colleague list for a give-away: only doctors for whom every rule holds."""
    cur = current(s, row)
    found = colleagues(cur.instance, cur.roster, shift_id, doctor_id, ChangeKind.giveaway, utcnow())
    return sorted((d for d, f in found.items() if not f), key=cur.name)


def take(
    s: Session, row: LegevaktRow, doctor_id: str, offer_id: int, smtp: SmtpSettings | None
) -> DutyOffer:
    """A colleague accepts. Refused with the rule named when it would break one; approved at
    once when the legevakt's policy is automatic."""
    o = _offer(s, row, offer_id)
    if o.status != "open":
        raise AppError(409, "ikke_aapent", "Tilbudet er ikke åpent lenger.")
    if o.from_doctor == doctor_id or (o.to_doctor and o.to_doctor != doctor_id):
        raise AppError(403, "ikke_ditt", "Dette tilbudet er ikke til deg.")
    cur = current(s, row)
    found = may_take(cur, o, doctor_id)
    if found:
        raise refused(found, cur.name(doctor_id))
    o.status, o.taken_by, o.taken_at = "accepted", doctor_id, utcnow()
    shift = cur.shift(o.shift_id)
    text = f"{cur.name(doctor_id)} tar {describe_shift(shift)} fra {cur.name(o.from_doctor)}."
    notify(s, row, cur.instance, o.from_doctor, text, smtp)
    store.audit(s, doctor_id, "tilbud_akseptert", f"tilbud {o.id}: {o.shift_id}", row)
    if policy(s, row).approval == "auto":
        approve(s, row, o.id, "auto", smtp)
    else:
        notify(s, row, cur.instance, None, text + " Venter på godkjenning.", smtp)
    return o


def withdraw(s: Session, row: LegevaktRow, doctor_id: str, offer_id: int) -> None:
    o = _offer(s, row, offer_id)
    if o.from_doctor != doctor_id:
        raise AppError(403, "ikke_ditt", "Dette tilbudet er ikke ditt.")
    if o.status not in ("open", "accepted"):
        raise AppError(409, "ikke_aapent", "Tilbudet er ikke åpent lenger.")
    o.status = "withdrawn"
    store.audit(s, doctor_id, "tilbud_trukket", f"tilbud {o.id}", row)


def approve(
    s: Session, row: LegevaktRow, offer_id: int, username: str, smtp: SmtpSettings | None
) -> PublishedVersion:
    o = _offer(s, row, offer_id)
    if o.status != "accepted" or o.taken_by is None:
        raise AppError(409, "ikke_akseptert", "Tilbudet er ikke akseptert av en kollega.")
    cur = current(s, row)
    changes = offer_changes(cur, o, o.taken_by, utcnow())
    o.status, o.decided_by, o.decided_at = "approved", username, utcnow()
    v = amend(s, row, changes, username, f"tilbud {o.id}", offer_id=o.id)
    text = f"Godkjent: {cur.name(o.taken_by)} har nå {describe_shift(cur.shift(o.shift_id))} (versjon {v.number})."
    for who in {o.from_doctor, o.taken_by}:
        notify(s, row, cur.instance, who, text, smtp)
    s.commit()
    return v


def refuse(
    s: Session,
    row: LegevaktRow,
    offer_id: int,
    username: str,
    reason: str,
    smtp: SmtpSettings | None,
) -> None:
    o = _offer(s, row, offer_id)
    if o.status not in ("open", "accepted"):
        raise AppError(409, "ikke_aapent", "Tilbudet er ikke åpent lenger.")
    o.status, o.decided_by, o.decided_at, o.reason = "refused", username, utcnow(), reason[:500]
    cur = current(s, row)
    text = f"Avvist: {describe_shift(cur.shift(o.shift_id))}. {reason}".strip()
    for who in {o.from_doctor, o.taken_by} - {None}:
        notify(s, row, cur.instance, who, text, smtp)
    store.audit(s, username, "tilbud_avvist", f"tilbud {o.id}: {reason}", row)


def leader_move(
    s: Session,
    row: LegevaktRow,
    shift_id: str,
    from_doctor: str | None,
    to_doctor: str | None,
    kind: str,
    note: str,
    username: str,
    smtp: SmtpSettings | None,
) -> PublishedVersion:
    """The leader moves one duty by hand (sickness), with the same checks."""
    if kind not in (ChangeKind.leader.value, ChangeKind.sick.value):
        raise AppError(422, "ugyldig_valg", "Ukjent grunn.")
    cur = current(s, row)
    change = move(
        cur.shift(shift_id),
        from_doctor or None,
        to_doctor or None,
        ChangeKind(kind),
        utcnow(),
        username,
        note,
    )
    v = amend(s, row, [change], username, note or CHANGE_KIND_NO[ChangeKind(kind)])
    text = f"Lederen flyttet {describe_shift(cur.shift(shift_id))} fra {cur.name(from_doctor)} til {cur.name(to_doctor)}."
    for who in {from_doctor, to_doctor} - {None, ""}:
        notify(s, row, cur.instance, who, text, smtp)
    s.commit()
    return v


# --------------------------------------------------------------------------- versions


def amend(
    s: Session,
    row: LegevaktRow,
    changes: list[Change],
    username: str,
    why: str,
    offer_id: int | None = None,
) -> PublishedVersion:
    """Apply approved changes (with the kompetansebakvakt following) to the latest version and
    publish the result as a new version: feeds update (SEQUENCE up, CANCELLED where a duty
    left a doctor), the audit log says who, what and why. Refused with the rule named when a
    change would break one."""
    cur = current(s, row)
    batch = with_backup(cur.instance, cur.roster, changes)
    batch = [c.model_copy(update={"approved_by": username}) for c in batch]
    found = breaches_for(cur.instance, cur.roster, batch)
    if found:
        raise refused(
            found, ", ".join(sorted({cur.name(c.to_doctor) for c in batch if c.to_doctor}))
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


# --------------------------------------------------------------------------- ledger


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
