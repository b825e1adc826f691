"""iCalendar feeds: one calendar per doctor and one for the whole legevakt.

Built with the `icalendar` library. Event UIDs come from stable ids (date, shift type, role,
the legevakt's host name), never from list positions, so a re-plan updates the same events in
a subscribed calendar. With the previous roster, changed duties get a higher SEQUENCE and
duties taken away are published as cancelled. The clock (`now`) is passed in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from icalendar import Calendar, Event

from roster.calendar import Shift
from roster.exchange import Roster
from roster.glossary import MODE_NO, ROLE_NO
from roster.instance import Instance
from roster.model import Mode, Role

PRODID = "-//Vaktplan//Legevakt//NO"
TZID = "Europe/Oslo"
REFRESH = "PT1H"
ALL_NAME = "all"


@dataclass(frozen=True)
class Duty:
    """One doctor's place on one shift, as an event."""

    shift: Shift
    seat: int  # 1-based; only part of the UID when the shift needs several doctors
    doctor_id: str


def _seats(shifts: list[Shift], roster: Roster, earlier: dict[tuple[str, int], str]) -> list[Duty]:
    """Who sits in which seat of each shift. Doctors that kept a shift keep their seat from
    `earlier`; the others fill the free seats in doctor-id order. Never depends on list order."""
    by_shift = roster.by_shift()
    out: list[Duty] = []
    for s in shifts:
        doctors = sorted(set(by_shift.get(s.id, [])))
        if not doctors:
            continue
        taken: dict[int, str] = {}
        for seat in range(1, len(doctors) + s.doctors + 1):
            d = earlier.get((s.id, seat))
            if d in doctors:
                taken[seat] = d
        rest = [d for d in doctors if d not in taken.values()]
        seat = 1
        for d in rest:
            while seat in taken:
                seat += 1
            taken[seat] = d
        out.extend(Duty(s, seat, d) for seat, d in sorted(taken.items()))
    return out


def duties(instance: Instance, roster: Roster, previous: Roster | None = None) -> list[Duty]:
    """The duties of `roster`, seated to change as little as possible from `previous`."""
    earlier = {}
    if previous is not None:
        earlier = {(d.shift.id, d.seat): d.doctor_id for d in _seats(instance.shifts, previous, {})}
    return _seats(instance.shifts, roster, earlier)


def event_uid(instance: Instance, duty: Duty, with_seat: bool) -> str:
    s = duty.shift
    seat = f"-{duty.seat}" if with_seat and s.doctors > 1 else ""
    return f"{s.id}-{s.role.value}{seat}@{instance.legevakt.host}"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def summary(shift: Shift) -> str:
    """'Legevakt natt – hjemmevakt', 'Kompetansebakvakt kveld'."""
    mode = MODE_NO[shift.mode]
    label = shift.label.strip()
    if label.lower().endswith(f"({mode})"):
        label = label[: -len(mode) - 2].strip()
    if shift.role == Role.primary:
        if mode in label.lower():
            return f"Legevakt {_lower_first(label)}"
        return f"Legevakt {_lower_first(label)} – {mode}"
    role = ROLE_NO[shift.role]
    if role in label.lower():
        return label
    return f"{role.capitalize()} {_lower_first(label)}"


def location(instance: Instance, shift: Shift) -> str:
    if shift.mode == Mode.standby:
        minutes = shift.response_minutes
        return f"Hjemmevakt, responstid {minutes} min" if minutes is not None else "Hjemmevakt"
    return instance.legevakt.address or instance.legevakt.name


def _covers(backup: Shift, primary: Shift) -> bool:
    return (
        backup.role == Role.backup_competence
        and primary.type_id in backup.covers
        and backup.t0 <= primary.t0
        and primary.t1 <= backup.t1
    )


def _names(instance: Instance, by_shift: dict[str, list[str]], shift: Shift) -> str:
    ids = sorted(set(by_shift.get(shift.id, [])))
    return ", ".join(instance.doctor(i).name for i in ids) or "ikke bemannet"


def description(instance: Instance, roster: Roster, shift: Shift) -> str:
    """Who is lege i vakt and who is kompetansebakvakt on this shift, and the phone number."""
    by_shift = roster.by_shift()
    if shift.role == Role.backup_competence:
        primaries = [p for p in instance.shifts if _covers(shift, p)]
        backups = [shift]
    else:
        primaries = [shift]
        backups = [b for b in instance.shifts if _covers(b, shift)]
    lines: list[str] = []
    role_title = ROLE_NO[shift.role].capitalize()
    if shift.role == Role.backup_other:
        lines.append(f"{role_title}: {_names(instance, by_shift, shift)}")
    else:
        title = ROLE_NO[Role.primary].capitalize()
        if len(primaries) == 1:
            lines.append(f"{title}: {_names(instance, by_shift, primaries[0])}")
        for p in primaries if len(primaries) > 1 else []:
            lines.append(f"{title} ({_lower_first(p.label)}): {_names(instance, by_shift, p)}")
        backup_title = ROLE_NO[Role.backup_competence].capitalize()
        staffed = [b for b in backups if by_shift.get(b.id)]
        if not staffed:
            lines.append(f"{backup_title}: ingen")
        for b in staffed:
            lines.append(f"{backup_title}: {_names(instance, by_shift, b)}")
    if instance.legevakt.phone:
        lines.append(f"Telefon legevakten: {instance.legevakt.phone}")
    return "\n".join(lines)


def _base_calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", TZID)
    cal.add("refresh-interval", dt.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", REFRESH)
    return cal


def _event(
    instance: Instance,
    roster: Roster,
    duty: Duty,
    uid: str,
    now: dt.datetime,
    sequence: int,
    modified: bool,
    cancelled: bool = False,
) -> Event:
    s = duty.shift
    ev = Event()
    ev.add("uid", uid)
    ev.add("dtstamp", now.astimezone(dt.UTC))
    ev.add("dtstart", s.start)
    ev.add("dtend", s.end)
    ev.add("summary", summary(s))
    ev.add("location", location(instance, s))
    ev.add("description", description(instance, roster, s))
    ev.add("sequence", sequence)
    ev.add("transp", "OPAQUE")
    if modified:
        ev.add("last-modified", now.astimezone(dt.UTC))
    if cancelled:
        ev.add("status", "CANCELLED")
    else:
        ev.add("status", "CONFIRMED")
    return ev


def _sort_key(item: tuple[str, Duty]) -> tuple[int, str, str]:
    return (item[1].shift.t0, item[1].shift.type_id, item[0])


def calendar_for(
    instance: Instance,
    roster: Roster,
    doctor_id: str | None,
    previous: Roster | None = None,
    *,
    now: dt.datetime,
) -> Calendar:
    """The calendar of one doctor (`doctor_id`) or of the whole legevakt (None).

    Without `previous` every event has SEQUENCE 0. With it, a duty whose doctor is the same
    keeps SEQUENCE 0; a new or re-assigned duty gets SEQUENCE 1 and LAST-MODIFIED = now; a
    duty that is gone is published with STATUS:CANCELLED and SEQUENCE 1.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    whole = doctor_id is None
    current = duties(instance, roster, previous)
    old = duties(instance, previous, None) if previous is not None else []
    if not whole:
        current = [d for d in current if d.doctor_id == doctor_id]
        old = [d for d in old if d.doctor_id == doctor_id]
    now_events = {event_uid(instance, d, whole): d for d in current}
    old_events = {event_uid(instance, d, whole): d for d in old}

    name = (
        instance.legevakt.name
        if doctor_id is None
        else f"Legevakt – {instance.doctor(doctor_id).name}"
    )
    cal = _base_calendar(name)
    for uid, duty in sorted(now_events.items(), key=_sort_key):
        if previous is None:
            cal.add_component(_event(instance, roster, duty, uid, now, 0, modified=True))
            continue
        before = old_events.get(uid)
        changed = before is None or before.doctor_id != duty.doctor_id
        cal.add_component(
            _event(instance, roster, duty, uid, now, 1 if changed else 0, modified=changed)
        )
    gone = {uid: d for uid, d in old_events.items() if uid not in now_events}
    for uid, duty in sorted(gone.items(), key=_sort_key):
        assert previous is not None
        cal.add_component(
            _event(instance, roster, duty, uid, now, 1, modified=True, cancelled=True)
        )
    cal.add_missing_timezones()
    return cal


def _doctor_ids(*rosters: Roster | None) -> Iterable[str]:
    return sorted({a.doctor_id for r in rosters if r is not None for a in r.assignments})


def write_ical(
    instance: Instance,
    roster: Roster,
    directory: Path,
    previous: Roster | None = None,
    *,
    now: dt.datetime,
) -> list[Path]:
    """Write DIR/<doctor id>.ics for every doctor with duties (or cancelled duties) and
    DIR/all.ics for the legevakt. Returns the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for doctor_id in _doctor_ids(roster, previous):
        path = directory / f"{doctor_id}.ics"
        path.write_bytes(calendar_for(instance, roster, doctor_id, previous, now=now).to_ical())
        written.append(path)
    path = directory / f"{ALL_NAME}.ics"
    path.write_bytes(calendar_for(instance, roster, None, previous, now=now).to_ical())
    written.append(path)
    return written
