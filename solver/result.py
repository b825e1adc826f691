"""What solve() takes and gives back: options, the result of each stage and of the solve."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ortools.sat.python import cp_model

from roster.formats.exchange import Roster

STATUS: dict[Any, str] = {
    cp_model.OPTIMAL: "optimal",
    cp_model.FEASIBLE: "feasible",
    cp_model.INFEASIBLE: "infeasible",
    cp_model.MODEL_INVALID: "model_invalid",
    cp_model.UNKNOWN: "unknown",
}


Progress = Callable[[str, float | None, float | None, float], None]


@dataclass(frozen=True)
class SolveOptions:
    time_limit: float = 60.0
    seed: int = 0
    workers: int = 2
    deterministic: bool = False  # True: one worker, deterministic clock (reproducible)
    previous: Roster | None = None  # re-plan: hint and penalty per changed assignment
    freeze_before: dt.date | None = None  # keep previous assignments on shifts before this date
    progress: Progress | None = None
    log: bool = False


@dataclass
class StageResult:
    name: str
    status: str
    value: float | None  # in points (deviation stages) or units (counts)
    bound: float | None
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "stage": self.name,
            "status": self.status,
            "value": None if self.value is None else round(self.value, 4),
            "bound": None if self.bound is None else round(self.bound, 4),
            "seconds": round(self.seconds, 3),
        }


@dataclass
class SolveResult:
    status: str  # optimal | feasible | infeasible | no_solution
    roster: Roster | None
    stages: list[StageResult] = field(default_factory=list)
    explanation: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the rules forced, in Norwegian
    seconds: float = 0.0
    variables: int = 0

    def stage(self, name: str) -> StageResult | None:
        return next((s for s in self.stages if s.name == name), None)
