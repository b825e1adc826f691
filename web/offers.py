"""Offers after publication: a doctor offers a duty to a named colleague (give-away), for one
of the colleague's duties (swap), or on the open board (vaktbørs). The checker decides who
may take it (roster.offers): the board and the colleague lists show only doctors for whom
every rule holds, and a refused attempt names the rule. A colleague accepts; the legevakt's
policy decides whether the leader approves or it is approved at once. The leader may also
move a single duty by hand (sickness), with the same checks. Every approval is a new
published version (web.after.amend)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from roster.calendar import Shift
from roster.changes import Change
from roster.checker import Finding
from roster.errors import InputError
from roster.glossary import CHANGE_KIND_NO, describe_duty
from roster.model import ChangeKind
from roster.offers import breaches_for, colleagues, holders, move
from web import store
from web.after import Current, amend, current, policy, refused
from web.errors import AppError, not_found
from web.mail import SmtpSettings
from web.models import DutyOffer, LegevaktRow, PublishedVersion, utcnow
from web.notify import notify

OFFER_STATUS_NO = {
    "open": "åpen",
    "accepted": "venter på leder",
    "approved": "godkjent",
    "refused": "avvist",
    "withdrawn": "trukket",
    "declined": "takket nei",
}
OFFER_KINDS = (ChangeKind.giveaway, ChangeKind.swap, ChangeKind.board)


def _offer(s: Session, row: LegevaktRow, offer_id: int) -> DutyOffer:
    found = s.get(DutyOffer, offer_id)
    if found is None or found.legevakt_id != row.id:
        raise not_found("Tilbudet")
    return found


def listed(
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


def not_started(shift: Shift, now: dt.datetime) -> None:
    """409 for a duty that has begun: doctors change only duties ahead; what happened on a duty
    already under way (sickness) is the leader's hand move."""
    if shift.start <= now:
        raise AppError(
            409,
            "vakt_begynt",
            f"{describe_duty(shift)} har begynt eller er over og kan ikke byttes eller gis bort. "
            "Snakk med lederen.",
        )


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
    not_started(shift, utcnow())
    if any(o.shift_id == shift.id and o.from_doctor == doctor_id for o in listed(s, row)):
        raise AppError(409, "allerede_tilbudt", "Du har allerede et åpent tilbud på denne vakten.")
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
        not_started(cur.shift(swap_shift_id), utcnow())
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
            raise refused(cur.instance, found, cur.name(to_doctor), doctor_id)
    s.add(o)
    s.flush()
    if to_doctor:
        what = "et bytte" if k == ChangeKind.swap else "å ta"
        text = f"{cur.name(doctor_id)} tilbyr deg {what}: {describe_offer(cur, o)}."
        notify(s, row, cur.instance, to_doctor, text, smtp)
    store.audit(
        s, doctor_id, "vakt_tilbudt", f"{shift.id} ({k.value}) til {to_doctor or 'vaktbørsen'}", row
    )
    return o


def describe_offer(cur: Current, o: DutyOffer) -> str:
    """'Natt (hjemmevakt) søndag 21.02 23:00–08:00' and, for a swap, 'mot …'."""
    text = describe_duty(cur.shift(o.shift_id))
    if o.swap_shift_id:
        text += f" mot {describe_duty(cur.shift(o.swap_shift_id))}"
    return text


def _still_holds(cur: Current, o: DutyOffer, taker: str) -> None:
    """409 when another change overtook the offer: the giver no longer has the duty, or the
    colleague no longer has the duty of a swap."""
    gone = o.from_doctor not in holders(cur.roster, o.shift_id) or (
        o.swap_shift_id is not None and taker not in holders(cur.roster, o.swap_shift_id)
    )
    if gone:
        raise AppError(
            409, "endret_siden", "Vaktplanen er endret siden tilbudet ble gitt; det gjelder ikke."
        )


def may_take(cur: Current, o: DutyOffer, doctor_id: str) -> list[Finding]:
    """What taking the offer would break for this doctor ([]: may take it); 409 when the offer
    no longer holds or its duty has begun."""
    _still_holds(cur, o, doctor_id)
    now = utcnow()
    for sid in (o.shift_id, o.swap_shift_id):
        if sid is not None:
            not_started(cur.shift(sid), now)
    return breaches_for(cur.instance, cur.roster, offer_changes(cur, o, doctor_id, utcnow()))


def _takeable(cur: Current, o: DutyOffer, doctor_id: str) -> bool:
    try:
        return not may_take(cur, o, doctor_id)
    except (AppError, InputError):
        return False


def board(s: Session, row: LegevaktRow, doctor_id: str) -> list[DutyOffer]:
    """Open board offers this doctor may take: the board shows only those (the checker
    decides)."""
    cur = current(s, row)
    return [
        o
        for o in listed(s, row, ("open",))
        if o.kind == ChangeKind.board.value
        and o.from_doctor != doctor_id
        and _takeable(cur, o, doctor_id)
    ]


def to_me(s: Session, row: LegevaktRow, doctor_id: str) -> list[tuple[DutyOffer, bool]]:
    """Open offers made to this doctor by name (give-aways and swaps), each with whether it may
    still be taken without breaking a rule."""
    cur = current(s, row)
    return [
        (o, _takeable(cur, o, doctor_id))
        for o in listed(s, row, ("open",))
        if o.to_doctor == doctor_id
    ]


def eligible_colleagues(s: Session, row: LegevaktRow, doctor_id: str, shift_id: str) -> list[str]:
    """The colleague list for a give-away: only doctors for whom every rule holds."""
    cur = current(s, row)
    found = colleagues(cur.instance, cur.roster, shift_id, doctor_id, ChangeKind.giveaway, utcnow())
    return sorted((d for d, f in found.items() if not f), key=cur.name)


def swap_options(
    cur: Current, doctor_id: str, shift_id: str, colleague: str
) -> list[tuple[str, list[Finding]]]:
    """The colleague's duties, each with what swapping `shift_id` for it would break ([]: the
    swap keeps every rule, for both doctors)."""
    mine = cur.shift(shift_id)
    at = utcnow()
    out: list[tuple[str, list[Finding]]] = []
    shifts = {sh.id: sh for sh in cur.instance.shifts}
    theirs = sorted(
        (a.shift_id for a in cur.roster.assignments if a.doctor_id == colleague),
        key=lambda sid: shifts[sid].t0,
    )
    for sid in theirs:
        if doctor_id in holders(cur.roster, sid) or colleague in holders(cur.roster, mine.id):
            continue
        if shifts[sid].start <= at:
            continue  # begun: not to be swapped
        batch = [
            move(mine, doctor_id, colleague, ChangeKind.swap, at),
            move(shifts[sid], colleague, doctor_id, ChangeKind.swap, at),
        ]
        try:
            out.append((sid, breaches_for(cur.instance, cur.roster, batch)))
        except InputError:
            continue
    return out


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
        raise refused(cur.instance, found, cur.name(doctor_id), doctor_id)
    o.status, o.taken_by, o.taken_at = "accepted", doctor_id, utcnow()
    verb = "bytter" if o.swap_shift_id else "tar"
    text = f"{cur.name(doctor_id)} {verb} {describe_offer(cur, o)} (fra {cur.name(o.from_doctor)})."
    store.audit(s, doctor_id, "tilbud_akseptert", f"tilbud {o.id}: {o.shift_id}", row)
    if policy(s, row).approval == "auto":
        notify(s, row, cur.instance, o.from_doctor, text, smtp)
        approve(s, row, o.id, "auto", smtp)
    else:
        notify(s, row, cur.instance, o.from_doctor, text + " Venter på lederens godkjenning.", smtp)
        notify(s, row, cur.instance, None, text + " Venter på godkjenning.", smtp)
    return o


def decline(
    s: Session, row: LegevaktRow, doctor_id: str, offer_id: int, smtp: SmtpSettings | None
) -> None:
    """The named colleague says no."""
    o = _offer(s, row, offer_id)
    if o.to_doctor != doctor_id:
        raise AppError(403, "ikke_ditt", "Dette tilbudet er ikke til deg.")
    if o.status != "open":
        raise AppError(409, "ikke_aapent", "Tilbudet er ikke åpent lenger.")
    o.status, o.decided_by, o.decided_at = "declined", doctor_id, utcnow()
    cur = current(s, row)
    text = f"{cur.name(doctor_id)} takket nei til {describe_offer(cur, o)}."
    notify(s, row, cur.instance, o.from_doctor, text, smtp)
    store.audit(s, doctor_id, "tilbud_avslått", f"tilbud {o.id}", row)


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
    """The leader (or the automatic policy) approves an accepted offer: a new version, and
    every doctor whose duties changed is told."""
    o = _offer(s, row, offer_id)
    if o.status != "accepted" or o.taken_by is None:
        raise AppError(409, "ikke_akseptert", "Tilbudet er ikke akseptert av en kollega.")
    cur = current(s, row)
    _still_holds(cur, o, o.taken_by)
    changes = offer_changes(cur, o, o.taken_by, utcnow())
    o.status, o.decided_by, o.decided_at = "approved", username, utcnow()
    headline = f"Godkjent: {cur.name(o.taken_by)} overtar {describe_offer(cur, o)}."
    v = amend(s, row, changes, username, f"tilbud {o.id}", smtp, headline, offer_id=o.id)
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
    text = f"Avvist av lederen: {describe_offer(cur, o)}. {reason}".strip()
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
    why = note or CHANGE_KIND_NO[ChangeKind(kind)]
    headline = f"Lederen har flyttet {describe_duty(cur.shift(shift_id))} ({why})."
    v = amend(s, row, [change], username, why, smtp, headline)
    s.commit()
    return v
