"""Targeted large-neighbourhood search: re-solve a few doctors at a time.

CP-SAT's own neighbourhoods are generic; the fairness stages know where the trouble is. Each
round frees the duties of the doctors furthest from their goals together with partners who
can take what they have too much of (or give what they lack), fixes everyone else, and lets
CP-SAT re-solve how they share the duties they hold between them (and the back-up duties nobody
holds), under the full model (every rule, every earlier stage's fixed value). The stage
objective can only improve.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence

from ortools.sat.python import cp_model

from solver.context import BuildCtx
from solver.scores import Score

#: Doctors freed per round, and seconds per round.
GROUP = 6
ROUND_SECONDS = 1.0
#: A round's effort on CP-SAT's deterministic clock, for reproducible runs.
ROUND_DETERMINISTIC = 0.25


def polish(
    ctx: BuildCtx,
    model: cp_model.CpModel,
    objective: cp_model.LinearExprT,
    solution: list[int],
    deadline: float,
    score: Score,
    seed: int = 0,
    workers: int = 1,
    done: Callable[[list[int]], bool] | None = None,
    rounds: int | None = None,
) -> tuple[list[int], float]:
    """Improve `solution` on `objective` until `deadline`; returns (solution, value).

    `score(solution)` says where each doctor stands for this stage: per goal, how far above
    (+) or below (-); each round frees one of the worst with the partners who complement them
    best and a few drawn at random (seeded), so rounds differ.

    With `rounds` (reproducible runs) the search makes that many rounds, each on one worker
    and CP-SAT's deterministic clock, so the same input gives the same roster; `deadline`
    then only caps a machine far slower than expected."""
    value = objective_value(objective, solution)
    if value is None:
        return solution, float("inf")
    rng = random.Random(seed)
    frozen = _Frozen(ctx, model, objective, solution, deterministic=rounds is not None)
    made = 0
    while time.monotonic() + 0.3 < deadline and not (done is not None and done(solution)):
        if rounds is not None and made >= rounds:
            break
        group = _group(score(solution), rng, made)
        if group is None:
            break
        made += 1
        better = frozen.resolve(set(group), solution, deadline, seed + made, workers)
        if better is not None and better[1] < value:
            frozen.update(solution, better[0])
            solution, value = better
    return solution, value


def set_domain(model: cp_model.CpModel, index: int, lo: int, hi: int) -> None:
    """Set a variable's domain in place (far cheaper than adding a constraint per variable;
    assignment and hole variables have a single interval)."""
    domain = model.proto.variables[index].domain
    if len(domain) != 2:
        raise ValueError("variable with a split domain")
    domain[0] = lo
    domain[1] = hi


def fix(model: cp_model.CpModel, index: int, value: int) -> None:
    set_domain(model, index, value, value)


class _Frozen:
    """The model with every assignment fixed at the current solution, made once; each round
    copies it and frees only the duties its doctors hold."""

    def __init__(
        self,
        ctx: BuildCtx,
        model: cp_model.CpModel,
        objective: cp_model.LinearExprT,
        solution: list[int],
        deterministic: bool = False,
    ) -> None:
        self.ctx = ctx
        self.deterministic = deterministic
        self.base = model.clone()
        self.base.minimize(objective)
        self.base.clear_hints()  # type: ignore[no-untyped-call]
        self.fixed = [v.index for v in (*ctx.x.values(), *ctx.holes.values())]
        for index in self.fixed:
            self._set(self.base, index, solution[index], solution[index])

    @staticmethod
    def _set(model: cp_model.CpModel, index: int, lo: int, hi: int) -> None:
        set_domain(model, index, lo, hi)

    def unstaffed(self, solution: list[int]) -> set[int]:
        """Duties nobody has that may be staffed (kompetansebakvakter): the group may take
        them up, e.g. with a duty for a doctor who may not work alone."""
        return {
            si
            for si, items in self.ctx.by_shift.items()
            if not self.ctx.shifts[si].needed_always
            and not any(solution[v.index] for _, v in items)
        }

    def update(self, old: list[int], new: list[int]) -> None:
        for index in self.fixed:
            if old[index] != new[index]:
                self._set(self.base, index, new[index], new[index])

    def resolve(
        self, free: set[int], solution: list[int], deadline: float, seed: int, workers: int
    ) -> tuple[list[int], float] | None:
        ctx = self.ctx
        held = {si for (di, si), var in ctx.x.items() if di in free and solution[var.index]}
        held |= self.unstaffed(solution)
        loose = [var for (di, si), var in ctx.x.items() if di in free and si in held]
        trial = self.base.clone()
        for var in loose:
            self._set(trial, var.index, 0, 1)
            trial.add_hint(trial.get_int_var_from_proto_index(var.index), solution[var.index])
        solver = cp_model.CpSolver()
        p = solver.parameters
        p.max_time_in_seconds = max(0.05, min(ROUND_SECONDS, deadline - time.monotonic()))
        p.num_workers = workers
        if self.deterministic:
            p.num_workers = 1
            p.max_deterministic_time = ROUND_DETERMINISTIC
            p.max_time_in_seconds = max(0.05, min(10 * ROUND_SECONDS, deadline - time.monotonic()))
        p.random_seed = seed
        p.cp_model_probing_level = 0
        p.symmetry_level = 0
        code = solver.solve(trial)
        if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        return list(solver.response_proto.solution), solver.objective_value


def _group(
    scores: dict[int, dict[str, float]], rng: random.Random, rounds: int
) -> list[int] | None:
    """One of the worst doctors (in turn), the two who best complement them (too much where
    they have too little, and the reverse), then others drawn at random among those who
    complement them at all, then from anyone."""
    size = {d: sum(abs(v) for v in vec.values()) for d, vec in scores.items()}
    worst = sorted((d for d in size if size[d] > 1e-9), key=lambda d: (-size[d], d))
    if not worst:
        return None
    head = worst[rounds % min(len(worst), 3)]
    mine = scores[head]

    def fit(d: int) -> float:
        return sum(max(0.0, -v * scores[d].get(k, 0.0)) for k, v in mine.items())

    ranked = sorted((d for d in scores if d != head), key=lambda d: (-fit(d), d))
    helpful = [d for d in ranked if fit(d) > 1e-9]
    group = [head, *helpful[:2]]
    rest = helpful[2:]
    rng.shuffle(rest)
    group += rest[: GROUP - len(group)]
    if len(group) < GROUP:
        anyone = [d for d in ranked if d not in group]
        rng.shuffle(anyone)
        group += anyone[: GROUP - len(group)]
    return group


def objective_value(objective: cp_model.LinearExprT, solution: Sequence[int]) -> float | None:
    """The objective's value in a full solution (None when the expression cannot be read)."""
    try:
        flat = cp_model.LinearExpr.sum([objective])
        coeffs, vars_, const = _linear(flat)
    except TypeError:
        return None
    return const + sum(c * solution[v] for c, v in zip(coeffs, vars_, strict=True))


def _linear(expr: cp_model.LinearExprT) -> tuple[list[int], list[int], int]:
    model = cp_model.CpModel()
    model.minimize(expr)
    obj = model.proto.objective
    return list(obj.coeffs), list(obj.vars), int(obj.offset)
