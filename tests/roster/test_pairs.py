"""The fast pair facts (roster.pairs.FastPairFacts: per doctor and date, per shift) give,
pair by pair, the answers of the per-pair predicates of roster.eligibility and roster.rest;
on Innherred and on generated instances."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from examples.generate import generate
from roster.eligibility import competent_for, unavailable_reason
from roster.instance import Instance, load_instance, resolve
from roster.model import Absence, Role
from roster.pairs import FastPairFacts, PairFacts, pair_facts
from roster.rest import practice_conflict
from tests.factories import D, make_doctor, make_instance, make_night, make_shift_type

INNHERRED = Path(__file__).resolve().parents[2] / "examples" / "innherred" / "instance.yaml"


def _reference_static(inst: Instance, di: int, si: int) -> str | None:
    """The solver's rule written out from the per-pair predicates, as it stood before the
    pair facts."""
    d, s, rules = inst.doctors[di], inst.shifts[si], inst.rules
    reason = unavailable_reason(d, s, rules)
    if reason is not None:
        return reason
    if s.role == Role.backup_competence and not competent_for(d, s, rules):
        return "competence_backup"
    if s.role == Role.primary and not competent_for(d, s, rules):
        if not any(s.type_id in t.covers for t in inst.shift_types):
            return "competence_backup"
    return practice_conflict(d, s, rules)


def _same_answers(inst: Instance) -> Counter[str | None]:
    slow, fast = PairFacts(inst), FastPairFacts(inst)
    seen: Counter[str | None] = Counter()
    for si in range(len(inst.shifts)):
        for di in range(len(inst.doctors)):
            static = fast.static(di, si)
            assert static == slow.static(di, si) == _reference_static(inst, di, si), (di, si)
            assert fast.carry(di, si) == slow.carry(di, si), (di, si)
            assert fast.competent(di, si) == slow.competent(di, si), (di, si)
            assert fast.away(di, si) == slow.away(di, si), (di, si)
            seen[static] += 1
    return seen


@pytest.mark.parametrize(("doctors", "munis", "weeks", "seed"), [(40, 3, 10, 1), (60, 4, 6, 2)])
def test_pair_facts_fast_equals_per_pair_on_generated(
    doctors: int, munis: int, weeks: int, seed: int
) -> None:
    seen = _same_answers(resolve(generate(doctors, munis, weeks, seed)))
    assert seen[None] > 0 and {"absence", "competence_backup", "age_exemption"} <= set(seen)


def test_pair_facts_fast_equals_per_pair_on_innherred() -> None:
    seen = _same_answers(load_instance(INNHERRED))
    assert {None, "pool", "absence", "courses_required"} <= set(seen)


def test_pair_facts_built_once_per_instance() -> None:
    inst = resolve(generate(10, 1, 2, 1))
    assert pair_facts(inst) is pair_facts(inst)
    other = resolve(generate(10, 1, 2, 1))
    assert pair_facts(other) is not pair_facts(inst)


def test_pair_facts_fast_equals_per_pair_near_practice_days() -> None:
    """On-site duties next to the practice day (rest before a night, an early duty that ends
    as the practice day begins), for doctors away on some of those days and not."""
    night = make_night(mode="onsite")
    early = make_shift_type("tidlig", period="day", start="06:00", end="08:00")
    away = Absence(kind="other", start=D(2027, 1, 6), end=D(2027, 1, 7))
    doctors = (
        make_doctor("d1"),
        make_doctor("d2", absences=(away,)),
        make_doctor("d3", kind="legevaktlege"),
    )
    inst = make_instance(doctors=doctors, shift_types=(make_shift_type(), night, early))
    seen = _same_answers(inst)
    assert {None, "rest"} <= set(seen)
