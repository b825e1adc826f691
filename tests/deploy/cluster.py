"""Vaktplan as deployed on several machines, on loopback: PostgreSQL and Redis (started by
.ci/run), web processes (`legevakt serve`) and solve workers (`legevakt worker`) as real
subprocesses, each in a process group of its own so a test can kill one as a machine dies.

Everything waits on state with a bound (`wait_for`), never for a fixed time.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx

from tests.conftest import free_port
from web.queue import make_celery

T = TypeVar("T")

USER = "leder"
PASSWORD = "riktig-hemmelig-passord"
LEGEVAKT = Path(sys.executable).parent / "legevakt"
#: The worker's heartbeat and lease, short so a lost worker is noticed within seconds; long
#: enough that a busy machine (2 cores shared with other work) does not miss a beat.
HEARTBEAT, LEASE = 0.5, 8.0


def wait_for(what: str, probe: Callable[[], T | None], timeout: float, every: float = 0.2) -> T:
    """Poll `probe` until it returns something (not None); fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value is not None:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(every)


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def tail(self, lines: int = 30) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return f"--- {self.name} (exit {self.popen.poll()}) ---\n" + "\n".join(
            text.splitlines()[-lines:]
        )

    def kill_group(self, sig: int = signal.SIGKILL) -> None:
        """Signal the process group this process leads (it and its pool processes)."""
        try:
            os.killpg(self.popen.pid, sig)
        except ProcessLookupError:
            pass


@dataclass
class Cluster:
    folder: Path
    database_url: str
    broker_url: str
    webs: list[tuple[Proc, str]] = field(default_factory=list)
    workers: list[Proc] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("VAKTPLAN_DB", None)
        env.update(
            DATABASE_URL=self.database_url,
            VAKTPLAN_BROKER_URL=self.broker_url,
            VAKTPLAN_JOB_HEARTBEAT=str(HEARTBEAT),
            VAKTPLAN_JOB_LEASE=str(LEASE),
            VAKTPLAN_JOB_ATTEMPTS="3",
            VAKTPLAN_SOLVER_WORKERS="1",
            PYTHONUNBUFFERED="1",
        )
        return env

    def _spawn(self, name: str, args: list[str]) -> Proc:
        log = self.folder / f"{name}.log"
        with log.open("wb") as out:
            popen = subprocess.Popen(
                [str(LEGEVAKT), *args],
                env=self.env,
                cwd=self.folder,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return Proc(name, popen, log)

    def run(self, *args: str) -> None:
        done = subprocess.run(
            [str(LEGEVAKT), *args],
            env=self.env,
            cwd=self.folder,
            capture_output=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )
        assert done.returncode == 0, done.stderr.decode() + done.stdout.decode()

    def start_web(self) -> str:
        port = free_port()
        proc = self._spawn(f"web-{len(self.webs) + 1}", ["serve", "--port", str(port)])
        base = f"http://127.0.0.1:{port}"
        self.webs.append((proc, base))
        return base

    def start_worker(self) -> Proc:
        proc = self._spawn(f"worker-{len(self.workers) + 1}", ["worker", "--loglevel", "WARNING"])
        self.workers.append(proc)
        return proc

    def wait_ready(self, timeout: float = 90) -> None:
        for proc, base in self.webs:

            def up(proc: Proc = proc, base: str = base) -> bool | None:
                if proc.popen.poll() is not None:
                    raise AssertionError(proc.tail())
                try:
                    return httpx.get(base + "/login", timeout=2).status_code == 200 or None
                except httpx.HTTPError:
                    return None

            wait_for(f"{proc.name} to answer", up, timeout)
        alive = [w for w in self.workers if w.popen.poll() is None]
        control = make_celery(self.broker_url).control

        def answered() -> bool | None:
            for w in self.workers:
                if w.popen.poll() is not None and w in alive:
                    raise AssertionError(w.tail())
            return len(control.ping(timeout=0.5)) >= len(alive) or None

        wait_for("every worker to answer a ping", answered, timeout, every=0.1)

    def worker_of(self, pid: int) -> Proc:
        """The worker whose process group holds process `pid` (a pool process)."""
        group = os.getpgid(pid)
        return next(w for w in self.workers if w.popen.pid == group)

    def logs(self) -> str:
        return "\n".join(p.tail() for p in [*(p for p, _ in self.webs), *self.workers])

    def stop(self) -> None:
        procs = [*(p for p, _ in self.webs), *self.workers]
        for p in procs:
            if p.popen.poll() is None:
                p.kill_group(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for p in procs:
            try:
                p.popen.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill_group(signal.SIGKILL)
                p.popen.wait(timeout=10)


@contextmanager
def login(base: str) -> Iterator[httpx.Client]:
    """An API client signed in to one web process."""
    with httpx.Client(base_url=base, timeout=30) as client:
        r = client.post("/api/innlogging", json={"brukernavn": USER, "passord": PASSWORD})
        assert r.status_code == 200, r.text
        client.headers["X-CSRF-Token"] = r.json()["csrf_token"]
        yield client


def job_state(client: httpx.Client, job_id: int) -> dict[str, Any]:
    r = client.get(f"/api/planer/{job_id}")
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()
    return data


def wait_job_ended(client: httpx.Client, job_id: int, timeout: float) -> dict[str, Any]:
    def ended() -> dict[str, Any] | None:
        data = job_state(client, job_id)
        return data if data["status"] not in ("queued", "running") else None

    return wait_for(f"job {job_id} to end", ended, timeout)
