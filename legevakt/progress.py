"""Solver progress while `legevakt solve` runs.

On a terminal: a live rich display (stages with best value and proven bound, a time bar).
Otherwise (a pipe, a file, CI): one plain line when each stage starts, nothing that redraws.
The solver calls `SolveProgress` from its own thread; state is guarded by a lock.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from types import TracebackType

from rich import box
from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.spinner import Spinner
from rich.table import Table
from rich.text import Text

from legevakt.render import line
from roster.glossary import STAGE_NO, number_no


@dataclass
class _Stage:
    name: str
    value: float | None
    bound: float | None
    elapsed: float


class SolveProgress:
    """A `progress` callback for solver.solve.SolveOptions, and a context manager around it."""

    def __init__(self, console: Console, time_limit: float) -> None:
        self.console = console
        self.time_limit = time_limit
        self.live_mode = console.is_terminal
        self._stages: list[_Stage] = []
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self._live: Live | None = None
        self._spinner = Spinner("dots")

    def __enter__(self) -> SolveProgress:
        self._started = time.monotonic()
        if self.live_mode:
            self._live = Live(self, console=self.console, refresh_per_second=8, transient=True)
            self._live.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None

    def __call__(
        self, stage: str, value: float | None, bound: float | None, elapsed: float
    ) -> None:
        with self._lock:
            new = not self._stages or self._stages[-1].name != stage
            if new:
                self._stages.append(_Stage(stage, value, bound, elapsed))
            else:
                current = self._stages[-1]
                current.value, current.bound, current.elapsed = value, bound, elapsed
        if new and not self.live_mode:
            line(
                self.console, f"[{number_no(elapsed, 1):>6} s] Trinn: {STAGE_NO.get(stage, stage)}"
            )

    def __rich__(self) -> RenderableType:
        with self._lock:
            stages = list(self._stages)
        elapsed = time.monotonic() - self._started
        table = Table(box=box.SIMPLE, show_edge=False, padding=(0, 1))
        table.add_column("")
        table.add_column("Trinn", min_width=max(len(n) for n in STAGE_NO.values()))
        table.add_column("Beste verdi", justify="right", min_width=11)
        table.add_column("Bevist grense", justify="right", min_width=13)
        for i, s in enumerate(stages):
            mark: RenderableType = self._spinner if i == len(stages) - 1 else Text("✓", "green")
            table.add_row(
                mark,
                STAGE_NO.get(s.name, s.name),
                "–" if s.value is None else number_no(s.value, 1),
                "–" if s.bound is None else number_no(s.bound, 1),
            )
        bar = ProgressBar(total=self.time_limit, completed=min(elapsed, self.time_limit), width=40)
        clock = Text(f" {number_no(elapsed, 0)} av {number_no(self.time_limit, 0)} s")
        head = Table.grid()
        head.add_row(Text("Løser  "), bar, clock)
        return Group(head, table) if stages else Group(head, Text("Bygger modellen …"))
