"""Every page in Norwegian: walks the app's page routes (as the access walk does, so a page
added later is walked too), the user guide, error pages and forms with problems, and fails
on an English word or a raw identifier (`kind=sick`, `backup_competence`, `onsite`, `None`)
in what a person reads: the text, and the title, placeholder, aria-label and alt attributes.

Code in the user guide (`rule_overrides:`) and the YAML editor's text are for power users
and are left out, as are hidden fields."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from typing import Any

from fastapi.testclient import TestClient

from tests.web.conftest import doctor_client, page_login
from tests.web.routes import page_urls
from tests.web.world import QUERIES, published_fjellvik
from web.help import PAGES

#: A doctor's own pages, walked signed in as a doctor.
DOCTOR_PAGES = ("/min-side", "/min-side/plan", "/min-side/onsker", "/konto")

#: English words that have no place in a Norwegian page (whole words, any case).
ENGLISH = frozenset(
    """the and of with without error errors found none true false submit loading
    shift shifts doctor doctors backup onsite standby primary holiday holidays weekday
    weekend evening night nights points target value field required invalid missing
    unknown page allowed internal server method please click here next previous save
    cancel delete edit draft published version schedule roster""".split()
)
#: Raw identifiers: key=value pairs and snake_case names from code or files.
IDENTIFIER = re.compile(r"\b\w+=\S|\b[a-z]+_[a-z0-9_]+\b")
#: Words that do not agree or numbers a leader does not write: ISO dates (2027-01-18; a
#: Norwegian page says 18.1.2027), a signed zero (±0,0, −0,0, +0,0) and a plural after one.
DISAGREE = re.compile(r"[±−+-]0(?:,0+)?(?![,\d])|\b1 (?:nye|leger|vakter|dager|uker|endringer)\b")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
#: A link shown as text (a private calendar link): its random token may read "-0x" or "a_b".
URL = re.compile(r"\bhttps?://\S+")

SKIP = {"script", "style", "textarea", "code", "pre", "template"}
VOID = {"input", "br", "img", "meta", "link", "hr", "col", "source", "wbr", "area", "base"}
SHOWN_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")


class Visible(HTMLParser):
    """The text a person reads on a page (and in attributes a browser shows)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, hidden)
        self.parts: list[str] = []

    @property
    def hidden(self) -> bool:
        return any(h for _, h in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        hidden = tag in SKIP or "hidden" in found or found.get("type") == "hidden"
        if not (self.hidden or hidden):
            self.parts += [v for k, v in attrs if k in SHOWN_ATTRIBUTES and v]
            if tag == "input" and found.get("type") in ("submit", "button") and found.get("value"):
                self.parts.append(str(found["value"]))
        if tag not in VOID:
            self.stack.append((tag, hidden))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if not self.hidden and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> str:
    parser = Visible()
    parser.feed(html)
    return "\n".join(parser.parts)


def foreign_words(text: str, dates: bool = True) -> list[str]:
    """English words, raw identifiers, words that do not agree and (with `dates`) ISO dates.
    The user guide cites laws by their Lovdata id (FOR-2012-08-29-842): its dates are not
    checked. Links shown as text are left out: their tokens are random."""
    text = URL.sub(" ", text)
    words = [w for w in re.findall(r"[A-Za-z]+", text) if w.lower() in ENGLISH]
    words += IDENTIFIER.findall(text) + DISAGREE.findall(text)
    return sorted(set(words + (ISO_DATE.findall(text) if dates else [])))


def test_foreign_words_are_found_by_the_walk_itself() -> None:
    """The check finds what issue 14 found (so that a silent walk means something)."""
    shown = visible_text(
        '<p title="Show this">kind=sick, start=2027-01-18</p><input type="hidden" value="x_y">'
        "<td>backup_competence</td><td>onsite</td><td>None</td><textarea>a_b</textarea>"
    )
    found = set(foreign_words(shown))
    assert {"kind=s", "start=2", "backup_competence", "onsite", "None"} <= found
    assert not found & {"x_y", "a_b"}  # hidden fields and the YAML editor are left out
    assert foreign_words("Lege i vakt, hjemmevakt: Tor Bøe (fv-03) · uke 5 · 2 poeng") == []
    said = "1 nye lenker · fra 2027-03-01 · mest annerledes: ±0,0 poeng · Avvik −0,0 · +0,0"
    assert foreign_words(said) == sorted(["1 nye", "2027-03-01", "±0,0", "−0,0", "+0,0"])
    fine = "1 ny lenke · fra 1.3.2027 · ±1,2 poeng · −0,5 · 10,0 · 2027–2028 · fv-03 · kl. 20:07"
    assert foreign_words(fine) == []
    assert foreign_words("Kalender: http://testserver/kalender/mwX-0q_ab_cd.ics") == []


def test_every_page_is_in_norwegian(app: Any, api: TestClient) -> None:
    values = published_fjellvik(app, api)
    urls = page_urls(app.router.routes, values, QUERIES)
    urls += [f"/hjelp/{name}" for name in PAGES]
    urls += ["/legevakter/fjellvik/versjoner/9", "/finnes-ikke"]  # error pages
    urls += ["/legevakter/fjellvik/oppsett/leger/ny", "/legevakter/fjellvik/oppsett/vakttyper/ny"]
    assert len(urls) > 20, urls
    found: dict[str, list[str]] = {}
    with TestClient(app) as client:
        token = page_login(client)
        for url in urls:
            r = client.get(url)
            assert r.status_code < 500, (url, r.status_code)
            if words := foreign_words(visible_text(r.text), dates=not url.startswith("/hjelp")):
                found[url] = words
        # pages with problems: a form in error, the staff list's preview
        forms = [
            ("/legevakter/fjellvik/oppsett/kommuner", {"id": "a b", "population": "-1"}),
            ("/legevakter/fjellvik/oppsett/vakttyper", {"id": "x", "mode": "standby"}),
            ("/legevakter/fjellvik/oppsett/regler", {"rule": "rest", "onsite_rest_hours": "99"}),
            ("/legevakter/fjellvik/rediger", {"yaml": "name: [\n"}),
            ("/legevakter/fjellvik/lag", {"start": "2027-13-01", "slutt": "x"}),
            (
                "/legevakter/fjellvik/oppsett/leger",
                {"id": "fv-09", "name": "Ny Lege", "birth_date": "31.02.1980", "kind": "vikar"},
            ),
        ]
        for url, data in forms:
            r = client.post(url, data={"csrf_token": token, **data})
            assert r.status_code == 422, (url, r.status_code)
            shown = visible_text(r.text)
            for typed in data.values():  # what the leader typed is shown back as typed
                shown = shown.replace(typed, "")
            if words := foreign_words(shown):
                found[url] = words
        staff = b"Ansattnr;Navn;F\xc3\xb8dselsdato;Kommune;Type\nfv-09;Ny Lege;01.01.1980;Fjellvik;vikar\n"
        r = client.post(
            "/legevakter/fjellvik/ansatte",
            data={"csrf_token": token},
            files={"fil": ("liste.csv", staff, "text/csv")},
        )
        if words := foreign_words(visible_text(r.text)):
            found["staff preview"] = words
    # a doctor's own pages (a doctor signs in with a link and sees no leader's page)
    doctor, _ = doctor_client(app, "fv-03")
    swap = re.search(r'href="(/min-side/kolleger\?[^"]+)"', doctor.get("/min-side").text)
    assert swap, "a duty on the doctor's page offers a swap"
    for url in (*DOCTOR_PAGES, html.unescape(swap.group(1))):
        r = doctor.get(url)
        assert r.status_code == 200, (url, r.status_code)
        if words := foreign_words(visible_text(r.text)):
            found[f"lege {url}"] = words
    assert found == {}, "\n".join(f"{url}: {words}" for url, words in found.items())
