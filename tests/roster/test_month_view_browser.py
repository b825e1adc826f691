"""The print month view in a real headless Chromium: rendered, printed to A4 landscape PDF,
and a screenshot kept in tests/artifacts/ for a person to look at."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from roster.formats.exports import UNSTAFFED, month_html
from roster.model import Municipality
from tests.factories import (
    D,
    make_doctor,
    make_instance,
    make_legevakt,
    make_night,
    make_shift_type,
    roster_of,
)

NAME = "Åse Bjørnstad Ødegård"
A4_LANDSCAPE_POINTS = (842, 595)  # 297 x 210 mm


def two_month_instance() -> Any:
    legevakt = make_legevakt(
        municipalities=(Municipality(id="inderoy", name="Inderøy", population=6800),),
        name="Innherred legevakt",
    )
    doctors = (
        make_doctor("d1", name=NAME, municipality="inderoy"),
        make_doctor("d2", name="Per Hansen", municipality="inderoy"),
    )
    types = (
        make_shift_type("kveld", label="Kveld"),
        make_night(),
    )
    return make_instance(
        doctors=doctors,
        shift_types=types,
        legevakt=legevakt,
        start=D(2027, 1, 25),
        end=D(2027, 2, 7),
    )


def test_month_view_renders_and_prints_a4_landscape_in_chromium(
    browser: Any, artifacts: Path
) -> None:
    inst = two_month_instance()
    pairs = []
    for i, s in enumerate(inst.shifts):
        if s.id == "2027-02-03:natt":
            continue  # a hole: must be marked so it shows in black and white
        pairs.append((s.id, "d1" if i % 2 else "d2"))
    html = month_html(inst, roster_of(*pairs))

    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.set_content(html, wait_until="load")
        page.screenshot(path=str(artifacts / "month_view.png"), full_page=True)
        body = page.inner_text("body")
        assert "Innherred legevakt" in body
        assert "Januar 2027" in body and "Februar 2027" in body
        assert NAME in body
        # One hole, marked in words and type (not by colour alone) on its own day.
        holes = page.locator(".unstaffed")
        assert holes.count() == 1
        assert holes.first.inner_text() == UNSTAFFED
        assert holes.first.evaluate("e => getComputedStyle(e).fontWeight") in ("700", "bold")
        day = holes.first.locator("xpath=ancestor::td[1]").inner_text()
        assert day.startswith("3.") and "Natt" in day

        page.emulate_media(media="print")
        pdf = page.pdf(prefer_css_page_size=True, print_background=False)
        (artifacts / "month_view.pdf").write_bytes(pdf)
    finally:
        page.close()

    pages = re.findall(rb"/Type\s*/Page[^s]", pdf)
    assert len(pages) == 2, "one printed page per month"
    boxes = {
        tuple(round(float(v)) for v in m.groups())
        for m in re.finditer(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    }
    assert boxes == {A4_LANDSCAPE_POINTS}
