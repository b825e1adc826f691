"""The user guide inside the app: docs/*.md rendered as pages under /hjelp, and the API's
Swagger UI at /docs with its scripts served from an installed package (no CDN: the app works
offline, as in a hospital network)."""

from __future__ import annotations

import functools
import re
from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from markdown_it import MarkdownIt
from markupsafe import Markup

from web.access import Principal, signed_in
from web.errors import not_found
from web.pages import render

#: The user documentation (Norwegian), beside the packages in the source tree.
DOCS = Path(__file__).resolve().parent.parent / "docs"

#: The guide's pages, in reading order, with their titles.
PAGES: dict[str, str] = {
    "web": "Webappen: fra legeliste til publisert plan",
    "ansatteliste": "Legelisten (CSV eller Excel)",
    "regler": "Reglene",
    "rettferdighet": "Rettferdig fordeling",
    "kalender": "Kalenderen på telefonen",
    "leger": "Etter publisering: bytter, vaktbørs og regnskap",
    "hva-om": "Hva om …?",
    "drift": "For den som drifter: installasjon og flere maskiner",
}

router = APIRouter(include_in_schema=False)

#: A link to another page of the guide, with its text.
_LINK = re.compile(r'<a href="(?:\./)?([a-z\-]+)\.md(#[^"]*)?">(.*?)</a>')


def _inside(m: re.Match[str]) -> str:
    """A link to a page of the guide points inside the app, and a link named by its file
    ("regler.md") is named by the page's title."""
    page, anchor, text = m.groups()
    if page not in PAGES:
        return m.group(0)
    shown = PAGES[page] if text == f"{page}.md" else text
    return f'<a href="/hjelp/{page}{anchor or ""}">{shown}</a>'


@functools.cache
def rendered(name: str) -> Markup:
    """One page of the guide as HTML (no raw HTML from the file; links to other pages of
    the guide point inside the app)."""
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    html = _LINK.sub(_inside, md.render((DOCS / f"{name}.md").read_text(encoding="utf-8")))
    # wide blocks scroll inside the page, and a keyboard reaches what they hide
    html = html.replace("<pre>", '<pre tabindex="0">')
    html = html.replace(
        "<table>", '<div class="scroll" tabindex="0" role="region" aria-label="Tabell"><table>'
    ).replace("</table>", "</table></div>")
    return Markup(html)


@router.get("/hjelp")
def help_index(request: Request, who: Principal = Depends(signed_in)) -> Response:
    return render(request, "hjelp.html", {"pages": PAGES, "name": None, "body": None})


@router.get("/hjelp/{name}")
def help_page(request: Request, name: str, who: Principal = Depends(signed_in)) -> Response:
    if name not in PAGES or not (DOCS / f"{name}.md").is_file():
        raise not_found("Siden i brukerveiledningen")
    return render(request, "hjelp.html", {"pages": PAGES, "name": name, "body": rendered(name)})


def swagger_offline(app: FastAPI) -> None:
    """/docs: Swagger UI from the swagger-ui-bundle package's files, served by the app."""
    from swagger_ui_bundle import swagger_ui_path

    app.mount("/docs-filer", StaticFiles(directory=str(swagger_ui_path)), name="docs-filer")

    async def docs(request: Request) -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title="Vaktplan – API",
            swagger_js_url="/docs-filer/swagger-ui-bundle.js",
            swagger_css_url="/docs-filer/swagger-ui.css",
            swagger_favicon_url="/docs-filer/favicon-32x32.png",
        )

    app.add_route("/docs", docs, include_in_schema=False)
