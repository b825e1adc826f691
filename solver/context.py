"""The build context: the CP-SAT model, its variables and the facts builders share.

Variables exist only for eligible (doctor, shift) pairs: a pair that a static rule rules out
(pool, exemptions, absence, courses, competence without a back-up, rest before or after the
practice day) gets no variable, and the reason is kept for explanations.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from roster.calendar import Shift
from roster.instance import Instance
from roster.model import Doctor
from roster.pairs import pair_facts
from roster.sharing import covered_primaries

Pair = tuple[int, int]  # (doctor index, shift index)


@dataclass
class BuildCtx:
    instance: Instance
    model: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    x: dict[Pair, cp_model.IntVar] = field(default_factory=dict)
    by_shift: dict[int, list[tuple[int, cp_model.IntVar]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    by_doctor: dict[int, list[tuple[int, cp_model.IntVar]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    holes: dict[int, cp_model.IntVar] = field(default_factory=dict)
    excluded: dict[Pair, str] = field(default_factory=dict)
    competent: dict[Pair, bool] = field(default_factory=dict)
    enforce: dict[str, cp_model.IntVar] = field(default_factory=dict)
    frozen: list[cp_model.IntVar] = field(default_factory=list)  # duties kept before a freeze
    deadline: float = float("inf")  # time.monotonic() by which the search must stop

    def __post_init__(self) -> None:
        self.shifts: list[Shift] = list(self.instance.shifts)
        self.doctors: list[Doctor] = list(self.instance.doctors)
        self.shift_index = {s.id: i for i, s in enumerate(self.shifts)}
        self.doctor_index = {d.id: i for i, d in enumerate(self.doctors)}

    @functools.cached_property
    def covers(self) -> dict[int, list[int]]:
        """Each kompetansebakvakt's covered primary duties (roster.sharing.covered_primaries),
        computed once: 20 ms on Innherred, and a re-plan asks for it for every candidate."""
        return covered_primaries(self.shifts)

    def literal(self, group: str) -> cp_model.IntVar:
        """Enforcement literal for a rule group; assumed true, used to explain infeasibility."""
        lit = self.enforce.get(group)
        if lit is None:
            lit = self.model.new_bool_var(f"enforce[{group}]")
            self.enforce[group] = lit
        return lit


def static_reason(ctx: BuildCtx, doctor: Doctor, shift: Shift) -> str | None:
    """Why the pair can never be in a valid roster, or None (shared by variables and
    explanations; roster.pairs)."""
    di, si = ctx.doctor_index[doctor.id], ctx.shift_index[shift.id]
    return pair_facts(ctx.instance).static(di, si)


def create_variables(
    ctx: BuildCtx, extra_filter: Callable[[Doctor, Shift], bool] | None = None
) -> None:
    m = ctx.model
    facts = pair_facts(ctx.instance)
    rows = [facts.row(di) for di in range(len(ctx.doctors))]
    for si, s in enumerate(ctx.shifts):
        for di, d in enumerate(ctx.doctors):
            row = rows[di]
            reason = row.static.get(si)
            if reason is None and extra_filter is not None and not extra_filter(d, s):
                reason = "frozen"
            if reason is not None:
                ctx.excluded[(di, si)] = reason
                continue
            var = m.new_bool_var(f"x[{d.id},{s.id}]")
            ctx.x[(di, si)] = var
            ctx.by_shift[si].append((di, var))
            ctx.by_doctor[di].append((si, var))
            ctx.competent[(di, si)] = si not in row.not_alone
    for di in ctx.by_doctor:
        ctx.by_doctor[di].sort(
            key=lambda item: (ctx.shifts[item[0]].t0, ctx.shifts[item[0]].type_id)
        )
