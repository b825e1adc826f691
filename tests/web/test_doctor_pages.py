"""A doctor's own pages after publication: swapping one duty for a colleague's (only swaps that
keep every rule are offered; the colleague accepts or declines; the leader approves), the whole
plan read-only, notifications of changes to one's own duties (read and unread), and what a
doctor may see of a colleague's breach. Every roster is judged by the checker."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from typing import Any

from fastapi.testclient import TestClient

from roster.checker import Finding, check
from roster.formats.changes import parse_changes_text
from roster.formats.exchange import Assignment, Roster
from roster.offers import holders
from tests.web.conftest import doctor_client, page_login, publish_small
from web import after, after_pages, notify, offers, period, store

SWAP_RE = re.compile(r'name="bytt_mot" value="([^"]+)"')


def _current(app: Any) -> after.Current:
    with app.state.sessions() as s:
        return after.current(s, store.legevakt(s, "fjellvik"))


def _swap_pair(app: Any) -> tuple[str, str, str]:
    """A duty of one doctor and a colleague with at least one duty it may be swapped for."""
    cur = _current(app)
    seen: Counter[tuple[str, ...]] = Counter()
    for a in sorted(cur.roster.assignments, key=lambda a: a.shift_id):
        for colleague in sorted({d.id for d in cur.instance.doctors} - {a.doctor_id}):
            options = offers.swap_options(cur, a.doctor_id, a.shift_id, colleague)
            if any(not found for _, found in options):
                return a.doctor_id, a.shift_id, colleague
            seen.update(tuple(sorted({f.rule for f in found})) for _, found in options)
    raise AssertionError(f"no swap keeps every rule in the example: {seen}")


def test_swap_offered_accepted_and_approved_moves_both_duties(app: Any, api: TestClient) -> None:
    publish_small(app, api)
    giver, mine, colleague = _swap_pair(app)
    a, a_csrf = doctor_client(app, giver)
    page = a.get("/min-side/kolleger", params={"vakt": mine, "bytt_med": colleague}).text
    allowed = SWAP_RE.findall(page)
    assert allowed and "Foreslå bytte" in page
    cur = _current(app)
    verdicts = dict(offers.swap_options(cur, giver, mine, colleague))
    assert all(not verdicts[sid] for sid in allowed)  # only swaps that keep every rule
    theirs = allowed[0]
    r = a.post(
        "/min-side/tilby",
        data={
            "vakt": mine,
            "type": "swap",
            "kollega": colleague,
            "bytt_mot": theirs,
            "notat": "=1+1 Passer det?",
            "csrf_token": a_csrf,
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    b, b_csrf = doctor_client(app, colleague)
    page = b.get("/min-side").text
    (offer_id,) = re.findall(r'id="til-meg".*?data-offer="(\d+)"', page, re.S)
    assert "tilbyr deg et bytte" in page and "Passer det?" in page
    r = b.post(f"/min-side/tilbud/{offer_id}/ta", data={"csrf_token": b_csrf})
    assert r.status_code == 200  # back on the page (redirect followed)
    leader = TestClient(app)
    leader_csrf = page_login(leader)
    r = leader.post(
        f"/legevakter/fjellvik/tilbud/{offer_id}/godkjenn",
        data={"csrf_token": leader_csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303
    cur = _current(app)
    assert cur.version.number == 2
    assert holders(cur.roster, mine).count(colleague) == 1
    assert giver in holders(cur.roster, theirs) and colleague not in holders(cur.roster, theirs)
    assert check(cur.instance, cur.roster).breaches == ()  # the oracle
    for client, got in ((a, theirs), (b, mine)):
        page = client.get("/min-side").text
        assert "Godkjent" in page and "Du har fått" in page and "Du har ikke lenger" in page
        assert f'data-shift="{got}"' in page
    with app.state.sessions() as s:
        _, led, changes = period.worked_ledger(s, store.legevakt(s, "fjellvik"))
    assert [c.kind.value for c in changes].count("swap") == 2
    by_id = {d.id: d for d in led.doctors}
    assert by_id[giver].moves["swapped_out"] == 1 and by_id[colleague].moves["swapped_in"] == 1
    # the leader's changes.csv: the swap's two lines, the note never a formula
    text = leader.get("/legevakter/fjellvik/endringer.csv").text
    assert "'=1+1 Passer det?" in text
    lines = parse_changes_text(text)
    assert [(c.kind.value, c.note) for c in lines] == [("swap", "=1+1 Passer det?")] * 2


def test_a_named_colleague_may_decline_and_the_giver_is_told(app: Any, api: TestClient) -> None:
    publish_small(app, api)
    giver, mine, colleague = _swap_pair(app)
    a, a_csrf = doctor_client(app, giver)
    theirs = SWAP_RE.findall(
        a.get("/min-side/kolleger", params={"vakt": mine, "bytt_med": colleague}).text
    )[0]
    a.post(
        "/min-side/tilby",
        data={
            "vakt": mine,
            "type": "swap",
            "kollega": colleague,
            "bytt_mot": theirs,
            "csrf_token": a_csrf,
        },
    )
    with app.state.sessions() as s:
        (offer,) = offers.listed(s, store.legevakt(s, "fjellvik"))
    # the same duty cannot be offered twice while an offer is open
    r = a.post("/min-side/tilby", data={"vakt": mine, "type": "board", "csrf_token": a_csrf})
    assert r.status_code == 409 and "allerede" in r.text
    # nobody but the named colleague may decline it
    other = next(d.id for d in _current(app).instance.doctors if d.id not in (giver, colleague))
    c, c_csrf = doctor_client(app, other)
    r = c.post(f"/min-side/tilbud/{offer.id}/avslaa", data={"csrf_token": c_csrf})
    assert r.status_code == 403
    b, b_csrf = doctor_client(app, colleague)
    r = b.post(f"/min-side/tilbud/{offer.id}/avslaa", data={"csrf_token": b_csrf})
    assert r.status_code == 200
    page = a.get("/min-side").text
    assert "takket nei" in page
    assert _current(app).version.number == 1  # nothing changed


def test_the_whole_plan_is_read_only_and_shows_names_only(app: Any, api: TestClient) -> None:
    publish_small(app, api)
    cur = _current(app)
    me = "fv-02"
    shifts = {sh.id: sh for sh in cur.instance.shifts}
    first = min(shifts[a.shift_id].date for a in cur.roster.assignments if a.doctor_id == me)
    client, _ = doctor_client(app, me)
    page = client.get("/min-side/plan", params={"maned": f"{first:%Y-%m}"}).text
    assert "Hele planen:" in page and 'class="month"' in page
    assert re.search(r'class="chip[^"]* mine"', page)  # my duties are marked
    for d in cur.instance.doctors:  # colleagues' contact details stay with the leader
        if d.id != me:
            assert d.email not in page and (not d.phone or d.phone not in page)
    assert "<form" not in page.split("<main>")[1].split("</main>")[0]  # nothing to change
    # the doctor's own page shows nothing of colleagues' contact details either
    own = client.get("/min-side").text
    for d in cur.instance.doctors:
        if d.id != me:
            assert d.email not in own


def test_notifications_are_unread_until_marked(app: Any, api: TestClient) -> None:
    publish_small(app, api)
    cur = _current(app)
    duty = next(a for a in cur.roster.assignments if a.doctor_id == "fv-02")
    with app.state.sessions() as s:
        row = store.legevakt(s, "fjellvik")
        after_roster = Roster(
            assignments=tuple(a for a in cur.roster.assignments if a != duty)
            + (Assignment(shift_id=duty.shift_id, doctor_id="fv-03"),)
        )
        told = notify.duties_changed(
            s, row, (cur.instance, cur.roster), (cur.instance, after_roster), "Test.", smtp=None
        )
        s.commit()
    assert told == ["fv-02", "fv-03"]
    client, csrf = doctor_client(app, "fv-02")
    page = client.get("/min-side").text
    assert "(1 ny)" in page and 'class="unread"' in page and "Du har ikke lenger" in page
    r = client.post("/min-side/varsler/lest", data={"csrf_token": csrf})
    assert r.status_code == 200 and "(1 ny)" not in r.text and "Du har ikke lenger" in r.text
    with app.state.sessions() as s:  # only one's own notifications
        row = store.legevakt(s, "fjellvik")
        assert all(n.read_at is None for n in notify.for_doctor(s, row, "fv-03"))


def test_a_colleagues_breach_shows_only_the_rule_and_never_a_private_one() -> None:
    from roster.instance import load_instance

    instance = load_instance("examples/small/instance.yaml")

    def finding(rule: str, doctor: str) -> Finding:
        return Finding(
            rule=rule,
            message="Hege Nybakk er gravid i uke 36",
            source="kilde",
            doctor_id=doctor,
            doctor_name="Hege Nybakk",
        )

    own = finding("pregnancy_exemption", "fv-02")
    assert "gravid" in after.finding_text(instance, own, "fv-02")  # one's own, in full
    assert "gravid" in after.finding_text(instance, own, None)  # the leader sees all
    shown = after.finding_text(instance, own, "fv-03")
    assert "gravid" not in shown and "svangerskap" not in shown and "fritak eller fravær" in shown
    rest = after.finding_text(instance, finding("rest", "fv-02"), "fv-03")
    assert "gravid" not in rest and instance.ruleset.rule("rest").title in rest
    err = after.refused(instance, [own], "Hege Nybakk", "fv-03")
    assert "gravid" not in err.melding and all("gravid" not in p.message for p in err.problemer)


def test_a_duty_that_has_begun_is_not_offered_nor_taken(
    app: Any, api: TestClient, monkeypatch: Any
) -> None:
    """Doctors change only duties ahead: once a duty has begun it is listed apart, without
    buttons, and an offer or a take is refused; the leader's hand move remains."""
    publish_small(app, api)
    cur = _current(app)
    me = "fv-02"
    shifts = {sh.id: sh for sh in cur.instance.shifts}
    mine = sorted(
        (a.shift_id for a in cur.roster.assignments if a.doctor_id == me),
        key=lambda s: shifts[s].t0,
    )
    client, csrf = doctor_client(app, me)
    r = client.post("/min-side/tilby", data={"vakt": mine[1], "type": "board", "csrf_token": csrf})
    assert r.status_code == 200  # offered while ahead
    with app.state.sessions() as s:
        (offer,) = offers.listed(s, store.legevakt(s, "fjellvik"))
    # the clock moves past my second duty's start
    later = shifts[mine[1]].start + dt.timedelta(minutes=1)
    monkeypatch.setattr(offers, "utcnow", lambda: later)
    monkeypatch.setattr(after_pages, "utcnow", lambda: later)
    page = client.get("/min-side").text
    past = page.split('class="past"')[1].split("</details>")[0]
    assert f'data-shift="{mine[0]}"' in past and f'data-shift="{mine[1]}"' in past
    assert "<form" not in past
    r = client.post("/min-side/tilby", data={"vakt": mine[0], "type": "board", "csrf_token": csrf})
    assert r.status_code == 409 and "har begynt eller er over" in r.text
    other, other_csrf = doctor_client(app, "fv-03")
    assert f'data-offer="{offer.id}"' not in other.get("/min-side").text  # gone from the board
    r = other.post(f"/min-side/tilbud/{offer.id}/ta", data={"csrf_token": other_csrf})
    assert r.status_code == 409 and "har begynt eller er over" in r.text
    assert me in holders(_current(app).roster, mine[1])
