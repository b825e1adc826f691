"""Changes after publication: swaps, give-aways, the open board, the leader's moves, sickness.

A change moves one seat on one shift from one doctor to another (a swap is two changes, one
each way). Applying the changes in order to the published roster gives the worked roster.
Every worked duty remembers how the doctor came to hold it (its provenance), which the ledger
counts. `judge` runs the independent checker after each change, so that every breach in the
worked roster is named with the change that brought it in.

Pure and deterministic: the changes carry their own time stamps; nothing reads a clock.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from pydantic import Field

from roster.calendar import shift_id
from roster.checker import CheckResult, Finding, check
from roster.errors import InputError, Problem
from roster.formats.exchange import Assignment, Roster
from roster.instance import Instance
from roster.model import ChangeKind, Role, StrictModel

#: Kinds where the doctor taking the duty does so of free will and without giving one back:
#: voluntary extra duty, shown apart from assigned duty in the ledger.
VOLUNTARY = frozenset({ChangeKind.giveaway, ChangeKind.board})
#: Kinds decided by the leader.
BY_LEADER = frozenset({ChangeKind.leader, ChangeKind.sick})


class Change(StrictModel):
    """One line of changes.csv: the seat of `from_doctor` on a shift goes to `to_doctor`.

    An empty `from_doctor` fills an empty seat (a hole); an empty `to_doctor` leaves the seat
    empty (a sick doctor with no one to cover yet)."""

    line: int = Field(default=0, ge=0, description="Line in changes.csv; 0 when not from a file")
    changed_at: dt.datetime
    date: dt.date
    type_id: str
    role: Role
    from_doctor: str | None = None
    to_doctor: str | None = None
    kind: ChangeKind
    approved_by: str = ""
    note: str = ""

    @property
    def shift_id(self) -> str:
        return shift_id(self.date, self.type_id)

    @property
    def doctors(self) -> tuple[str, ...]:
        return tuple(d for d in (self.from_doctor, self.to_doctor) if d)


@dataclass(frozen=True)
class Held:
    """How a doctor came to hold a worked duty: the change that gave it (None: published)."""

    shift_id: str
    doctor_id: str
    change: Change | None = None

    @property
    def kind(self) -> ChangeKind | None:
        return None if self.change is None else self.change.kind


@dataclass
class Worked:
    """The worked roster and how each of its duties came about."""

    roster: Roster
    held: list[Held]
    changes: list[Change] = field(default_factory=list)


def _problem(file: str, change: Change, message: str, column: str | None = None) -> Problem:
    return Problem(file=file, line=change.line or None, column=column, message=message)


def _where(change: Change) -> str:
    return f"{change.date.isoformat()} {change.type_id}"


def _kind_problems(file: str, c: Change) -> list[Problem]:
    out = []
    if c.from_doctor and c.from_doctor == c.to_doctor:
        out.append(_problem(file, c, "samme lege i from_doctor og to_doctor", "to_doctor"))
    if not c.from_doctor and not c.to_doctor:
        out.append(_problem(file, c, "from_doctor og to_doctor kan ikke begge være tomme"))
    if c.kind in (ChangeKind.swap, ChangeKind.giveaway, ChangeKind.board, ChangeKind.sick):
        if not c.from_doctor:
            out.append(_problem(file, c, f"«{c.kind}» krever from_doctor", "from_doctor"))
    if c.kind in (ChangeKind.swap, ChangeKind.giveaway, ChangeKind.board) and not c.to_doctor:
        out.append(_problem(file, c, f"«{c.kind}» krever to_doctor", "to_doctor"))
    return out


def _swap_problems(file: str, changes: Sequence[Change]) -> list[Problem]:
    """A swap is two lines, one each way: A gives B a duty and B gives A one."""
    pairs = Counter(
        (c.from_doctor, c.to_doctor) for c in changes if c.kind == ChangeKind.swap and c.to_doctor
    )
    out = []
    for c in changes:
        if c.kind != ChangeKind.swap or not c.from_doctor or not c.to_doctor:
            continue
        if pairs[(c.to_doctor, c.from_doctor)] < pairs[(c.from_doctor, c.to_doctor)]:
            out.append(
                _problem(
                    file,
                    c,
                    f"bytte uten motsvarende linje: {c.to_doctor} gir ingen vakt tilbake til "
                    f"{c.from_doctor} (et bytte er to linjer, én hver vei; ellers giveaway)",
                    "kind",
                )
            )
    return out


def apply_changes(
    instance: Instance, roster: Roster, changes: Sequence[Change], file: str = "changes.csv"
) -> Worked:
    """The worked roster: the changes applied in order. Raises InputError with every problem
    (unknown shift or doctor, a doctor who does not hold the duty at that point, ...)."""
    shifts = {s.id: s for s in instance.shifts}
    held: dict[tuple[str, str], Held] = {
        (a.shift_id, a.doctor_id): Held(a.shift_id, a.doctor_id) for a in roster.assignments
    }
    problems: list[Problem] = []
    before: dt.datetime | None = None
    for c in changes:
        found = _kind_problems(file, c)
        if before is not None and c.changed_at < before:
            found.append(
                _problem(
                    file,
                    c,
                    "changed_at er tidligere enn linjen over (endringene skal stå i tidsrekkefølge)",
                    "changed_at",
                )
            )
        before = c.changed_at
        shift = shifts.get(c.shift_id)
        if shift is None:
            found.append(
                _problem(file, c, f"ukjent vakt «{c.type_id}» den {c.date} (finnes ikke i planen)")
            )
        elif shift.role != c.role:
            found.append(
                _problem(file, c, f"«{c.role}» stemmer ikke med vakttypen («{shift.role}»)", "role")
            )
        for col, who in (("from_doctor", c.from_doctor), ("to_doctor", c.to_doctor)):
            if who and not instance.has_doctor(who):
                found.append(_problem(file, c, f"ukjent lege «{who}»", col))
        if not found and c.from_doctor and (c.shift_id, c.from_doctor) not in held:
            found.append(
                _problem(
                    file,
                    c,
                    f"{c.from_doctor} har ikke vakten {_where(c)} (etter endringene over)",
                    "from_doctor",
                )
            )
        if not found and c.to_doctor and (c.shift_id, c.to_doctor) in held:
            found.append(
                _problem(file, c, f"{c.to_doctor} har allerede vakten {_where(c)}", "to_doctor")
            )
        if not found and shift is not None and not c.from_doctor:
            taken = sum(1 for sid, _ in held if sid == c.shift_id)
            if taken >= shift.doctors:
                found.append(
                    _problem(
                        file,
                        c,
                        f"vakten {_where(c)} har ingen ledig plass (oppgi from_doctor)",
                        "from_doctor",
                    )
                )
        if found:
            problems += found
            continue
        if c.from_doctor:
            del held[(c.shift_id, c.from_doctor)]
        if c.to_doctor:
            held[(c.shift_id, c.to_doctor)] = Held(c.shift_id, c.to_doctor, c)
    problems += _swap_problems(file, changes)
    if problems:
        raise InputError(sorted(problems, key=lambda p: p.line or 0))
    order = {s.id: i for i, s in enumerate(instance.shifts)}
    kept = sorted(held.values(), key=lambda h: (order[h.shift_id], h.doctor_id))
    worked = Roster(
        assignments=tuple(Assignment(shift_id=h.shift_id, doctor_id=h.doctor_id) for h in kept)
    )
    return Worked(roster=worked, held=kept, changes=list(changes))


# --------------------------------------------------------------------------- judging


#: A finding by what it says (rule, shift, doctor, date, message): compared across rosters.
FindingKey = tuple[str, str, str, str, str]


def _key(f: Finding) -> FindingKey:
    return (
        f.rule,
        f.shift_id or "",
        f.doctor_id or "",
        f.date.isoformat() if f.date else "",
        f.message,
    )


@dataclass(frozen=True)
class Blamed:
    """A finding in the worked roster and the change that brought it in (None: the published
    plan had it already)."""

    finding: Finding
    change: Change | None


@dataclass
class ChangeCheck:
    worked: Worked
    result: CheckResult
    breaches: list[Blamed]
    remarks: list[Blamed]

    @property
    def ok(self) -> bool:
        return not self.breaches


def _prefix(roster: Roster, changes: Sequence[Change]) -> Roster:
    seats = [(a.shift_id, a.doctor_id) for a in roster.assignments]
    for c in changes:
        if c.from_doctor:
            seats.remove((c.shift_id, c.from_doctor))
        if c.to_doctor:
            seats.append((c.shift_id, c.to_doctor))
    return Roster(assignments=tuple(Assignment(shift_id=s, doctor_id=d) for s, d in seats))


def judge(
    instance: Instance, roster: Roster, changes: Sequence[Change], file: str = "changes.csv"
) -> ChangeCheck:
    """Check the worked roster, naming for each finding the change that brought it in: the
    checker runs on the published plan and after each change, and a finding belongs to the
    change after which it (last) appeared."""
    worked = apply_changes(instance, roster, changes, file)
    result = check(instance, roster)
    origin: dict[FindingKey, Change | None] = {
        _key(f): None for f in (*result.breaches, *result.remarks)
    }
    for i, c in enumerate(changes):
        result = check(instance, _prefix(roster, changes[: i + 1]))
        now = {_key(f) for f in (*result.breaches, *result.remarks)}
        origin = {k: origin[k] if k in origin else c for k in now}
    return ChangeCheck(
        worked=worked,
        result=result,
        breaches=[Blamed(f, origin[_key(f)]) for f in result.breaches],
        remarks=[Blamed(f, origin[_key(f)]) for f in result.remarks],
    )


def breach_keys(instance: Instance, roster: Roster) -> set[FindingKey]:
    """The hard-rule breaches a roster has, as keys `new_breaches` can leave out."""
    return {_key(f) for f in check(instance, roster).breaches}


def new_breaches(
    instance: Instance,
    roster: Roster,
    changes: Change | Sequence[Change],
    had: set[FindingKey] | None = None,
) -> list[Finding]:
    """The hard-rule breaches one change (or a swap's two) would bring into a roster (those it
    already has, `had`, are not counted): what decides whether a doctor may take a duty.
    Raises InputError when the change cannot be applied at all."""
    batch = [changes] if isinstance(changes, Change) else list(changes)
    after = apply_changes(instance, roster, batch).roster
    known = breach_keys(instance, roster) if had is None else had
    return [f for f in check(instance, after).breaches if _key(f) not in known]
