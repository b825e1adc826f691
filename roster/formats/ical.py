"""iCalendar feeds: one calendar per doctor and one for the whole legevakt.

Built with the `icalendar` library. Event UIDs come from stable ids (date, shift type, role,
the legevakt's host name), never from list positions, so a re-plan updates the same events in
a subscribed calendar. With the previous roster, changed duties get a higher SEQUENCE and
duties taken away are published as cancelled. The clock (`now`) is passed in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard, vRecur
from pydantic import Field

from roster.calendar import OSLO, Shift
from roster.formats.exchange import Roster
from roster.glossary import MODE_NO, ROLE_NO
from roster.instance import Instance
from roster.model import Mode, Role, StrictModel, single_line

PRODID = "-//Vaktplan//Legevakt//NO"
TZID = "Europe/Oslo"
REFRESH = "PT1H"
ALL_NAME = "all"
#: Bumped whenever the bytes of a feed change for the same published version (the web
#: feed's ETag is made from it, the version and the doctor, so it can answer 304 unrendered).
FEED_FORMAT = 2

_HOUR = dt.timedelta(hours=1)
#: Central European summer time as Google Calendar and Outlook write it: two rules, each the
#: last Sunday of its month, at 02:00 winter time and 03:00 summer time (01:00 UTC both).
_DST_RULES = (
    (TimezoneDaylight, "CEST", 3, dt.time(2), _HOUR, 2 * _HOUR),
    (TimezoneStandard, "CET", 10, dt.time(3), 2 * _HOUR, _HOUR),
)


def _last_sunday(year: int, month: int) -> dt.date:
    day = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
    return day - dt.timedelta(days=(day.weekday() + 1) % 7)


def _rule_offset(moment: dt.datetime) -> dt.timedelta:
    """The UTC offset `_DST_RULES` give an instant (UTC)."""
    year = moment.year
    starts, ends = (
        dt.datetime.combine(_last_sunday(year, month), dt.time(1), tzinfo=dt.UTC)
        for month in (3, 10)
    )
    return 2 * _HOUR if starts <= moment < ends else _HOUR


@cache
def rules_match_zoneinfo(year: int) -> bool:
    """Do the two yearly rules give every hour of `year` the offset the time-zone database
    gives Europe/Oslo? (True for every year since 1996; checked, not assumed, so a change of
    the law shows up as a different VTIMEZONE instead of duties an hour wrong.)"""
    moment = dt.datetime(year, 1, 1, tzinfo=dt.UTC)
    while moment.year == year:
        if moment.astimezone(OSLO).utcoffset() != _rule_offset(moment):
            return False
        moment += _HOUR
    return True


def vtimezone(years: Iterable[int]) -> Timezone:
    """Europe/Oslo for events in `years`: in the RRULE form (DAYLIGHT and STANDARD, each
    `RRULE:FREQ=YEARLY;BYMONTH=…;BYDAY=-1SU`) that every calendar reads alike, when the rules
    match the time-zone database in all those years; otherwise the transitions listed one by
    one as the icalendar package writes them."""
    wanted = sorted(set(years))
    if not all(rules_match_zoneinfo(y) for y in wanted):
        first, last = dt.date(wanted[0], 1, 1), dt.date(wanted[-1] + 1, 1, 1)
        return Timezone.from_tzinfo(OSLO, TZID, first_date=first, last_date=last)
    tz = Timezone()
    tz.add("tzid", TZID)
    tz.add("x-lic-location", TZID)
    for kind, name, month, local, before, after in _DST_RULES:
        part = kind()
        part.add("tzname", name)
        part.add("tzoffsetfrom", before)
        part.add("tzoffsetto", after)
        part.add("dtstart", dt.datetime.combine(_last_sunday(1970, month), local))
        part.add("rrule", vRecur(freq="YEARLY", bymonth=month, byday="-1SU"))
        tz.add_component(part)
    return tz


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


def seat_all(
    instance: Instance, roster: Roster, previous: Roster | None
) -> tuple[list[Duty], list[Duty]]:
    """The duties of `roster` (seated after `previous`) and of `previous`."""
    old = duties(instance, previous, None) if previous is not None else []
    return duties(instance, roster, previous), old


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


def _names(instance: Instance, by_shift: dict[str, list[str]], shift: Shift) -> str:
    ids = sorted(set(by_shift.get(shift.id, [])))
    return ", ".join(instance.doctor(i).name for i in ids) or "ikke bemannet"


def description(instance: Instance, roster: Roster, shift: Shift) -> str:
    """Who is lege i vakt and who is kompetansebakvakt on this shift, and the phone number."""
    by_shift = roster.by_shift()
    if shift.role == Role.backup_competence:
        primaries = [p for p in instance.shifts if shift.backs_up(p)]
        backups = [shift]
    else:
        primaries = [shift]
        backups = [b for b in instance.shifts if b.backs_up(shift)]
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
    cal.add("x-wr-calname", single_line(name))  # a bare property: never a line break
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
    ev.add("transp", "OPAQUE")
    if cancelled:
        ev.add("status", "CANCELLED")
    else:
        ev.add("status", "CONFIRMED")
    return ev


def _sort_key(item: tuple[str, Duty]) -> tuple[int, str, str]:
    return (item[1].shift.t0, item[1].shift.type_id, item[0])


class EventState(StrictModel):
    """What a feed last published for one event UID: enough to publish the next version."""

    sequence: int = Field(ge=0)
    fingerprint: str
    modified: dt.datetime
    cancelled_at: dt.datetime | None = None
    event: str  # the VEVENT as published, so a cancelled duty can be published again


class FeedState(StrictModel):
    """Per calendar name (doctor id or 'all'), per UID: what was published last time.

    Kept between publications (the CLI writes it as feed-state.json beside the .ics files; the
    web app stores it with each published version), so SEQUENCE counts every change, not just
    the last one, and a cancelled duty stays in the feed for `CANCELLED_KEPT` days."""

    calendars: dict[str, dict[str, EventState]] = Field(default_factory=dict)


CANCELLED_KEPT = dt.timedelta(days=30)
_VOLATILE = ("DTSTAMP", "SEQUENCE", "LAST-MODIFIED")


def _fingerprint(ev: Event) -> str:
    """What an attendee sees of the event; a change here is a change of the duty."""
    text = ev.to_ical().decode().replace("\r\n ", "")
    lines = sorted(x for x in text.split("\r\n") if x and not x.startswith(_VOLATILE))
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:32]


def _parse_event(text: str) -> Event:
    ev = Event.from_ical(text)
    assert isinstance(ev, Event)
    return ev


def _with_version(ev: Event, sequence: int, modified: dt.datetime) -> Event:
    for key in ("SEQUENCE", "LAST-MODIFIED"):
        if key in ev:
            del ev[key]
    ev.add("sequence", sequence)
    ev.add("last-modified", modified.astimezone(dt.UTC))
    return ev


def feed(
    instance: Instance,
    roster: Roster,
    doctor_id: str | None,
    previous: Roster | None = None,
    *,
    now: dt.datetime,
    state: dict[str, EventState] | None = None,
    seated: tuple[list[Duty], list[Duty]] | None = None,
    elsewhere: dict[str, int] | None = None,
) -> tuple[Calendar, dict[str, EventState]]:
    """The calendar of one doctor (`doctor_id`) or of the whole legevakt (None), and the new
    state of that calendar to keep for the next publication.

    With `state` (what this calendar published last time): an event whose content changed gets
    SEQUENCE + 1 and LAST-MODIFIED = now; an unchanged event keeps both; an event that is gone
    is published with STATUS:CANCELLED and SEQUENCE + 1, and kept so for `CANCELLED_KEPT`.
    Without `state` but with `previous` (the roster before): a new or re-assigned duty gets
    SEQUENCE 1, an unchanged one 0, and a duty that is gone is CANCELLED with SEQUENCE 1.
    Without either, every event has SEQUENCE 0. `seated`: `seat_all(...)`, when the caller
    makes many calendars of the same rosters. `elsewhere`: the highest SEQUENCE each UID was
    published with in the other doctors' calendars; a duty new to this calendar that another
    doctor had (a swap, a give-away, a re-plan) continues from it, so both doctors' calendars
    show the change with a higher SEQUENCE.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    whole = doctor_id is None
    current, old = seated or seat_all(instance, roster, previous)
    if not whole:
        current = [d for d in current if d.doctor_id == doctor_id]
        old = [d for d in old if d.doctor_id == doctor_id]
    now_events = {event_uid(instance, d, whole): d for d in current}
    old_events = {event_uid(instance, d, whole): d for d in old}
    known = state if state is not None else {}

    name = (
        instance.legevakt.name
        if doctor_id is None
        else f"Legevakt – {instance.doctor(doctor_id).name}"
    )
    cal = _base_calendar(name)
    period = instance.period
    cal.add_component(vtimezone(range(period.start.year, period.end.year + 2)))
    new_state: dict[str, EventState] = {}
    for uid, duty in sorted(now_events.items(), key=_sort_key):
        ev = _event(instance, roster, duty, uid, now)
        fp = _fingerprint(ev)
        prior = known.get(uid)
        if prior is not None:
            same = prior.fingerprint == fp and prior.cancelled_at is None
            sequence = prior.sequence if same else prior.sequence + 1
            modified = prior.modified if same else now
        elif state is None and previous is not None:
            before = old_events.get(uid)
            same = before is not None and before.doctor_id == duty.doctor_id
            sequence, modified = (0, now) if same else (1, now)
        elif elsewhere and uid in elsewhere:
            sequence, modified = elsewhere[uid] + 1, now
        else:
            sequence, modified = 0, now
        _with_version(ev, sequence, modified)
        cal.add_component(ev)
        new_state[uid] = EventState(
            sequence=sequence, fingerprint=fp, modified=modified, event=ev.to_ical().decode()
        )

    cancelled: dict[str, EventState] = {}
    for uid, duty in sorted(old_events.items(), key=_sort_key):
        if uid in now_events or state is not None:
            continue  # with a state, what is gone is what the state published
        ev = _event(instance, previous or roster, duty, uid, now, cancelled=True)
        _with_version(ev, 1, now)
        cancelled[uid] = EventState(
            sequence=1,
            fingerprint=_fingerprint(ev),
            modified=now,
            cancelled_at=now,
            event=ev.to_ical().decode(),
        )
    for uid, prior in sorted(known.items()):
        if uid in now_events:
            continue
        if prior.cancelled_at is not None:
            if now - prior.cancelled_at < CANCELLED_KEPT:
                cancelled[uid] = prior
            continue
        ev = _parse_event(prior.event)
        del ev["STATUS"]
        ev.add("status", "CANCELLED")
        del ev["DTSTAMP"]
        ev.add("dtstamp", now.astimezone(dt.UTC))
        _with_version(ev, prior.sequence + 1, now)
        cancelled[uid] = EventState(
            sequence=prior.sequence + 1,
            fingerprint=_fingerprint(ev),
            modified=now,
            cancelled_at=now,
            event=ev.to_ical().decode(),
        )
    for uid, st in sorted(cancelled.items(), key=lambda kv: kv[0]):
        ev = _parse_event(st.event)
        del ev["DTSTAMP"]
        ev.add("dtstamp", now.astimezone(dt.UTC))
        cal.add_component(ev)
        new_state[uid] = st
    return cal, new_state


def calendar_for(
    instance: Instance,
    roster: Roster,
    doctor_id: str | None,
    previous: Roster | None = None,
    *,
    now: dt.datetime,
) -> Calendar:
    """The calendar of one doctor (`doctor_id`) or of the whole legevakt (None); see `feed`."""
    return feed(instance, roster, doctor_id, previous, now=now)[0]


def _doctor_ids(*rosters: Roster | None) -> Iterable[str]:
    return sorted({a.doctor_id for r in rosters if r is not None for a in r.assignments})


def sequences_elsewhere(state: FeedState | None) -> dict[str, int]:
    """Per event UID, the highest SEQUENCE it was published with in any doctor's calendar
    (`feed`'s `elsewhere`: a duty that changes hands continues its SEQUENCE)."""
    out: dict[str, int] = {}
    for key, events in (state.calendars if state is not None else {}).items():
        if key == ALL_NAME:
            continue
        for uid, st in events.items():
            out[uid] = max(out.get(uid, 0), st.sequence)
    return out


def feeds(
    instance: Instance,
    roster: Roster,
    previous: Roster | None = None,
    *,
    now: dt.datetime,
    state: FeedState | None = None,
) -> tuple[dict[str, Calendar], FeedState]:
    """Every calendar to publish, by name (doctor id, and `ALL_NAME` for the legevakt), and
    the feed state to keep for the next publication. A doctor gets a calendar while they have
    duties or cancelled duties to show."""
    known = state.calendars if state is not None else {}
    staff = {d.id for d in instance.doctors}
    names = (set(_doctor_ids(roster, previous)) | set(known)) & staff
    calendars: dict[str, Calendar] = {}
    kept: dict[str, dict[str, EventState]] = {}
    seated = seat_all(instance, roster, previous)  # once, not once per calendar
    elsewhere = sequences_elsewhere(state)
    for key in [*sorted(names), ALL_NAME]:
        doctor_id = None if key == ALL_NAME else key
        calendars[key], kept[key] = feed(
            instance,
            roster,
            doctor_id,
            previous,
            now=now,
            state=None if state is None else known.get(key, {}),
            seated=seated,
            elsewhere=None if key == ALL_NAME else elsewhere,
        )
    return calendars, FeedState(calendars=kept)


def write_ical(
    instance: Instance,
    roster: Roster,
    directory: Path,
    previous: Roster | None = None,
    *,
    now: dt.datetime,
    state: FeedState | None = None,
) -> list[Path]:
    """Write DIR/<doctor id>.ics for every doctor with duties (or cancelled duties) and
    DIR/all.ics for the legevakt. Returns the files written. See `publish_ical` for keeping
    the state between publications."""
    calendars, _ = feeds(instance, roster, previous, now=now, state=state)
    return _write_calendars(directory, calendars)


def _write_calendars(directory: Path, calendars: dict[str, Calendar]) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for key, cal in calendars.items():
        path = directory / f"{key}.ics"
        path.write_bytes(cal.to_ical())
        written.append(path)
    return written


def publish_ical(
    instance: Instance,
    roster: Roster,
    directory: Path,
    previous: Roster | None = None,
    *,
    now: dt.datetime,
) -> list[Path]:
    """Like `write_ical`, but continues from the feed state a former publication left in
    DIR (feed-state.json) and leaves the new state there: SEQUENCE then counts every
    re-plan published to DIR, and cancelled duties stay visible for a while."""
    calendars, state = feeds(instance, roster, previous, now=now, state=read_feed_state(directory))
    written = _write_calendars(directory, calendars)
    write_feed_state(directory, state)
    return written


STATE_FILE = "feed-state.json"


def read_feed_state(directory: Path) -> FeedState | None:
    """The state that `write_feed_state` left in DIR, if any (unreadable state is ignored:
    the feed then starts counting again, which calendar apps accept)."""
    path = directory / STATE_FILE
    if not path.is_file():
        return None
    try:
        return FeedState.model_validate_json(path.read_text(encoding="utf-8"))
    except ValueError:
        return None


def write_feed_state(directory: Path, state: FeedState) -> Path:
    path = directory / STATE_FILE
    path.write_text(state.model_dump_json(indent=1), encoding="utf-8")
    return path
