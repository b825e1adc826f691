"""The login throttle: per user name and address together, with backoff, cleared on success,
kept in the database; X-Forwarded-For believed only from configured proxies."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import PASSWORD, TIME_LIMIT, USER, page_csrf
from web.app import create_app
from web.deps import Settings

START = dt.datetime(2027, 1, 4, 8, 0, tzinfo=dt.UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        return self.now

    def later(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


def _app(path: Path, **kw: Any) -> Any:
    settings = Settings(database_url=f"sqlite:///{path}", time_limit=TIME_LIMIT, **kw)
    return create_app(settings)


@pytest.fixture
def proxied(tmp_path: Path, template_db: Path) -> Iterator[tuple[Any, Clock]]:
    """The app behind a trusted proxy (the test client's address), with a clock we turn."""
    target = tmp_path / "web.sqlite"
    target.write_bytes(template_db.read_bytes())
    application = _app(target, trusted_proxies=("testclient",))
    clock = Clock()
    application.state.login_throttle.clock = clock
    yield application, clock
    application.state.runner.shutdown()
    application.state.engine.dispose()


def login(client: TestClient, address: str, user: str = USER, password: str = "gjett") -> Any:
    return client.post(
        "/api/innlogging",
        json={"brukernavn": user, "passord": password},
        headers={"X-Forwarded-For": address},
    )


def test_wrong_passwords_from_elsewhere_never_lock_the_user_out(proxied: Any) -> None:
    app, _ = proxied
    with TestClient(app) as client:
        for i in range(10):  # ten addresses, ten wrong passwords each
            for _ in range(10):
                login(client, f"203.0.113.{i}")
        assert login(client, "203.0.113.0").status_code == 429
        assert login(client, "198.51.100.7", password=PASSWORD).status_code == 200


def test_one_address_does_not_block_everyone_behind_it(proxied: Any) -> None:
    app, _ = proxied
    with TestClient(app) as client:
        for _ in range(10):
            assert login(client, "192.0.2.1", user="ola").status_code in (401, 429)
        assert login(client, "192.0.2.1", user="ola").status_code == 429
        assert login(client, "192.0.2.1", password=PASSWORD).status_code == 200


def test_backoff_doubles_and_success_clears_it(proxied: Any) -> None:
    app, clock = proxied
    with TestClient(app) as client:
        for _ in range(4):
            assert login(client, "192.0.2.9").status_code == 401
        r = login(client, "192.0.2.9")  # the fifth failure: wait one second
        assert r.status_code == 401
        blocked = login(client, "192.0.2.9", password=PASSWORD)
        assert blocked.status_code == 429
        assert "Vent ett sekund" in blocked.json()["feil"]["melding"]
        clock.later(1)
        assert login(client, "192.0.2.9").status_code == 401  # sixth: two seconds
        clock.later(1)
        assert login(client, "192.0.2.9").status_code == 429
        clock.later(1)
        assert login(client, "192.0.2.9").status_code == 401  # seventh: four seconds
        clock.later(3)
        assert login(client, "192.0.2.9").status_code == 429
        clock.later(1)
        assert login(client, "192.0.2.9", password=PASSWORD).status_code == 200
        for _ in range(4):  # the count started again
            assert login(client, "192.0.2.9").status_code == 401


def test_backoff_is_capped_at_a_quarter_of_an_hour(proxied: Any) -> None:
    app, _ = proxied
    throttle = app.state.login_throttle
    assert [throttle.delay(n) for n in (4, 5, 6, 7, 14, 15, 200)] == [0, 1, 2, 4, 512, 900, 900]


def test_failures_are_forgotten_after_a_quiet_while(proxied: Any) -> None:
    app, clock = proxied
    with TestClient(app) as client:
        for _ in range(40):
            login(client, "192.0.2.10")
            clock.later(16 * 60)
        assert login(client, "192.0.2.10").status_code == 401  # never waits past the cap


def test_page_login_is_throttled_too(proxied: Any) -> None:
    app, _ = proxied
    with TestClient(app) as client:
        for _ in range(5):
            login(client, "testclient")
        token = page_csrf(client.get("/login").text)
        r = client.post(
            "/login", data={"brukernavn": USER, "passord": PASSWORD, "csrf_token": token}
        )
        assert r.status_code == 429 and "For mange" in r.text


def test_spraying_many_names_from_one_address_is_stopped(proxied: Any) -> None:
    app, _ = proxied
    with TestClient(app) as client:
        codes = [login(client, "192.0.2.77", user=f"navn{i}").status_code for i in range(60)]
    assert codes[:50] == [401] * 50
    assert set(codes[50:]) == {429}


def test_forwarded_for_is_ignored_without_a_trusted_proxy(app: Any) -> None:
    """Without VAKTPLAN_TRUSTED_PROXIES the peer is the client: a forged X-Forwarded-For per
    request does not make a sprayer look like many addresses."""
    with TestClient(app) as client:
        codes = [login(client, f"10.0.{i}.1", user=f"navn{i}").status_code for i in range(60)]
        assert set(codes[50:]) == {429}
        r = client.post(
            "/api/innlogging",
            json={"brukernavn": USER, "passord": PASSWORD},
            headers={"X-Forwarded-For": "198.51.100.1"},
        )
        assert r.status_code == 429


def test_the_throttle_is_shared_by_every_process_on_the_database(proxied: Any) -> None:
    app, clock = proxied
    path = Path(str(app.state.engine.url.database))
    second = _app(path, trusted_proxies=("testclient",))
    second.state.login_throttle.clock = clock
    try:
        with TestClient(app) as one, TestClient(second) as two:
            for _ in range(5):
                login(one, "192.0.2.5")
            assert login(two, "192.0.2.5", password=PASSWORD).status_code == 429
    finally:
        second.state.runner.shutdown()
        second.state.engine.dispose()
