"""The leader's hand move (sickness): the page offers exactly the colleagues the checker
allows, names the rule for the others, and moving publishes a new version the checker
passes, recorded as a `sick` change."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from fastapi.testclient import TestClient

from roster.checker import check
from roster.model import ChangeKind
from roster.offers import colleagues, holders
from tests.web.conftest import page_login, publish_small
from web import after, period, store


def _current(app: Any) -> after.Current:
    with app.state.sessions() as s:
        return after.current(s, store.legevakt(s, "fjellvik"))


def test_leader_move_offers_only_colleagues_the_checker_allows_and_publishes(
    app: Any, api: TestClient
) -> None:
    publish_small(app, api)
    cur = _current(app)
    at = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    giver = "fv-02"
    mine = sorted(a.shift_id for a in cur.roster.assignments if a.doctor_id == giver)
    verdicts_of = (
        (sid, colleagues(cur.instance, cur.roster, sid, giver, ChangeKind.sick, at)) for sid in mine
    )
    shift_id, verdicts = next((sid, v) for sid, v in verdicts_of if any(not f for f in v.values()))
    allowed = {d for d, f in verdicts.items() if not f}
    leader = TestClient(app)
    csrf = page_login(leader)
    page = leader.get(f"/legevakter/fjellvik/flytt?fra={giver}&vakt={shift_id}")
    assert page.status_code == 200
    select = page.text.split('name="til"')[1].split("</select>")[0]
    assert set(re.findall(r'value="([^"]+)"', select)) == allowed
    blocked = len(verdicts) - len(allowed)
    if blocked:
        who = "1 kollega" if blocked == 1 else f"{blocked} kolleger"
        assert f"{who} kan ikke ta den" in page.text and "(regel: " in page.text  # named
    theirs = next(
        a.shift_id for a in cur.roster.assignments if giver not in holders(cur.roster, a.shift_id)
    )
    r = leader.get(f"/legevakter/fjellvik/flytt?fra={giver}&vakt={theirs}")
    assert r.status_code == 409 and "har ikke denne vakten" in r.text
    taker = sorted(allowed)[0]
    r = leader.post(
        "/legevakter/fjellvik/flytt",
        data={"csrf_token": csrf, "vakt": shift_id, "fra": giver, "til": taker, "grunn": "sick"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    after_move = _current(app)
    assert after_move.version.number == cur.version.number + 1
    assert taker in holders(after_move.roster, shift_id)
    assert giver not in holders(after_move.roster, shift_id)
    assert check(after_move.instance, after_move.roster).breaches == ()
    with app.state.sessions() as s:
        changes = period.recorded_changes(s, store.legevakt(s, "fjellvik"), 1)
    assert changes[0].kind == ChangeKind.sick and changes[0].to_doctor == taker
    # the leader's version comparison says why
    compare = leader.get("/legevakter/fjellvik/sammenlign?fra=1&til=2").text
    assert "Hvorfor" in compare and "sykdom (versjon 2, leder)" in compare
