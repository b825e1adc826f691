"""Who may take a duty, and the kompetansebakvakt that goes with it.

The checker decides: a colleague may take a duty (or swap for one) when the roster with the
change breaks no hard rule that it did not break before. A primary duty that moves to a doctor
who may not work alone takes a kompetansebakvakt with it (a competent colleague on an empty
seat of a back-up shift covering it); a back-up that no primary needs any longer is released.
Both are changes of kind `leader`: the legevakt makes them, not the doctors who swapped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from roster.calendar import Shift
from roster.changes import Change, FindingKey, apply_changes, breach_keys, new_breaches
from roster.checker import Finding
from roster.errors import InputError
from roster.formats.exchange import Roster
from roster.instance import Instance
from roster.model import ChangeKind, Role


def move(
    shift: Shift,
    frm: str | None,
    to: str | None,
    kind: ChangeKind,
    at: dt.datetime,
    approved_by: str = "",
    note: str = "",
) -> Change:
    return Change(
        changed_at=at,
        date=shift.date,
        type_id=shift.type_id,
        role=shift.role,
        from_doctor=frm,
        to_doctor=to,
        kind=kind,
        approved_by=approved_by,
        note=note,
    )


def holders(roster: Roster, shift_id: str) -> list[str]:
    return sorted(a.doctor_id for a in roster.assignments if a.shift_id == shift_id)


def _backup_pairing(
    instance: Instance, roster: Roster, changes: list[Change], had: set[FindingKey]
) -> list[Change]:
    """Back-up changes that let `changes` keep every rule, or [] when none are needed (or
    none can be found: the caller then sees the competence_backup breach)."""
    found = new_breaches(instance, roster, changes, had)
    if not any(f.rule == "competence_backup" for f in found):
        return []
    after = apply_changes(instance, roster, changes).roster
    shifts = {s.id: s for s in instance.shifts}
    at, kind = changes[-1].changed_at, ChangeKind.leader
    for c in changes:
        primary = shifts[c.shift_id]
        if primary.role != Role.primary or not c.to_doctor:
            continue
        for t in instance.shifts:
            if not t.backs_up(primary) or len(holders(after, t.id)) >= t.doctors:
                continue
            for d in instance.doctors:
                if d.id in holders(after, t.id) or d.id == c.to_doctor:
                    continue
                extra = move(t, None, d.id, kind, at, note=f"kompetansebakvakt for {c.to_doctor}")
                try:
                    if not new_breaches(instance, roster, [*changes, extra], had):
                        return [extra]
                except InputError:
                    continue
    return []


def _released_backups(instance: Instance, roster: Roster, changes: list[Change]) -> list[Change]:
    """Back-up seats no primary needs once the changes are made: released (left empty)."""
    after = apply_changes(instance, roster, changes).roster
    before_keys = breach_keys(instance, after)
    at, kind = changes[-1].changed_at, ChangeKind.leader
    shifts = {s.id: s for s in instance.shifts}
    out: list[Change] = []
    touched = {shifts[c.shift_id].id for c in changes}
    for t in instance.shifts:
        if t.role != Role.backup_competence or not holders(after, t.id):
            continue
        if not any(t.backs_up(shifts[sid]) for sid in touched):
            continue
        for d in holders(after, t.id):
            release = move(t, d, None, kind, at, note="kompetansebakvakt trengs ikke lenger")
            if not new_breaches(instance, after, release, before_keys):
                out.append(release)
    return out


def with_backup(instance: Instance, roster: Roster, changes: Sequence[Change]) -> list[Change]:
    """The changes, with the kompetansebakvakt following them: paired where the new primary
    needs one, released where nobody needs it any more."""
    had = breach_keys(instance, roster)
    batch = list(changes)
    batch += _backup_pairing(instance, roster, batch, had)
    return batch + _released_backups(instance, roster, batch)


def breaches_for(instance: Instance, roster: Roster, changes: Sequence[Change]) -> list[Finding]:
    """What a change (with its back-up pairing) would break: [] means it may be made."""
    return new_breaches(instance, roster, with_backup(instance, roster, changes))


def colleagues(
    instance: Instance, roster: Roster, shift_id: str, frm: str, kind: ChangeKind, at: dt.datetime
) -> dict[str, list[Finding]]:
    """For every other doctor: what taking the duty would break ([]: may take it). The board
    and the colleague list show only those with []."""
    shift = next(s for s in instance.shifts if s.id == shift_id)
    had = breach_keys(instance, roster)
    on_shift = set(holders(roster, shift_id))
    out: dict[str, list[Finding]] = {}
    for d in instance.doctors:
        if d.id == frm or d.id in on_shift:
            continue
        batch = [move(shift, frm, d.id, kind, at)]
        batch += _backup_pairing(instance, roster, batch, had)
        out[d.id] = new_breaches(instance, roster, batch, had)
    return out
