"""Fair targets: how many duties of each kind, and how many points, each doctor should carry.

The rule, as a leader says it: every duty is shared among the doctors who can take it, in
proportion to their participation share. A doctor's target for a shift type, a category
(nights, weekends and holidays, weekday evenings, big holidays, back-up duties) and in total
is the sum of their parts of those duties.

Because every target is a sum over one fractional sharing of the same duties, all targets
can be met at once by that fractional roster: total, categories and shift types never pull
against each other (tests/roster/test_targets.py checks it with an independent LP).

Who can take a duty: the pool, exemptions, long leave (permisjon, sykmelding), valid courses,
competence (a doctor who may not work alone only where a kompetansebakvakt can cover) and rest
against the doctor's own practice day. Holidays (ferie) and courses do not reduce a target: the
doctor takes the share at other times.

Three things move a doctor's part of the duties they can take up or down, spread evenly over
those duties (a scaling of the doctor's weight, found by iterative proportional fitting):
- an agreed number of duties (`fixed_shifts`): the parts add up to that number;
- carry-over from earlier periods (points above target then give a lower target now);
- with `fairness.exemption_makeup`, a granted partial exemption (no nights, no weekends, named
  shift types) is made up with the duties the doctor can take, up to the points the doctor
  would have carried without it. Statutory rights (age, pregnancy, breastfeeding) never are.

Kompetansebakvakter are needed only when a doctor who may not work alone is on duty; their
expected number follows from those doctors' parts of the covered duties, and it is shared
among the competent doctors like any other duty.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from roster.eligibility import cached
from roster.instance import Instance
from roster.model import CostKey, Doctor
from roster.sharing import (
    CATEGORIES,
    MAKEUP_KINDS,
    MAKEUP_SCOPES,
    Group,
    Sharing,
    able,
    categories_of,
    covered_primaries,
    groups_of,
    in_category,
)

__all__ = [
    "CATEGORIES",
    "MAKEUP_KINDS",
    "MAKEUP_SCOPES",
    "Basis",
    "band",
    "basis",
    "categories_of",
    "covered_primaries",
    "in_category",
    "integer_lower_bound",
    "municipality_keys",
    "spread",
]


@dataclass(frozen=True)
class Basis:
    """Everything about fairness that does not depend on the roster.

    `points`, `types` and `categories` are the targets of every doctor in the sharing (the
    compared doctors and those with an agreed number of duties); `compared` are the doctors
    whose total points are compared with their target (no agreed number, something to carry).
    """

    compared: tuple[str, ...]
    fixed: dict[str, int]
    points: dict[str, float]
    types: dict[str, dict[str, float]]
    categories: dict[str, dict[str, float]]
    category_points: dict[str, dict[str, float]]
    carry: dict[str, float]
    municipalities: dict[str, float]  # points by the cost key, per shift type's pool
    municipality_keys: dict[str, float]  # the key itself, summing to 1

    @property
    def doctors(self) -> list[str]:
        return sorted(self.points)

    def like_groups(self) -> list[list[str]]:
        """Compared doctors with the same targets for every shift type and category (and so
        in total): doctors who should carry the same, and who count alike."""
        groups: dict[tuple[tuple[str, float], ...], list[str]] = defaultdict(list)
        for d in self.compared:
            key = tuple(
                sorted(
                    [(f"t:{k}", round(v, 6)) for k, v in self.types[d].items()]
                    + [(f"c:{k}", round(v, 6)) for k, v in self.categories[d].items()]
                    + [("points", round(self.points[d], 6))]
                )
            )
            groups[key].append(d)
        return sorted((sorted(g) for g in groups.values() if len(g) > 1), key=lambda g: g[0])


def municipality_keys(instance: Instance) -> dict[str, float]:
    munis = instance.legevakt.municipalities
    key = instance.legevakt.cost_key
    if key == CostKey.equal:
        raw = {m.id: 1.0 for m in munis}
    elif key == CostKey.agreed:
        raw = {m.id: float(m.share or 0) for m in munis}
    else:
        raw = {m.id: float(m.population) for m in munis}
    total = sum(raw.values())
    return {k: (v / total if total else 0.0) for k, v in raw.items()}


def basis(instance: Instance) -> Basis:
    """The instance's fairness basis, computed once per instance (a solve, its report and a
    what-if's comparison all ask for it; kept with the instance's rule book)."""
    return cached(instance.rules, ("basis",), instance, lambda: _basis(instance))


def _basis(instance: Instance) -> Basis:
    doctors = list(instance.doctors)
    shares = [max(d.share, 0.0) for d in doctors]
    fixed = {di: d.fixed_shifts for di, d in enumerate(doctors) if d.fixed_shifts is not None}
    counted = {di: float(k) for di, k in fixed.items()}
    ones = np.ones(len(doctors))
    carries, present = able(instance, doctors)
    # Each doctor's fair part, as if always there (and, with make-up, not exempt).
    fair = Sharing(groups_of(instance, doctors, carries)[0], shares)
    base = fair.counts(fair.fit(ones, counted)).T @ fair.points
    compared = [di for di, d in enumerate(doctors) if di not in fixed and base[di] > 0]
    carry = {
        doctors[di].id: float(instance.history.carry_points.get(doctors[di].id, 0.0))
        for di in compared
    }
    # Where the parts are taken: the duties each doctor can be at, scaled so every doctor's
    # points come to their part, less carry-over (as far as those duties allow).
    groups, _ = groups_of(instance, doctors, present)
    sharing = Sharing(groups, shares)
    m = sharing.fit(ones, counted)
    if carries != present or any(carry.values()):
        total = float(sum(base[di] for di in compared))
        shared = {di: (float(base[di]) / total, carry[doctors[di].id]) for di in compared}
        m = sharing.fit(m, counted, shared)
    counts = sharing.counts(m)
    return _basis_from(instance, doctors, groups, counts, compared, fixed, carry)


def _basis_from(
    instance: Instance,
    doctors: Sequence[Doctor],
    groups: Sequence[Group],
    counts: np.ndarray,
    compared: Sequence[int],
    fixed: dict[int, int],
    carry: dict[str, float],
) -> Basis:
    inside = sorted({*compared, *fixed})
    points: dict[str, float] = {}
    types: dict[str, dict[str, float]] = {}
    cats: dict[str, dict[str, float]] = {}
    cat_points: dict[str, dict[str, float]] = {}
    type_ids = [t.id for t in instance.shift_types]
    for di in inside:
        d = doctors[di].id
        types[d] = {t: 0.0 for t in type_ids}
        cats[d] = {c: 0.0 for c in CATEGORIES}
        cat_points[d] = {c: 0.0 for c in CATEGORIES}
        total = 0.0
        for gi, g in enumerate(groups):
            n = float(counts[gi, di])
            if n == 0.0:
                continue
            types[d][g.type_id] += n
            total += n * g.points
            for c in g.categories:
                cats[d][c] += n
                cat_points[d][c] += n * g.points
        points[d] = _exact(total)
        types[d] = {k: _exact(v) for k, v in types[d].items()}
        cats[d] = {k: _exact(v) for k, v in cats[d].items()}
        cat_points[d] = {k: _exact(v) for k, v in cat_points[d].items()}
    return Basis(
        compared=tuple(doctors[di].id for di in compared),
        fixed={doctors[di].id: k for di, k in fixed.items()},
        points=points,
        types=types,
        categories=cats,
        category_points=cat_points,
        carry=carry,
        municipalities=_municipality_targets(instance, doctors, groups, counts),
        municipality_keys=municipality_keys(instance),
    )


def _exact(value: float) -> float:
    """Rounded to a billionth: sums of fractions that are whole numbers come out whole."""
    return round(value, 9) + 0.0


def _municipality_targets(
    instance: Instance, doctors: Sequence[Doctor], groups: Sequence[Group], counts: np.ndarray
) -> dict[str, float]:
    """Each duty's points shared among the member municipalities that take part in it (have a
    doctor who can take it), by the cost key."""
    keys = municipality_keys(instance)
    out = {m.id: 0.0 for m in instance.legevakt.municipalities}
    for gi, g in enumerate(groups):
        pts = float(counts[gi].sum()) * g.points
        if pts == 0:
            continue
        present = sorted({doctors[di].municipality for di in g.members})
        weight = sum(keys.get(m, 0.0) for m in present)
        for m in present:
            if weight > 0:
                out[m] += pts * keys.get(m, 0.0) / weight
            else:
                out[m] += pts / len(present)
    return out


def integer_lower_bound(targets: dict[str, float], burden_range: tuple[int, int]) -> float:
    """A proven lower bound on the largest deviation of any compared doctor's points from
    target, for any roster whose compared doctors carry a total in `burden_range`.

    Points are whole, non-negative numbers. Within a largest deviation D doctor d can have
    from max(0, ceil(t_d - D)) to floor(t_d + D) points; D is possible only if every such
    range is non-empty and the totals they allow meet `burden_range`. That is monotone in D,
    so the smallest such D is found by halving (to a billionth of a point, from below).
    """
    lo, hi = burden_range
    if not targets or hi < lo:
        return 0.0

    def possible(d: float) -> bool:
        least = most = 0
        for t in targets.values():
            a, z = max(0, math.ceil(t - d - 1e-12)), math.floor(t + d + 1e-12)
            if a > z:
                return False
            least, most = least + a, most + z
        return least <= hi and most >= lo

    below, above = 0.0, max(targets.values()) + max(hi, 0) + 1.0
    if possible(0.0):
        return 0.0
    while above - below > 1e-9:
        mid = (below + above) / 2
        if possible(mid):
            above = mid
        else:
            below = mid
    # The answer is the distance from some target to a whole number: the first such
    # distance above `below` that is possible.
    near = sorted(
        abs(k - t)
        for t in targets.values()
        for k in {
            math.floor(t - above),
            math.ceil(t - above),
            math.floor(t + above),
            math.ceil(t + above),
        }
        if abs(k - t) > below - 1e-9
    )
    return next((d for d in near if possible(d)), above)


def band(target: float) -> tuple[int, int]:
    """The whole counts nearest a target: both neighbours, or the target itself if whole."""
    lo = math.floor(target + 1e-9)
    hi = math.ceil(target - 1e-9)
    return lo, max(lo, hi)


def spread(values: Iterable[int]) -> int:
    xs = list(values)
    return max(xs) - min(xs) if xs else 0
