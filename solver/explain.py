"""Explanations in Norwegian: why a shift has no doctor, and why no roster exists at all.

Holes: every doctor is counted under the first reason that keeps them off the shift, static
(exempt, absent, pool, courses) or from the rest of the roster (rest, gap, caps, overlap).
Infeasibility: each rule group has an enforcement literal; CP-SAT's sufficient assumptions
name the groups that cannot hold together.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from roster.calendar import Shift
from roster.checker import CHECKS, Ctx
from roster.eligibility import absence_during
from roster.formats.exchange import Assignment, Roster
from roster.glossary import ABSENCE_NO, REASON_NO
from roster.instance import Instance
from roster.model import AbsenceKind, Doctor
from solver.context import BuildCtx, static_reason

if TYPE_CHECKING:
    from solver.solve import SolveOptions

EXEMPTIONS = {
    "age_exemption",
    "age_exemption_local",
    "pregnancy_exemption",
    "breastfeeding_exemption",
    "granted_exemption",
}
ABSENCE_WORDS = {
    AbsenceKind.holiday: "i ferie",
    AbsenceKind.course: "på kurs",
    AbsenceKind.leave: "i permisjon",
    AbsenceKind.sick: "sykmeldt",
    AbsenceKind.other: "borte",
}
PER_DOCTOR_RULES = (
    "one_at_a_time",
    "rest",
    "day_off_after_night",
    "min_gap_days",
    "max_nights",
    "max_weekends",
    "max_duties",
    "max_duties_per_week",
    "fixed_shifts",
    "competence_backup",
)


def _static_word(ctx: BuildCtx, doctor: Doctor, shift: Shift) -> str | None:
    reason = static_reason(ctx, doctor, shift)
    if reason is None:
        return None
    if reason in EXEMPTIONS:
        return "fritatt"
    if reason == "absence":
        a = absence_during(doctor, shift)
        return ABSENCE_WORDS[a.kind] if a else ABSENCE_NO[AbsenceKind.other]
    if reason == "competence_backup":
        return "kan ikke være alene og ingen bakvakt"
    return REASON_NO.get(reason, reason)


def _dynamic_word(instance: Instance, roster: Roster, doctor: Doctor, shift: Shift) -> str:
    own = [a for a in roster.assignments if a.doctor_id == doctor.id]
    before = Ctx(instance, Roster(assignments=tuple(own)))
    after = Ctx(
        instance, Roster(assignments=(*own, Assignment(shift_id=shift.id, doctor_id=doctor.id)))
    )
    for rule in PER_DOCTOR_RULES:
        if len(CHECKS[rule](after)) > len(CHECKS[rule](before)):
            return REASON_NO.get(rule, rule)
    return "ledig, men da kan ikke andre vakter dekkes"


def hole_reasons(
    instance: Instance, roster: Roster, shift: Shift, ctx: BuildCtx | None = None
) -> Counter[str]:
    """Why each doctor not on the shift could not take it, counted by reason."""
    ctx = ctx or BuildCtx(instance)
    assigned = set(roster.by_shift().get(shift.id, []))
    counts: Counter[str] = Counter()
    for d in instance.doctors:
        if d.id in assigned:
            continue
        word = _static_word(ctx, d, shift) or _dynamic_word(instance, roster, d, shift)
        counts[word] += 1
    return counts


def explain_holes(instance: Instance, roster: Roster) -> list[str]:
    """One Norwegian line per shift left without enough doctors."""
    from roster.formats.exchange import holes

    lines = []
    ctx = BuildCtx(instance)  # static reasons only: no variables are made
    for shift, missing in holes(instance, roster):
        counts = hole_reasons(instance, roster, shift, ctx)
        detail = ", ".join(f"{n} {word}" for word, n in counts.most_common())
        who = "ingen kan ta vakten" if missing == shift.doctors else f"mangler {missing} lege(r)"
        lines.append(f"{shift.date.isoformat()} {shift.label.lower()}: {who} ({detail})")
    return lines


def _group_text(instance: Instance, group: str) -> str:
    rule, _, doctor_id = group.partition(":")
    title = instance.rules.title(rule)
    if doctor_id and instance.has_doctor(doctor_id):
        d = instance.doctor(doctor_id)
        if rule == "fixed_shifts":
            return f"{title}: {d.name} ({d.id}) skal ha akkurat {d.fixed_shifts} vakter"
        return f"{title}: {d.name} ({d.id})"
    return title


def explain_infeasible(instance: Instance, options: SolveOptions) -> list[str]:
    """Name the rule groups that together make every roster impossible."""
    from solver.solve import build

    ctx, _ = build(instance, options)
    lits = dict(ctx.enforce)
    ctx.model.add_assumptions(list(lits.values()))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(1.0, min(20.0, options.time_limit / 2))
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = options.seed
    code = solver.solve(ctx.model)
    head = "Ingen vaktplan kan oppfylle de harde reglene, selv med ubemannede vakter."
    if code != cp_model.INFEASIBLE:
        return [head, "Fant ikke hvilke regler som krasjer innen tidsgrensen."]
    core = set(solver.sufficient_assumptions_for_infeasibility())
    names = sorted(g for g, lit in lits.items() if lit.index in core)
    if not names:
        return [head, "Reglene motsier hverandre uansett hvem som settes opp (se regelsettet)."]
    lines = [head, "Disse reglene kan ikke oppfylles samtidig:"]
    lines += [f"  - {_group_text(instance, g)}" for g in names]
    for g in names:
        rule, _, doctor_id = g.partition(":")
        if rule == "fixed_shifts" and instance.has_doctor(doctor_id):
            d = instance.doctor(doctor_id)
            possible = [s for s in instance.shifts if _static_word(ctx, d, s) is None]
            blocked = Counter(w for s in instance.shifts if (w := _static_word(ctx, d, s)))
            detail = ", ".join(f"{n} {w}" for w, n in blocked.most_common(4))
            suffix = f" ({detail})" if detail else ""
            lines.append(
                f"  {d.name}: {len(possible)} av {len(instance.shifts)} vakter er mulige{suffix}"
            )
    return lines


def explain_bands(
    ctx: BuildCtx, outside: cp_model.LinearExprT, value: int, seconds: float
) -> list[str]:
    """Which rules keep some doctors' counts outside their bands, when the categories stage
    proved it cannot do better: each rule group in turn is freed on a copy of the model, and
    a rule is named when without it fewer duties would be outside (a few seconds at most)."""
    import time

    from solver.polish import set_domain

    deadline = time.monotonic() + seconds
    groups = sorted({name.split(":")[0] for name in ctx.enforce})
    named: list[str] = []
    for group in groups:
        left = deadline - time.monotonic()
        if left <= 0.05:
            break
        trial = ctx.model.clone()
        for name, lit in ctx.enforce.items():
            if name.split(":")[0] == group:
                set_domain(trial, lit.index, 0, 1)
        trial.add(outside <= value - 1)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = min(left, max(0.2, seconds / len(groups)))
        solver.parameters.num_workers = 1
        if solver.solve(trial) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            named.append(group)
    lead = (
        f"Reglene gjør at {value} (vektede) vakter havner utenfor båndet rundt målet for noen "
        "leger: ingen plan kan gi alle likt antall."
    )
    if not named:
        return [lead + " Det er samspillet mellom reglene og hvem som kan ta vaktene."]
    titles = ", ".join(f"«{ctx.instance.rules.title(g)}»" for g in named)
    return [lead + f" Uten {titles} ville flere fått likt antall."]
