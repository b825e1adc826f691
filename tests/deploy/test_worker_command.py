"""`legevakt worker` needs the queue: without VAKTPLAN_BROKER_URL it says so in Norwegian."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from legevakt.cli import app as cli


def test_worker_without_broker_says_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VAKTPLAN_BROKER_URL", raising=False)
    r = CliRunner().invoke(cli, ["worker"])
    assert r.exit_code == 2
    assert "Mangler VAKTPLAN_BROKER_URL" in r.output
    assert "Traceback" not in r.output
