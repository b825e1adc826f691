"""Accessibility in Debian's Chromium: axe-core (the npm package, installed by .ci/run into
tests/axe/) runs on every page a leader opens, at desktop and at phone width, and no page may
have a critical or serious violation; at phone width no page is wider than the screen (wide
tables and charts scroll inside it, reachable by keyboard). The pages are walked from the app's routes, as the
access and language walks do, so a page added later is audited too; a doctor's own pages are
walked signed in as a doctor."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.e2e.conftest import LiveServer
from tests.web.conftest import PASSWORD, USER, api_login
from tests.web.routes import page_urls
from tests.web.test_language import DOCTOR_PAGES
from tests.web.world import QUERIES, published_fjellvik
from web.help import PAGES

AXE = Path(__file__).resolve().parents[1] / "axe" / "node_modules" / "axe-core" / "axe.min.js"
TIMEOUT = 30_000  # ms: generous waits on state, never a timing assertion
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}

#: Runs axe on the page; the serious and critical violations, each with a few of its nodes.
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations
    .filter(v => v.impact === 'critical' || v.impact === 'serious')
    .map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
}"""


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail("axe-core is required under CI=true (.ci/run installs it)")
        pytest.skip("axe-core not installed (npm ci --prefix tests/axe)")
    return AXE.read_text(encoding="utf-8")


def sign_in_link(app: Any, doctor_id: str) -> str:
    """A fresh one-time sign-in link's token for a doctor of Fjellvik."""
    from web import links, store

    with app.state.sessions() as s:
        token = links.create_link(s, store.legevakt(s, "fjellvik"), doctor_id, USER)
        s.commit()
    return str(token)


def audit(page: Any, axe_source: str) -> list[dict[str, Any]]:
    page.evaluate(axe_source)  # evaluated by the browser's debugger: the page's CSP allows it
    result: list[dict[str, Any]] = page.evaluate(RUN_AXE)
    return result


def test_every_page_has_no_serious_accessibility_violation(
    browser: Any, live_server: LiveServer, axe_source: str, artifacts: Path
) -> None:
    api = TestClient(live_server.app)  # no lifespan: the live server owns the job runner
    api_login(api)
    values = published_fjellvik(live_server.app, api)
    urls = page_urls(live_server.app.router.routes, values, QUERIES)
    urls += [f"/hjelp/{name}" for name in PAGES if name != "web"]
    urls += ["/login", "/finnes-ikke"]
    found: dict[str, list[dict[str, Any]]] = {}
    for width, (w, h) in WIDTHS.items():
        context = browser.new_context(viewport={"width": w, "height": h}, locale="nb-NO")
        page = context.new_page()
        page.set_default_timeout(TIMEOUT)
        page.goto(live_server.url + "/login")
        page.fill("input[name=brukernavn]", USER)
        page.fill("input[name=passord]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(live_server.url + "/")
        for url in urls:
            if url == "/login":
                continue  # audited below, signed out
            page.goto(live_server.url + url)
            page.locator("main").wait_for()
            if violations := audit(page, axe_source):
                found[f"{width} {url}"] = violations
                page.screenshot(path=str(artifacts / f"axe-{width}-{len(found)}.png"))
            wide = page.evaluate("document.documentElement.scrollWidth")
            if wide > w + 1:  # wide tables and charts scroll inside the page, never the page
                found[f"{width} {url}"] = [{"id": "sidebredde", "scrollWidth": wide}]
        # a form with problems, and the staff list's preview
        page.goto(live_server.url + "/legevakter/fjellvik/oppsett")
        page.fill("#kommuner form.row:not(.compact) input[name=id]", "ugyldig id")
        page.fill("#kommuner form.row:not(.compact) input[name=name]", "X")
        page.fill("#kommuner form.row:not(.compact) input[name=population]", "-1")
        page.click("button:has-text('Legg til kommune')")
        page.locator(".problems").wait_for()
        if violations := audit(page, axe_source):
            found[f"{width} oppsett med feil"] = violations
        context.close()
        # a doctor's own pages, signed in with a link as a doctor is
        doctor = browser.new_context(viewport={"width": w, "height": h}, locale="nb-NO")
        page = doctor.new_page()
        page.set_default_timeout(TIMEOUT)
        page.goto(live_server.url + "/inn/" + sign_in_link(live_server.app, "fv-03"))
        page.wait_for_url(live_server.url + "/min-side")
        swap = page.locator("a[href^='/min-side/kolleger?']").first.get_attribute("href")
        for url in (*DOCTOR_PAGES, swap or "/min-side"):
            page.goto(live_server.url + url)
            page.locator("main").wait_for()
            if violations := audit(page, axe_source):
                found[f"{width} lege {url}"] = violations
            wide = page.evaluate("document.documentElement.scrollWidth")
            if wide > w + 1:
                found[f"{width} lege {url}"] = [{"id": "sidebredde", "scrollWidth": wide}]
        doctor.close()
        signed_out = browser.new_context(viewport={"width": w, "height": h}, locale="nb-NO")
        login = signed_out.new_page()
        login.goto(live_server.url + "/login")
        if violations := audit(login, axe_source):
            found[f"{width} /login"] = violations
        signed_out.close()
    assert len(urls) > 20
    assert found == {}, "\n".join(f"{k}: {v}" for k, v in found.items())
