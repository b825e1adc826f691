"""report.json: what a solve did, and what the roster it made looks like.

Built from the solve result, the checker's verdict (the oracle) and the fairness accounting
(roster.fairness, the one implementation), so every figure here is one a leader can re-check
with `legevakt check` on roster.csv. The document is JSON-serialisable and its key order is
fixed. Nothing here reads a clock: `seconds` is the solver's own measurement.

Shifts are named as in roster.csv: `date` plus `shift_id` (the shift type id). Days off name
the night they follow by its full shift id ('<date>:<shift type id>'), as the checker does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from roster.checker import CHECKS, CheckResult, Finding
from roster.formats.exchange import Roster, holes
from roster.instance import Instance
from roster.rules import DayOffAfterNightParams

if TYPE_CHECKING:  # `legevakt check` uses this module without loading OR-Tools or numpy
    from roster.fairness import FairnessReport
    from solver.solve import SolveOptions, SolveResult

REPORT_FORMAT = "vaktplan-report"
REPORT_VERSION = 1


def build_report(
    instance: Instance,
    result: SolveResult,
    check: CheckResult | None,
    fairness: FairnessReport | None,
    options: SolveOptions,
) -> dict[str, Any]:
    """The report.json document. `check` and `fairness` are None when no roster was found."""
    return {
        "format": REPORT_FORMAT,
        "version": REPORT_VERSION,
        "instance": instance.name,
        "legevakt": {"id": instance.legevakt.id, "name": instance.legevakt.name},
        "period": {
            "start": instance.period.start.isoformat(),
            "end": instance.period.end.isoformat(),
        },
        "status": result.status,
        "explanation": list(result.explanation),
        "notes": list(result.notes),
        "stages": [s.to_dict() for s in result.stages],
        "largest_deviation": largest_deviation(result, fairness),
        "fairness": fairness.to_dict() if fairness is not None else None,
        "uncovered": uncovered_shifts(instance, result.roster),
        "days_off_after_night": days_off_after_night(instance, check),
        "breaches": findings_by_rule(check.breaches if check else ()),
        "remarks": findings_by_rule(check.remarks if check else ()),
        "seconds": round(result.seconds, 3),
        "variables": result.variables,
        "seed": options.seed,
        "workers": options.workers,
        "time_limit": options.time_limit,
        "deterministic": options.deterministic,
        "replan": {
            "previous": options.previous is not None,
            "freeze_before": (
                options.freeze_before.isoformat() if options.freeze_before is not None else None
            ),
        },
        "rules": instance.rules.record(),
    }


def largest_deviation(result: SolveResult, fairness: FairnessReport | None) -> dict[str, Any]:
    """Largest deviation from target in the roster (points) and the solver's proven bound."""
    stage = result.stage("total")
    bound = stage.bound if stage is not None else None
    return {
        "value": round(fairness.max_deviation, 3) if fairness is not None else None,
        "bound": round(bound, 3) if bound is not None else None,
    }


def uncovered_shifts(instance: Instance, roster: Roster | None) -> list[dict[str, Any]]:
    """Shifts left with fewer doctors than needed, each with why nobody could take it."""
    if roster is None:
        return []
    found = holes(instance, roster)
    from solver.explain import explain_holes  # OR-Tools: only when a plan was solved

    lines = explain_holes(instance, roster)  # one line per hole, in the same order
    if len(lines) != len(found):
        lines = [""] * len(found)
    return [
        {
            "date": shift.date.isoformat(),
            "shift_id": shift.type_id,
            "label": shift.label,
            "missing": missing,
            "explanation": line,
        }
        for (shift, missing), line in zip(found, lines, strict=True)
    ]


def days_off_after_night(instance: Instance, check: CheckResult | None) -> dict[str, Any]:
    """Practice days given off after on-site nights, and what the compensation costs.

    The cost is only known when the rule day_off_after_night has `compensation_nok` on the
    dates in question; `total_cost_nok` is None when it has none on any of them.
    """
    days = sorted(check.days_off if check else (), key=lambda d: (d.date, d.doctor_id))
    total: int | None = None
    rows = []
    for off in days:
        p = instance.rules.params("day_off_after_night", off.date, DayOffAfterNightParams)
        if p.compensation_nok is not None:
            total = (total or 0) + p.compensation_nok
        rows.append(
            {
                "doctor_id": off.doctor_id,
                "doctor_name": _doctor_name(instance, off.doctor_id),
                "date": off.date.isoformat(),
                "after_shift": off.after_shift,
                "compensation_nok": p.compensation_nok,
            }
        )
    return {"count": len(rows), "total_cost_nok": total, "days": rows}


def findings_by_rule(findings: tuple[Finding, ...] | list[Finding]) -> dict[str, Any]:
    """Count of findings, and per rule id in the checker's (rule set) order."""
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.rule] = counts.get(f.rule, 0) + 1
    order = {rule: i for i, rule in enumerate(CHECKS)}
    by_rule = dict(sorted(counts.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))
    return {"count": len(findings), "by_rule": by_rule}


def _doctor_name(instance: Instance, doctor_id: str) -> str:
    return instance.doctor(doctor_id).name if instance.has_doctor(doctor_id) else ""
