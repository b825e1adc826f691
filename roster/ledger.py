"""The worked ledger: what each doctor and each member municipality was assigned at
publication, how the changes moved duties, and what was worked, against the fair target.

Figures against target come from roster.fairness.evaluate on the worked roster (the one
implementation of targets). Voluntary extra duty is the duty a doctor holds through a
give-away or the open board: taken of free will, nothing given back; it is counted apart from
assigned duty. The carry-over for the next period is worked points minus target, and the big
holidays worked, in the form instance.yaml reads under `history:`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from roster.changes import VOLUNTARY, Change, Worked, apply_changes
from roster.eligibility import big_holiday_year
from roster.fairness import CATEGORIES, evaluate, in_category
from roster.formats.exchange import Roster
from roster.instance import Instance
from roster.model import BigHolidayDuty, ChangeKind, History, Mode

#: How a doctor's duties moved, in the order the ledger shows them.
MOVES = (
    "swapped_in",
    "swapped_out",
    "given_away",
    "taken_given",
    "taken_from_board",
    "leader_in",
    "leader_out",
    "sick",
)


@dataclass
class Tally:
    """Duties, hours and points of one set of duties."""

    duties: int = 0
    points: int = 0
    minutes_onsite: int = 0
    minutes_standby: int = 0

    def add(self, points: int, minutes: int, mode: Mode) -> None:
        self.duties += 1
        self.points += points
        if mode == Mode.onsite:
            self.minutes_onsite += minutes
        else:
            self.minutes_standby += minutes

    def merge(self, other: Tally) -> None:
        self.duties += other.duties
        self.points += other.points
        self.minutes_onsite += other.minutes_onsite
        self.minutes_standby += other.minutes_standby


@dataclass
class LedgerLine:
    """One doctor, or one municipality (with its doctors' figures added up)."""

    id: str
    name: str
    municipality: str
    assigned: Tally = field(default_factory=Tally)
    worked: Tally = field(default_factory=Tally)
    voluntary: Tally = field(default_factory=Tally)
    moves: dict[str, int] = field(default_factory=lambda: {m: 0 for m in MOVES})
    count_by_category: dict[str, int] = field(default_factory=lambda: {c: 0 for c in CATEGORIES})
    points_by_category: dict[str, int] = field(default_factory=lambda: {c: 0 for c in CATEGORIES})
    target: float | None = None
    category_targets: dict[str, float] = field(default_factory=dict)

    @property
    def deviation(self) -> float | None:
        return None if self.target is None else self.worked.points - self.target

    def merge(self, other: LedgerLine) -> None:
        for mine, theirs in (
            (self.assigned, other.assigned),
            (self.worked, other.worked),
            (self.voluntary, other.voluntary),
        ):
            mine.merge(theirs)
        for m in MOVES:
            self.moves[m] += other.moves[m]
        for c in CATEGORIES:
            self.count_by_category[c] += other.count_by_category[c]
            self.points_by_category[c] += other.points_by_category[c]
            if c in other.category_targets:
                self.category_targets[c] = (
                    self.category_targets.get(c, 0.0) + (other.category_targets[c])
                )


@dataclass
class Ledger:
    doctors: list[LedgerLine]
    municipalities: list[LedgerLine]
    worked: Worked
    history: History
    window: tuple[dt.date, dt.date] | None = None


_MOVE_OF: dict[ChangeKind, tuple[str, str]] = {
    # kind: (move for the doctor who gives, move for the doctor who takes)
    ChangeKind.swap: ("swapped_out", "swapped_in"),
    ChangeKind.giveaway: ("given_away", "taken_given"),
    ChangeKind.board: ("given_away", "taken_from_board"),
    ChangeKind.leader: ("leader_out", "leader_in"),
    ChangeKind.sick: ("leader_out", "leader_in"),
}


def _count_moves(lines: dict[str, LedgerLine], changes: Sequence[Change]) -> None:
    for c in changes:
        out, into = _MOVE_OF[c.kind]
        if c.from_doctor:
            lines[c.from_doctor].moves[out] += 1
            if c.kind == ChangeKind.sick:
                lines[c.from_doctor].moves["sick"] += 1
        if c.to_doctor:
            lines[c.to_doctor].moves[into] += 1


def carry_over(instance: Instance, lines: Sequence[LedgerLine], worked: Roster) -> History:
    """The next period's `history:`: per compared doctor, worked points minus their fair part
    of the points the compared doctors worked together (the targets scaled to that total, so
    the carry-over adds up to zero: a duty nobody worked is nobody's debt), and the big
    holidays worked added to those the instance already knew."""
    shifts = {s.id: s for s in instance.shifts}
    seen = {(h.year, h.holiday, h.doctor) for h in instance.history.big_holidays}
    big = list(instance.history.big_holidays)
    for a in worked.assignments:
        s = shifts[a.shift_id]
        if s.big_holiday is None:
            continue
        key = (big_holiday_year(s.date, s.big_holiday), s.big_holiday, a.doctor_id)
        if key not in seen:
            seen.add(key)
            big.append(BigHolidayDuty(year=key[0], holiday=key[1], doctor=key[2]))
    big.sort(key=lambda h: (h.year, h.holiday.value, h.doctor))
    compared = [line for line in lines if line.target is not None]
    aimed = sum(line.target or 0.0 for line in compared)
    scale = sum(line.worked.points for line in compared) / aimed if aimed else 0.0
    carry = {
        line.id: round(line.worked.points - (line.target or 0.0) * scale, 2) for line in compared
    }
    return History(carry_points=carry, big_holidays=tuple(big))


def _in(window: tuple[dt.date, dt.date] | None, day: dt.date) -> bool:
    return window is None or window[0] <= day <= window[1]


def month_window(year: int, month: int) -> tuple[dt.date, dt.date]:
    """First and last date of a calendar month."""
    first = dt.date(year, month, 1)
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    return first, nxt - dt.timedelta(days=1)


def ledger(
    instance: Instance,
    roster: Roster,
    changes: Sequence[Change] = (),
    window: tuple[dt.date, dt.date] | None = None,
) -> Ledger:
    """Assigned versus worked per doctor and per municipality. With `window` (first and last
    date, e.g. a month for payroll), only duties starting in it count and there is no target
    (targets are for the whole period). Raises InputError when the changes cannot be applied
    to the roster."""
    worked = apply_changes(instance, roster, changes)
    shifts = {s.id: s for s in instance.shifts}
    lines = {d.id: LedgerLine(d.id, d.name, d.municipality) for d in instance.doctors}
    for a in roster.assignments:
        s = shifts[a.shift_id]
        if _in(window, s.date):
            lines[a.doctor_id].assigned.add(s.points, s.minutes, s.mode)
    for h in worked.held:
        s = shifts[h.shift_id]
        if not _in(window, s.date):
            continue
        line = lines[h.doctor_id]
        line.worked.add(s.points, s.minutes, s.mode)
        if h.kind in VOLUNTARY:
            line.voluntary.add(s.points, s.minutes, s.mode)
        for c in CATEGORIES:
            if in_category(s, c):
                line.count_by_category[c] += 1
                line.points_by_category[c] += s.points
    _count_moves(lines, [c for c in changes if _in(window, c.date)])
    report = evaluate(instance, worked.roster)
    if window is None:
        for load in report.doctors:
            lines[load.doctor_id].target = load.target
            lines[load.doctor_id].category_targets = dict(load.category_targets)
    doctors = [lines[d.id] for d in instance.doctors]
    municipalities = []
    for m, mload in zip(instance.legevakt.municipalities, report.municipalities, strict=True):
        total = LedgerLine(m.id, m.name, m.id)
        for line in doctors:
            if line.municipality == m.id:
                total.merge(line)
        if window is None:
            total.target = mload.target  # the municipality's key, not its doctors' sum
        municipalities.append(total)
    return Ledger(
        doctors=doctors,
        municipalities=municipalities,
        worked=worked,
        history=carry_over(instance, doctors, worked.roster),
        window=window,
    )
