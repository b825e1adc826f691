"""The cluster of the deployment tests: two web processes and two workers on loopback, on a
database of their own and the test Redis."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy import make_url

from tests.conftest import fresh_database
from tests.deploy.cluster import PASSWORD, USER, Cluster


@pytest.fixture(scope="module")
def cluster(
    postgres_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    folder: Path = tmp_path_factory.mktemp("cluster")
    redis.Redis.from_url(redis_url).flushdb()
    database = fresh_database(postgres_url, make_url(postgres_url).database + "_cluster")
    running = Cluster(folder=folder, database_url=database, broker_url=redis_url)
    running.run("create-admin", "-u", USER, "--password", PASSWORD)  # also migrates
    try:
        for _ in range(2):
            running.start_web()
            running.start_worker()
        running.wait_ready()
        yield running
    except BaseException:
        print(running.logs())
        raise
    finally:
        running.stop()
