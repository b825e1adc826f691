"""The fairness figures as leaders and doctors read them (web pages and the CLI): counts
against their band per category and shift type, largest deviations first, the numbers for a
chart a leader reads in ten seconds, and the solver's stages in plain words. Pure functions
over roster.fairness's report."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from roster.fairness import CATEGORIES, DoctorLoad, FairnessReport
from roster.glossary import (
    FAIRNESS_CATEGORY_NO,
    STAGE_NO,
    STAGE_STATUS_NO,
    number_no,
    signed_no,
    spread_no,
)
from roster.instance import Instance
from roster.targets import band, integer_lower_bound


@dataclass(frozen=True)
class Count:
    """A doctor's count of one kind of duty against its target."""

    have: int
    target: float

    @property
    def band(self) -> tuple[int, int]:
        return band(self.target)

    @property
    def off(self) -> int:
        """Duties above (+) or below (-) the whole numbers next to the target; 0 inside."""
        lo, hi = self.band
        return max(0, self.have - hi) - max(0, lo - self.have)

    @property
    def css(self) -> str:
        return "over" if self.off > 0 else ("under" if self.off < 0 else "in")

    @property
    def mark(self) -> str:
        """A sign that does not rely on colour: ▲ above the band, ▼ below."""
        return "▲" if self.off > 0 else ("▼" if self.off < 0 else "")

    @property
    def text(self) -> str:
        return f"{self.have} / {number_no(self.target, 1)}"


@dataclass(frozen=True)
class Kind:
    key: str  # a category, or "type:<shift type id>"
    label: str


def kinds(instance: Instance) -> list[Kind]:
    """What doctors count: the categories, then each shift type."""
    out = [Kind(c, FAIRNESS_CATEGORY_NO[c]) for c in CATEGORIES]
    out += [Kind(f"type:{t.id}", t.label) for t in instance.shift_types]
    return out


def counts_of(load: DoctorLoad, kind: Kind) -> Count | None:
    if kind.key.startswith("type:"):
        type_id = kind.key[5:]
        if type_id not in load.type_targets:
            return None
        return Count(load.by_type.get(type_id, 0), load.type_targets[type_id])
    if kind.key not in load.category_targets:
        return None
    return Count(load.count_by_category[kind.key], load.category_targets[kind.key])


def doctor_counts(instance: Instance, load: DoctorLoad) -> list[tuple[Kind, Count]]:
    """One doctor's counts against target, for the doctor's page."""
    return [(k, c) for k in kinds(instance) if (c := counts_of(load, k)) is not None]


@dataclass(frozen=True)
class DoctorRow:
    load: DoctorLoad
    municipality: str
    counts: list[Count | None]

    @property
    def outside(self) -> int:
        return sum(abs(c.off) for c in self.counts if c is not None)

    @property
    def deviation_text(self) -> str:
        dev = self.load.deviation
        return "–" if dev is None else signed_no(dev)


def doctor_rows(instance: Instance, report: FairnessReport) -> list[DoctorRow]:
    """Every doctor in the sharing, the largest deviations first: most duties outside their
    bands, then furthest from their points target."""
    munis = {m.id: m.name for m in instance.legevakt.municipalities}
    columns = kinds(instance)
    rows = [
        DoctorRow(d, munis.get(d.municipality, d.municipality), [counts_of(d, k) for k in columns])
        for d in report.doctors
        if d.type_targets
    ]
    return sorted(
        rows,
        key=lambda r: (-r.outside, -abs(r.load.deviation or 0.0), r.load.name),
    )


@dataclass(frozen=True)
class BandBar:
    """How many doctors are below, inside and above their band for one kind of duty."""

    kind: Kind
    under: int
    inside: int
    over: int
    like_spread: int  # largest difference among like doctors

    @property
    def total(self) -> int:
        return self.under + self.inside + self.over


def band_bars(instance: Instance, report: FairnessReport) -> list[BandBar]:
    out = []
    for kind in kinds(instance):
        cs = [c for d in report.doctors if (c := counts_of(d, kind)) is not None]
        if not any(c.target > 0 or c.have > 0 for c in cs):
            continue
        out.append(
            BandBar(
                kind,
                under=sum(1 for c in cs if c.off < 0),
                inside=sum(1 for c in cs if c.off == 0),
                over=sum(1 for c in cs if c.off > 0),
                like_spread=report.like_spread.get(kind.key, 0),
            )
        )
    return out


def fairness_words(report: FairnessReport, stages: Sequence[dict[str, Any]]) -> list[str]:
    """Two or three sentences: are like doctors alike, how far the points are from target,
    and what is proven."""
    lines: list[str] = []
    like = sum(len(g) for g in report.like_groups)
    if like:
        worst = report.worst_like_spread
        lines.append(
            f"{like} leger har samme mål som minst én annen lege. Blant dem er forskjellen i "
            f"antall netter, helger, kvelder og hver vakttype høyst {worst}"
            + (" – slik det skal være." if worst <= 1 else ".")
        )
    total = next((s for s in stages if s.get("stage") == "total"), None)
    value = report.max_deviation
    text = f"Største avvik fra målet i poeng: {spread_no(value)}."
    if total and total.get("bound") is not None:
        bound = max(0.0, float(total["bound"]))
        plain = _plain_bound(report)
        text += f" Bevist: ingen plan kan komme nærmere enn {spread_no(bound)}"
        if bound > plain + 0.005:
            text += (
                f" når alle har likt antall av hver vakttype (uten det kravet: {spread_no(plain)})."
            )
        else:
            text += "."
    lines.append(text)
    return lines


def _plain_bound(report: FairnessReport) -> float:
    """The bound from whole points alone: no roster, counts in band or not, does better."""
    targets = {d.doctor_id: d.target for d in report.doctors if d.target is not None}
    total = round(sum(targets.values()))
    return integer_lower_bound(targets, (0, 10 * total + 10))


@dataclass(frozen=True)
class StageLine:
    name: str
    status: str
    result: str


@dataclass(frozen=True)
class BandParts:
    """What the categories stage's one value adds up, told apart from the finished plan:
    doctors with a count outside its band (the ▲▼ in the tables), and duties on a big holiday
    the doctor had last year (the rule big_holiday_rotation, which the stage weighs too)."""

    doctors_outside: int
    rotation: int


def band_parts(rows: Sequence[DoctorRow], remarks: dict[str, Any] | None) -> BandParts:
    """`rows`: doctor_rows of the plan; `remarks`: the checker's remark counts as stored in
    a plan's report ({"count": …, "by_rule": {rule id: count}})."""
    by_rule = (remarks or {}).get("by_rule", {})
    return BandParts(
        doctors_outside=sum(1 for r in rows if r.outside),
        rotation=int(by_rule.get("big_holiday_rotation", 0)),
    )


def stage_lines(
    stages: Sequence[dict[str, Any]], parts: BandParts | None = None
) -> list[StageLine]:
    """The solver's stages as sentences a leader reads; `parts` tells what the categories
    stage's value is made of (without it, the value is named for both)."""
    out = []
    for s in stages:
        name, value, bound = s.get("stage", ""), s.get("value"), s.get("bound")
        result = _result(name, value, bound)
        if name == "categories" and value is not None and parts is not None:
            result = categories_words(parts)
        out.append(
            StageLine(
                STAGE_NO.get(name, name),
                STAGE_STATUS_NO.get(s.get("status", ""), s.get("status", "")),
                result,
            )
        )
    return out


def categories_words(parts: BandParts) -> str:
    """«alle innenfor båndet», or how many doctors are not; the big-holiday rotation named
    apart, since it is no count outside a band."""
    n = parts.doctors_outside
    text = (
        "alle innenfor båndet"
        if n == 0
        else f"{n} {'lege' if n == 1 else 'leger'} med antall utenfor båndet"
    )
    if parts.rotation:
        text += "; " + rotation_words(parts.rotation)
    return text


def rotation_words(duties: int) -> str:
    """«2 vakter i jul, nyttår eller påske går til en lege som også hadde samme høytid i fjor»"""
    return (
        f"{duties} {'vakt' if duties == 1 else 'vakter'} i jul, nyttår eller påske går til en "
        "lege som også hadde samme høytid i fjor"
    )


#: The lead sentence of the solver's note on counts it could not bring inside their bands
#: (solver.explain.explain_bands). Its number is the weighted duties outside the bands; in
#: plans solved before 2026-12-01 it was the categories stage's whole value, which counted
#: the big-holiday rotation too. Pages word it from the finished plan either way.
BAND_NOTE = re.compile(
    r"Reglene gjør at \d+ \(vektede\) vakter havner utenfor båndet rundt målet for noen "
    r"leger: ingen plan kan gi alle likt antall\.\s*"
)


def plan_notes(notes: Sequence[str], parts: BandParts) -> list[str]:
    """The notes stored with a plan as a page shows them: the solver's note on duties outside
    the band says what the finished plan has (doctors outside their band, and the big-holiday
    rotation named apart), not the stage's weighted sum of both."""
    out = []
    for note in notes:
        found = BAND_NOTE.match(note)
        if found is None:
            out.append(note)
            continue
        if parts.doctors_outside:
            n = parts.doctors_outside
            out.append(
                f"Reglene gjør at {n} {'lege' if n == 1 else 'leger'} får antall utenfor "
                "båndet rundt målet: ingen plan kan gi alle likt antall. " + note[found.end() :]
            )
        if parts.rotation:
            out.append(
                rotation_words(parts.rotation) + ": det er et ønske, og planleggeren veier "
                "det mot like antall for alle."
            )
    return [n.strip() for n in out]


def _result(name: str, value: float | None, bound: float | None) -> str:
    if value is None:
        return "–"
    if name == "coverage":
        return "alle vakter bemannet" if value == 0 else f"{number_no(value, 0)} ubemannet"
    if name == "categories":
        return (
            "alle innenfor båndet"
            if value == 0
            else f"{number_no(value, 0)} (vektet sum av antall utenfor båndet og store "
            "høytider som i fjor)"
        )
    if name in ("total", "municipalities"):
        text = f"største avvik {spread_no(value)} poeng"
        if bound is not None and name == "total":
            text += f" (bevist grense {spread_no(bound)})"
        return text
    if name == "changes":
        return f"{number_no(value, 0)} vakter flyttet"
    if name == "spread":
        return f"{number_no(value, 0)} vakter tettere enn jevnt"
    if name == "wishes":
        return f"{number_no(value, 0)} (vektede) ønsker ikke oppfylt"
    return number_no(value, 1)
