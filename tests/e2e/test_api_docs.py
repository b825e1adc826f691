"""The API's documentation works with no internet (as in a hospital network): Swagger UI's
files come from an installed package through the app, never from a CDN."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import LiveServer

TIMEOUT = 30_000  # ms: a wait on state, never a timing assertion


def test_swagger_ui_renders_with_every_outside_request_refused(
    browser: Any, live_server: LiveServer
) -> None:
    context = browser.new_context(locale="nb-NO")
    outside: list[str] = []

    def only_local(route: Any) -> None:
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(live_server.url + "/docs")
    title = page.locator(".swagger-ui .info .title")
    title.wait_for()
    assert "Vaktplan" in title.inner_text()
    assert page.locator(".opblock").count() > 10  # the API's operations, read from /openapi.json
    assert outside == []
    context.close()
