"""`legevakt create-admin` and `legevakt serve` (the server itself is not started here),
and what they say when the database or the queue cannot be reached."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from legevakt.cli import app as cli
from roster.checker import check
from tests.conftest import free_port
from web import store, users
from web.db import make_engine, session_factory, shown_url

runner = CliRunner()


@pytest.fixture
def db_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cli.sqlite"
    monkeypatch.setenv("VAKTPLAN_DB", str(path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return path


def login_ok(path: Path, user: str, password: str) -> bool:
    engine = make_engine(f"sqlite:///{path}")
    try:
        with session_factory(engine)() as s:
            return users.authenticate(s, user, password) is not None
    finally:
        engine.dispose()


def test_create_admin_then_new_password(db_file: Path) -> None:
    r = runner.invoke(cli, ["create-admin", "-u", "kari", "--password", "et-langt-passord"])
    assert r.exit_code == 0, r.output
    assert "Laget administratoren «kari»" in r.output
    assert login_ok(db_file, "kari", "et-langt-passord")
    r = runner.invoke(cli, ["create-admin", "-u", "kari", "--password", "et-nytt-passord"])
    assert r.exit_code == 0 and "Nytt passord" in r.output
    assert login_ok(db_file, "kari", "et-nytt-passord")
    assert not login_ok(db_file, "kari", "et-langt-passord")


def test_create_admin_refuses_short_password(db_file: Path) -> None:
    r = runner.invoke(cli, ["create-admin", "-u", "kari", "--password", "kort"])
    assert r.exit_code == 2
    assert "minst 8 tegn" in r.output


def test_create_admin_prompts(db_file: Path) -> None:
    r = runner.invoke(cli, ["create-admin"], input="ola\net-langt-passord\net-langt-passord\n")
    assert r.exit_code == 0, r.output
    assert login_ok(db_file, "ola", "et-langt-passord")


def _no_server(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    def fake_run(app: Any, host: str, port: int, **kw: Any) -> None:
        seen.update(app=app, host=host, port=port, **kw)
        app.state.runner.shutdown()

    monkeypatch.setattr("uvicorn.run", fake_run)
    return seen


def test_serve_first_start_makes_an_admin(db_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _no_server(monkeypatch)
    monkeypatch.delenv("VAKTPLAN_TRUSTED_PROXIES", raising=False)
    r = runner.invoke(cli, ["serve", "--port", "8123"])
    assert r.exit_code == 0, r.output
    assert (seen["host"], seen["port"]) == ("127.0.0.1", 8123)
    m = re.search(r"brukernavn: (\S+)\s+passord: (\S+)", r.output)
    assert m and m.group(1) == "admin"
    assert login_ok(db_file, "admin", m.group(2))
    r = runner.invoke(cli, ["serve"])  # second start: no new admin, no password printed
    assert "passord" not in r.output


def test_serve_demo_publishes_a_checked_plan(
    db_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo with the small example (the real one uses Innherred and 60 s)."""
    _no_server(monkeypatch)
    monkeypatch.setattr("web.demo.DEMO_EXAMPLE", "small")
    r = runner.invoke(cli, ["serve", "--demo", "--demo-time-limit", "5"])
    assert r.exit_code == 0, r.output
    assert "publisert versjon 1" in r.output
    assert "Største avvik fra målet" in r.output
    m = re.search(r"brukernavn: (demo)\s+passord: (\S+)", r.output)
    assert m and login_ok(db_file, "demo", m.group(2))
    engine = make_engine(f"sqlite:///{db_file}")
    with session_factory(engine)() as s:
        row = store.legevakt(s, "fjellvik")
        v = store.latest_version(s, row.id)
        assert v is not None
        instance = store.instance_from_text(v.instance_yaml)
        assert check(instance, store.roster_from_json(v.roster)).breaches == ()
    engine.dispose()


def test_create_leader_of_named_legevakter(db_file: Path) -> None:
    engine = make_engine(f"sqlite:///{db_file}")
    from web.db import migrate

    migrate(engine)
    with session_factory(engine)() as s:
        store.create_legevakt(s, store.example_text("small"), "test")
        s.commit()
    r = runner.invoke(cli, ["create-leader", "-u", "kari", "--legevakt", "fjellvik"])
    assert r.exit_code == 0, r.output
    assert "Laget lederen «kari»: leder Fjellvik" in r.output
    m = re.search(r"Passord: (\S+)", r.output)
    assert m and login_ok(db_file, "kari", m.group(1))
    with session_factory(engine)() as s:
        kari = users.named_user(s, "kari")
        assert kari.role == "leader"
        assert [row.slug for row in users.led_legevakter(s, kari)] == ["fjellvik"]
    r = runner.invoke(cli, ["create-leader", "-u", "kari", "-l", "finnes-ikke"])
    assert r.exit_code == 2 and "Legevakten finnes ikke" in r.output
    r = runner.invoke(cli, ["create-admin", "-u", "kari", "--password", "et-langt-passord"])
    assert r.exit_code == 0 and "Nytt passord" in r.output
    engine.dispose()


def test_serve_trusts_forwarded_headers_only_from_configured_proxies(
    db_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = _no_server(monkeypatch)
    monkeypatch.setenv("VAKTPLAN_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8")
    r = runner.invoke(cli, ["serve"])
    assert r.exit_code == 0, r.output
    assert seen["app"].state.settings.trusted_proxies == ("127.0.0.1", "10.0.0.0/8")
    assert seen["proxy_headers"] is False  # uvicorn believes no proxy; the app decides


def test_serve_with_unreachable_database_says_so_and_stops(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen = _no_server(monkeypatch)
    port = free_port()
    monkeypatch.setenv("DATABASE_URL", f"postgresql://vaktplan:hemmelig@127.0.0.1:{port}/vaktplan")
    monkeypatch.delenv("VAKTPLAN_BROKER_URL", raising=False)
    r = runner.invoke(cli, ["serve"])
    assert r.exit_code == 2, r.output
    assert f"Får ikke kontakt med databasen postgresql+psycopg://127.0.0.1:{port}/vaktplan" in (
        r.output
    )
    assert "Sjekk DATABASE_URL" in r.output
    assert "hemmelig" not in r.output and "Traceback" not in r.output
    assert seen == {}  # no server was started


def test_serve_without_postgres_driver_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _no_server(monkeypatch)
    monkeypatch.setitem(sys.modules, "psycopg", None)  # `import psycopg` fails as if missing
    monkeypatch.setenv("DATABASE_URL", "postgresql://vaktplan:hemmelig@127.0.0.1:5432/vaktplan")
    r = runner.invoke(cli, ["serve"])
    assert r.exit_code == 2, r.output
    assert "PostgreSQL-støtte er ikke installert" in r.output
    assert "pip install -e '.[postgres]'" in r.output
    assert "Traceback" not in r.output


def test_serve_with_unreachable_broker_warns_and_starts(
    db_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = _no_server(monkeypatch)
    port = free_port()
    monkeypatch.setenv("VAKTPLAN_BROKER_URL", f"redis://:hemmelig@127.0.0.1:{port}/0")
    r = runner.invoke(cli, ["serve"])
    assert r.exit_code == 0, r.output
    assert f"Advarsel: Køen (redis://127.0.0.1:{port}/0) svarer ikke" in r.output
    assert "hemmelig" not in r.output
    assert seen["port"] == 8000  # pages and feeds work without the queue


def test_create_admin_with_missing_sqlite_folder_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("VAKTPLAN_DB", str(tmp_path / "finnes-ikke" / "v.sqlite"))
    r = runner.invoke(cli, ["create-admin", "-u", "kari", "--password", "et-langt-passord"])
    assert r.exit_code == 2, r.output
    assert "Kan ikke åpne databasefilen" in r.output and "finnes-ikke" in r.output
    assert "Traceback" not in r.output


def test_shown_url_hides_user_and_password() -> None:
    assert shown_url("redis://:hemmelig@db:6379/0") == "redis://db:6379/0"
    assert shown_url("postgresql://vaktplan:p%40ss@db:5432/vaktplan") == (
        "postgresql://db:5432/vaktplan"
    )
    assert shown_url("sqlite:///vaktplan.sqlite") == "sqlite:///vaktplan.sqlite"
