"""What cannot work, said before solving (`legevakt validate`): warnings in Norwegian, not
errors. The plan file is valid; these are choices a leader will want to know about.

- A doctor who may not be alone on duty (akuttmedisinforskriften § 7) can only take a duty
  that a kompetansebakvakt covers. When no back-up shift type covers any duty the doctor could
  take, or no other doctor could staff those back-ups, the doctor will get none of them.
- The LIS1 exception is chosen locally but only existed 30.04.2021-31.12.2024: a choice that
  reaches outside those dates does nothing there.

Judged like the solver judges: on every hour a duty touches, counting only the legevakt
shifts the staff list says a doctor had before the period.
"""

from __future__ import annotations

import datetime as dt

from roster.calendar import Shift
from roster.eligibility import competent_for, unavailable_reason
from roster.instance import Instance
from roster.model import Role
from roster.rules import CompetenceBackupParams


def plan_warnings(instance: Instance) -> list[str]:
    """Every warning about the plan, in a stable order."""
    return [*unpaired_doctors(instance), *lis1_choice_without_effect(instance)]


class _Candidates:
    """Who could staff each kompetansebakvakt: in its pool, free of it, competent alone.
    Worked out per back-up shift when first asked (most plans ask about few of them)."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        self.found: dict[str, set[str]] = {}

    def __getitem__(self, t: Shift) -> set[str]:
        if t.id not in self.found:
            rules = self.instance.rules
            self.found[t.id] = {
                b.id
                for b in self.instance.doctors
                if competent_for(b, t, rules) and unavailable_reason(b, t, rules) is None
            }
        return self.found[t.id]


def unpaired_doctors(instance: Instance) -> list[str]:
    rules = instance.rules
    backups = [t for t in instance.shifts if t.role == Role.backup_competence]
    covers: dict[str, list[Shift]] = {}

    def covering(s: Shift) -> list[Shift]:  # asked only for shifts a doctor needs backed up
        if s.id not in covers:
            covers[s.id] = [t for t in backups if t.backs_up(s)]
        return covers[s.id]

    candidates = _Candidates(instance)
    out: list[str] = []
    for d in instance.doctors:
        needs = [
            s
            for s in instance.shifts
            if s.role == Role.primary
            and not competent_for(d, s, rules)
            and unavailable_reason(d, s, rules) is None
        ]
        if not needs:
            continue
        covered = [t for s in needs for t in covering(s)]
        if any(candidates[t] - {d.id} for t in covered):
            continue
        types = ", ".join(sorted({s.type_id for s in needs}))
        why = (
            f"ingen vakttype for kompetansebakvakt dekker {types}"
            if not covered
            else f"ingen annen kompetent lege kan ta kompetansebakvakten for {types}"
        )
        out.append(
            f"{d.name} ({d.id}) kan ikke ha vakt alene fra {needs[0].date:%d.%m.%Y} "
            f"({len(needs)} vakter legen ellers kunne tatt), og {why}: "
            "legen får ingen av disse vaktene (akuttmedisinforskriften § 7)"
        )
    return out


def lis1_choice_without_effect(instance: Instance) -> list[str]:
    rules = instance.rules
    days: list[dt.date] = []
    for day in instance.period.dates():
        if not rules.in_force("competence_backup", day):
            continue
        p = rules.params("competence_backup", day, CompetenceBackupParams)
        if p.lis1_exception and not p.lis1_exception_permitted:
            days.append(day)
    if not days:
        return []
    return [
        f"LIS1-unntaket (lis1_exception) er valgt, men gjaldt bare 30.04.2021–31.12.2024: "
        f"valget har ingen virkning {days[0]:%d.%m.%Y}–{days[-1]:%d.%m.%Y}, der leger som har "
        "fullført LIS1, trenger kompetansebakvakt som andre"
    ]
