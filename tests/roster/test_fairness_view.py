"""How the fairness page words the categories stage: its one value adds up duties outside
the bands and the big-holiday rotation (both weighted), so the words tell them apart."""

from __future__ import annotations

from roster.fairness_view import BandParts, plan_notes, stage_lines

#: The note solver.explain.explain_bands writes when the categories stage is proven at best.
SOLVER_NOTE = (
    "Reglene gjør at 2 (vektede) vakter havner utenfor båndet rundt målet for noen leger: "
    "ingen plan kan gi alle likt antall."
)
CATEGORIES = {"stage": "categories", "status": "optimal", "value": 2.0, "bound": 2.0}


def test_categories_words_every_doctor_inside_names_the_rotation_apart() -> None:
    (line,) = stage_lines([CATEGORIES], BandParts(doctors_outside=0, rotation=2))
    assert line.result.startswith("alle innenfor båndet")
    assert "2 vakter i jul, nyttår eller påske" in line.result
    assert "vektede" not in line.result


def test_categories_words_doctors_outside_counted_as_the_tables_show_them() -> None:
    (line,) = stage_lines([CATEGORIES], BandParts(doctors_outside=1, rotation=0))
    assert line.result == "1 lege med antall utenfor båndet"


def test_categories_words_without_the_plan_name_both_parts() -> None:
    (line,) = stage_lines([CATEGORIES])
    assert "utenfor båndet" in line.result and "høytider som i fjor" in line.result


def test_plan_notes_band_note_every_doctor_inside_says_rotation_not_band() -> None:
    notes = plan_notes(
        [SOLVER_NOTE + " Det er samspillet mellom reglene og hvem som kan ta vaktene.", "Annet."],
        BandParts(doctors_outside=0, rotation=2),
    )
    assert len(notes) == 2 and notes[1] == "Annet."
    assert "utenfor båndet" not in notes[0]
    assert notes[0].startswith("2 vakter i jul, nyttår eller påske går til en lege")


def test_plan_notes_band_note_doctors_outside_keeps_the_rules_named() -> None:
    notes = plan_notes(
        [SOLVER_NOTE + " Uten «Hviletid» ville flere fått likt antall."],
        BandParts(doctors_outside=3, rotation=1),
    )
    assert notes[0] == (
        "Reglene gjør at 3 leger får antall utenfor båndet rundt målet: ingen plan kan gi "
        "alle likt antall. Uten «Hviletid» ville flere fått likt antall."
    )
    assert notes[1].startswith("1 vakt i jul, nyttår eller påske går til en lege")
