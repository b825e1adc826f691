"""`legevakt worker` needs the queue and the database: when either is missing or does not
answer, it says so in Norwegian and stops (exit 2) before Celery starts."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from legevakt.cli import app as cli
from tests.conftest import free_port
from web.db import shown_url


def test_worker_without_broker_says_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VAKTPLAN_BROKER_URL", raising=False)
    r = CliRunner().invoke(cli, ["worker"])
    assert r.exit_code == 2
    assert "Mangler VAKTPLAN_BROKER_URL" in r.output
    assert "Traceback" not in r.output


def test_worker_with_unreachable_broker_says_so_and_stops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[str] = []
    monkeypatch.setattr("web.queue.run_worker", lambda broker, **_: started.append(broker))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("VAKTPLAN_DB", str(tmp_path / "v.sqlite"))
    port = free_port()
    monkeypatch.setenv("VAKTPLAN_BROKER_URL", f"redis://:hemmelig@127.0.0.1:{port}/0")
    r = CliRunner().invoke(cli, ["worker"])
    assert r.exit_code == 2, r.output
    assert f"Køen (redis://127.0.0.1:{port}/0) svarer ikke" in r.output
    assert "Sjekk VAKTPLAN_BROKER_URL" in r.output
    assert "hemmelig" not in r.output and "Traceback" not in r.output
    assert started == []


def test_worker_with_unreachable_database_says_so_and_stops(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started: list[str] = []
    monkeypatch.setattr("web.queue.run_worker", lambda broker, **_: started.append(broker))
    port = free_port()
    monkeypatch.setenv("DATABASE_URL", f"postgresql://vaktplan:hemmelig@127.0.0.1:{port}/vaktplan")
    monkeypatch.setenv("VAKTPLAN_BROKER_URL", "redis://127.0.0.1:6379/0")
    r = CliRunner().invoke(cli, ["worker"])
    assert r.exit_code == 2, r.output
    assert "Får ikke kontakt med databasen" in r.output and "Sjekk DATABASE_URL" in r.output
    assert "hemmelig" not in r.output and "Traceback" not in r.output
    assert started == []


def test_worker_start_line_shows_no_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, redis_url: str
) -> None:
    started: list[str] = []
    monkeypatch.setattr("web.queue.run_worker", lambda broker, **_: started.append(broker))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("VAKTPLAN_DB", str(tmp_path / "v.sqlite"))
    monkeypatch.setenv("VAKTPLAN_BROKER_URL", redis_url)
    r = CliRunner().invoke(cli, ["worker"])
    assert r.exit_code == 0, r.output
    assert started == [redis_url]
    assert f"kø {shown_url(redis_url)}" in r.output
