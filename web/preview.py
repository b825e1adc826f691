"""What a new version changes for each doctor: the duties a doctor gets and no longer has,
between two rosters (each read with its own plan, so a re-plan with other doctors or shift
types compares too). The leader sees it before publishing a re-plan; doctors are told it."""

from __future__ import annotations

from dataclasses import dataclass

from roster.calendar import Shift
from roster.formats.exchange import Roster
from roster.glossary import describe_duty
from roster.instance import Instance


@dataclass(frozen=True)
class DoctorChange:
    doctor_id: str
    name: str
    got: tuple[Shift, ...]
    lost: tuple[Shift, ...]

    def text(self) -> str:
        """'Du har fått: …. Du har ikke lenger: ….' (duties named with their dates)."""
        parts = []
        if self.got:
            parts.append("Du har fått: " + "; ".join(describe_duty(x) for x in self.got) + ".")
        if self.lost:
            lost = "; ".join(describe_duty(x) for x in self.lost)
            parts.append(f"Du har ikke lenger: {lost}.")
        return " ".join(parts)


def doctor_changes(
    old_instance: Instance, old: Roster, new_instance: Instance, new: Roster
) -> list[DoctorChange]:
    """Every doctor whose duties differ, by name."""
    old_shifts = {sh.id: sh for sh in old_instance.shifts}
    new_shifts = {sh.id: sh for sh in new_instance.shifts}
    before = {(a.doctor_id, a.shift_id) for a in old.assignments if a.shift_id in old_shifts}
    after = {(a.doctor_id, a.shift_id) for a in new.assignments if a.shift_id in new_shifts}
    out = []
    for doctor_id in {d for d, _ in before ^ after}:
        inst = new_instance if new_instance.has_doctor(doctor_id) else old_instance
        name = inst.doctor(doctor_id).name if inst.has_doctor(doctor_id) else doctor_id
        got = sorted((new_shifts[s] for d, s in after - before if d == doctor_id), key=_start)
        lost = sorted((old_shifts[s] for d, s in before - after if d == doctor_id), key=_start)
        out.append(DoctorChange(doctor_id, name, tuple(got), tuple(lost)))
    return sorted(out, key=lambda c: (c.name, c.doctor_id))


def _start(shift: Shift) -> int:
    return shift.t0
