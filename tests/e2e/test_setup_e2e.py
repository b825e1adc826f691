"""A new legevakt from scratch in Debian's Chromium, without a line of YAML: the «Ny
legevakt» form, a municipality, a shift type and a competence back-up in the setup forms, the
staff list uploaded and confirmed, a plan made, checked by the oracle, and published."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.e2e.conftest import LiveServer
from tests.web.conftest import PASSWORD, USER, assert_no_breaches
from tests.web.test_pages import GOOD_STAFF

TIMEOUT = 30_000  # ms: waits on state, never a timing assertion
SOLVE_TIMEOUT = 300  # s: a job's end is awaited on its state; this only bounds a hung run


def test_new_legevakt_from_scratch_with_no_yaml_is_planned_and_published(
    browser: Any, live_server: LiveServer, artifacts: Path
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nb-NO")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    base = live_server.url
    page.goto(base + "/login")
    page.fill("input[name=brukernavn]", USER)
    page.fill("input[name=passord]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")

    # the new legevakt: a first try with a bad address shows the field by name, keeps the rest
    new = page.locator("#ny")
    new.locator("input[name=name]").fill("Fjordby legevakt")
    new.locator("input[name=id]").fill("fjordby")
    new.locator("input[name=host]").fill("ikke en adresse")
    new.locator("input[name=kommune_id]").fill("fjellvik")
    new.locator("input[name=kommune_navn]").fill("Fjellvik")
    new.locator("input[name=kommune_innbyggere]").fill("4100")
    new.locator("input[name=start]").fill("2027-01-04")
    new.locator("input[name=end]").fill("2027-02-28")
    new.locator("button:has-text('Opprett legevakt')").click()
    problems = page.locator("#ny .problems")
    problems.wait_for()
    assert "Nettadresse (vertsnavn):" in problems.inner_text()
    assert page.locator("#ny input[name=name]").input_value() == "Fjordby legevakt"
    page.fill("#ny input[name=host]", "fjordby-legevakt.no")
    page.locator("#ny button:has-text('Opprett legevakt')").click()
    page.wait_for_url(re.compile(r".*/legevakter/fjordby/oppsett\?lagret=ny.*"))
    assert "Legevakten er opprettet" in page.locator("main").inner_text()

    # a second municipality
    add = page.locator("#kommuner form.row:not(.compact)")
    add.locator("input[name=id]").fill("fjordby")
    add.locator("input[name=name]").fill("Fjordby")
    add.locator("input[name=population]").fill("9000")
    add.locator("button:has-text('Legg til kommune')").click()
    page.locator("#kommuner .ok").wait_for()
    assert page.locator("#kommuner .editlist li").count() == 2

    # a weekend day for Fjellvik only, then a competence back-up for the night
    def shift_type(fields: dict[str, str], checks: list[str], role: str, mode: str) -> None:
        page.goto(base + "/legevakter/fjordby/oppsett/vakttyper/ny")
        for name, value in fields.items():
            page.fill(f"input[name={name}]", value)
        page.select_option("select[name=role]", role)
        page.select_option("select[name=mode]", mode)
        for selector in checks:
            page.check(selector)
        page.click("button:has-text('Lagre vakttypen')")
        page.wait_for_url(re.compile(r".*/oppsett\?lagret=vakttyper.*"))

    shift_type(
        {"id": "helg-dag", "label": "Helg dag", "start": "10:00", "end": "16:00", "points": "3"},
        ["input[name=days][value=saturday]", "input[name=days][value=sunday]"],
        "primary",
        "onsite",
    )
    page.goto(base + "/legevakter/fjordby/oppsett/vakttyper/ny")
    page.fill("input[name=id]", "bakvakt-natt")
    page.fill("input[name=label]", "Kompetansebakvakt natt")
    page.fill("input[name=start]", "23:00")
    page.fill("input[name=end]", "08:00")
    page.fill("input[name=points]", "1")
    page.select_option("select[name=role]", "backup_competence")
    page.select_option("select[name=mode]", "standby")
    page.click("button:has-text('Lagre vakttypen')")  # no response time, no days: refused
    page.locator(".problems").wait_for()
    text = page.locator(".problems").inner_text()
    assert "Dager:" in text and "ingenting er lagret" in text
    page.check("input[name=days][value=weekday]")
    page.check("input[name=days][value=saturday]")
    page.check("input[name=days][value=sunday]")
    page.fill("input[name=response_minutes]", "60")
    page.check("input[name=covers][value=natt]")
    page.click("button:has-text('Lagre vakttypen')")
    page.wait_for_url(re.compile(r".*/oppsett\?lagret=vakttyper.*"))
    types = page.locator("#vakttyper tbody").inner_text()
    assert "Helg dag" in types and "bakvakt for Natt" in types
    shot = str(artifacts / "web-20-setup.png")
    page.screenshot(path=shot, full_page=True)

    # the staff list: what it changes, then saved
    page.goto(base + "/legevakter/fjordby")
    page.set_input_files(
        "input[name=fil]",
        files=[{"name": "ansatte.csv", "mimeType": "text/csv", "buffer": GOOD_STAFF}],
    )
    page.click("#ansatte button[type=submit]")
    page.locator("#ansatte .preview").wait_for()
    assert "Nye (5)" in page.locator("#ansatte .preview").inner_text()
    page.click("button:has-text('Lagre legelisten')")
    page.locator("text=Lastet opp 5 leger").wait_for()

    # a plan, checked by the oracle, and published
    page.select_option("select[name=tidsgrense]", "30.0")
    page.click("button:has-text('Lag vaktplan')")
    page.wait_for_url(re.compile(r".*/planer/\d+$"))
    job_id = int(page.url.rsplit("/", 1)[1])
    live_server.app.state.runner.wait(job_id, timeout=SOLVE_TIMEOUT)
    page.locator("button:has-text('Publiser')").wait_for()  # the page reloads itself
    assert_no_breaches(live_server.app, job_id)
    assert "Utkast" in page.locator("main .state").inner_text()
    asked: list[str] = []

    def accept(dialog: Any) -> None:  # publishing asks first
        asked.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    page.click("button:has-text('Publiser')")
    page.wait_for_url(base + "/legevakter/fjordby/versjoner/1")
    assert asked and "Publisere planen?" in asked[0]
    assert "Publisert versjon 1" in page.locator("h1").inner_text()
    page.click("nav.tabs >> text=Uke")
    page.locator("ol.week").wait_for()
    assert page.locator("ol.week > li").count() == 7
    context.close()
