"""A reproducible solve (SolveOptions.deterministic) does the same work however fast the
machine is: nothing it does stops on the wall clock, so the same input gives the same roster
on a busy machine as on an idle one."""

from __future__ import annotations

import functools
import time
import types

import pytest

import solver.construct
import solver.moves
from examples.generate import generate
from roster.checker import check
from roster.instance import Instance, resolve
from solver.construct import Goals
from solver.objectives import fairness_basis
from solver.result import SolveOptions
from solver.solve import build, roster_from
from solver.start import first_roster


@functools.cache
def _instance() -> Instance:
    return resolve(generate(24, 2, 6, 5))  # generated: 24 doctors, six weeks


def _first_roster(deterministic: bool) -> tuple[list[int], object]:
    instance = _instance()
    options = SolveOptions(time_limit=5, seed=0, deterministic=deterministic)
    ctx, _ = build(instance, options)
    ctx.deadline = time.monotonic() + 60  # a minute to go, by the real clock
    start = first_roster(ctx, options, Goals(ctx, fairness_basis(ctx)), 0.0)
    return start, roster_from(ctx, start)


def test_deterministic_first_roster_ignores_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    calm, roster = _first_roster(deterministic=True)
    # A machine so slow that every step finds its time already up.
    late = types.SimpleNamespace(monotonic=lambda: 1e12)
    monkeypatch.setattr(solver.construct, "time", late)
    monkeypatch.setattr(solver.moves, "time", late)
    hurried, _ = _first_roster(deterministic=True)
    assert hurried == calm
    others = [b for b in check(_instance(), roster).breaches if b.rule != "coverage"]
    assert others == []
    # A solve that is not reproducible does cut its first roster short on a slow machine.
    assert _first_roster(deterministic=False)[0] != calm
