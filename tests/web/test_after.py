"""After publication in the web app: a doctor's sign-in link and own page, the open board
filtered by the checker, a refused attempt naming the rule, acceptance, the leader's approval
as a new version with both feeds updated, the ledger, and closing the period into the next
plan. Every roster is judged by the checker."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi.testclient import TestClient
from icalendar import Calendar

from roster.checker import check
from roster.fairness import basis
from roster.ledger import ledger
from roster.model import ChangeKind
from roster.offers import colleagues, holders
from tests.web.conftest import page_csrf, page_login, solve_small
from web import after, links, offers, period, store


def _publish(app: Any, api: TestClient) -> None:
    job_id = solve_small(app, api)
    assert api.post(f"/api/planer/{job_id}/publiser").status_code in (200, 201)


def _sign_in(app: Any, client: TestClient, doctor_id: str) -> str:
    with app.state.sessions() as s:
        token = links.create_link(s, store.legevakt(s, "fjellvik"), doctor_id, "leder")
        s.commit()
    r = client.get(f"/inn/{token}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/min-side"
    assert client.get(f"/inn/{token}").status_code == 404  # one use only
    return page_csrf(client.get("/min-side").text)


def _feed(app: Any, client: TestClient, doctor_id: str) -> Calendar:
    with app.state.sessions() as s:
        token = store.active_token(s, store.legevakt(s, "fjellvik").id, doctor_id)
        assert token is not None
        url = f"/kalender/{token.token}.ics"
    r = client.get(url)
    assert r.status_code == 200
    return Calendar.from_ical(r.content)


def _verdicts(cur: after.Current, shift_id: str, giver: str) -> dict[str, list[Any]]:
    at = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    return colleagues(cur.instance, cur.roster, shift_id, giver, ChangeKind.board, at)


def _event(cal: Calendar, shift_id: str) -> Any:
    day = shift_id.split(":")[0].replace("-", "")
    found = [
        e
        for e in cal.walk("VEVENT")
        if e.decoded("dtstart").strftime("%Y%m%d") == day
        and "natt" in str(e.get("summary")).lower()
    ]
    assert found, (
        shift_id,
        [
            (e.decoded("dtstart"), str(e.get("summary")), str(e.get("status")))
            for e in cal.walk("VEVENT")
        ][:6],
    )
    return found[0]


def test_board_offer_refused_rule_accept_approve_feeds_ledger_and_next_period(
    app: Any, api: TestClient
) -> None:
    _publish(app, api)
    with app.state.sessions() as s:
        cur = after.current(s, store.legevakt(s, "fjellvik"))
    night = next(  # a night some colleagues may take and some may not (the checker decides)
        a
        for a in cur.roster.assignments
        if a.shift_id.endswith(":natt")
        and len({bool(f) for f in _verdicts(cur, a.shift_id, a.doctor_id).values()}) == 2
    )
    giver = night.doctor_id
    before_a = _feed(app, api, giver)
    giver_client = TestClient(app)
    token = _sign_in(app, giver_client, giver)
    page = giver_client.get("/min-side").text
    assert "Mine vakter" in page and "<svg" in page and "Abonner fra nettet" in page
    r = giver_client.post(
        "/min-side/tilby",
        data={"vakt": night.shift_id, "type": "board", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    with app.state.sessions() as s:
        row = store.legevakt(s, "fjellvik")
        (offer,) = offers.listed(s, row)
        cur = after.current(s, row)
        verdict = {
            d.id: offers.may_take(cur, offer, d.id) for d in cur.instance.doctors if d.id != giver
        }
    eligible = sorted(d for d, f in verdict.items() if not f)
    blocked = sorted(d for d, f in verdict.items() if f)
    assert eligible and blocked, verdict
    taker, other = eligible[0], blocked[0]

    # a colleague for whom it breaks a rule does not see it, and a direct attempt is refused
    other_client = TestClient(app)
    other_token = _sign_in(app, other_client, other)
    assert f'data-offer="{offer.id}"' not in other_client.get("/min-side").text
    r = other_client.post(f"/min-side/tilbud/{offer.id}/ta", data={"csrf_token": other_token})
    assert r.status_code == 409
    assert after.rule_title(cur.instance, verdict[other][0].rule) in r.text

    # an eligible colleague sees it and takes it; the leader approves
    taker_client = TestClient(app)
    taker_token = _sign_in(app, taker_client, taker)
    assert f'data-offer="{offer.id}"' in taker_client.get("/min-side").text
    r = taker_client.post(
        f"/min-side/tilbud/{offer.id}/ta", data={"csrf_token": taker_token}, follow_redirects=False
    )
    assert r.status_code == 303
    leader = TestClient(app)
    leader_token = page_login(leader)
    assert f'data-offer="{offer.id}"' in leader.get("/legevakter/fjellvik/endringer").text
    r = leader.post(
        f"/legevakter/fjellvik/tilbud/{offer.id}/godkjenn",
        data={"csrf_token": leader_token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    with app.state.sessions() as s:
        row = store.legevakt(s, "fjellvik")
        cur = after.current(s, row)
        assert cur.version.number == 2
        assert taker in holders(cur.roster, night.shift_id)
        assert check(cur.instance, cur.roster).breaches == ()  # the oracle
        actions = [e.action for e in store.audit_entries(s, row)]
    assert "vakt_endret" in actions and "tilbud_akseptert" in actions

    # both feeds, fetched over HTTP and parsed: cancelled for one, there for the other
    after_a = _feed(app, api, giver)
    gone = _event(after_a, night.shift_id)
    assert str(gone.get("status")) == "CANCELLED"
    assert int(gone.get("sequence")) > int(_event(before_a, night.shift_id).get("sequence", 0))
    assert _event(_feed(app, api, taker), night.shift_id)

    # the ledger shows it, also as CSV; closing the period carries it into the next plan
    text = leader.get("/legevakter/fjellvik/regnskap").text
    assert f'data-doctor="{taker}"' in text
    rows = {
        r.split(",")[1]: r.split(",")
        for r in leader.get("/legevakter/fjellvik/regnskap.csv").text.splitlines()[1:]
    }
    header = leader.get("/legevakter/fjellvik/regnskap.csv").text.splitlines()[0].split(",")
    assert rows[taker][header.index("voluntary_duties")] == "1"
    assert leader.get("/legevakter/fjellvik/regnskap.xlsx").status_code == 200
    with app.state.sessions() as s:
        row = store.legevakt(s, "fjellvik")
        base = period.base_version(s, row)
        inst = store.instance_from_text(base.instance_yaml)
        unchanged = ledger(inst, store.roster_from_json(base.roster)).history.carry_points
        points = next(sh.points for sh in inst.shifts if sh.id == night.shift_id)
    r = leader.post(
        "/legevakter/fjellvik/lukk-periode",
        data={"csrf_token": leader_token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    with app.state.sessions() as s:
        nxt = store.instance_from_text(store.legevakt(s, "fjellvik").instance_yaml)
    carry = nxt.history.carry_points
    assert carry[taker] - unchanged[taker] == points and carry[giver] - unchanged[giver] == -points
    assert nxt.period.start > inst.period.end
    assert basis(nxt).carry[taker] == carry[taker]  # the next plan's targets use it
