"""The guide inside the app (web.help): every link from one of its pages to another doc
points inside the app, so none leads to a file the app does not serve."""

from __future__ import annotations

import re

import pytest

from web.help import PAGES, rendered


@pytest.mark.parametrize("name", list(PAGES))
def test_guide_links_to_docs_stay_inside_the_app(name: str) -> None:
    html = str(rendered(name))
    assert not re.findall(r'href="[^"]*\.md[^"]*"', html)
    assert not re.findall(r">[a-z\-]+\.md</a>", html)  # named by their titles
    for target in re.findall(r'href="/hjelp/([a-z\-]+)', html):
        assert target in PAGES


def test_guide_web_links_to_the_operators_page() -> None:
    assert '<a href="/hjelp/drift">' + PAGES["drift"] + "</a>" in str(rendered("web"))
