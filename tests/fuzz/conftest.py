"""One app per fuzz module (a copy of the web tests' template database), with Fjellvik made
and a logged-in administrator. Solves are held in the queue: the fuzz suite checks that
inputs are answered, not the solver."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import TIME_LIMIT, api_login, build_template
from web.app import create_app
from web.deps import Settings


class HeldRunner:
    def submit(self, job_id: int) -> None:
        pass

    def cancel(self, job_id: int) -> None:
        pass

    def shutdown(self) -> None:
        pass


@pytest.fixture(scope="module")
def fuzz_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, TestClient]]:
    folder = tmp_path_factory.mktemp("fuzz")
    template = build_template(folder / "template.sqlite")
    target = folder / "web.sqlite"
    shutil.copyfile(template, target)
    app = create_app(
        Settings(database_url=f"sqlite:///{target}", time_limit=TIME_LIMIT),
        runner=HeldRunner(),
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        api_login(client)
        assert client.post("/api/legevakter", json={"eksempel": "small"}).status_code == 201
        yield app, client
    app.state.engine.dispose()


def still_valid(client: TestClient) -> None:
    """Whatever was refused, the stored legevakt still reads and resolves."""
    r = client.get("/api/legevakter/fjellvik")
    assert r.status_code == 200, r.text[:500]
