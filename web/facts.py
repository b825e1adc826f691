"""What the pages show of a plan that can no longer change, computed once per process.

A published version is immutable, and so is a finished solve (a draft plan): their instance,
roster, holes, fairness report and month grids are the same on every request. `Facts` holds
them, each computed on first use under a lock (twenty requests for a cold page compute it
once, not twenty times) and kept in a small LRU per app (`FactsCache`), keyed by what the
plan is: ("versjon", id) or ("plan", id, finished at). These are copies of immutable data,
never a source of truth, so each web process may keep its own.

The fairness report's expensive part, roster.targets.basis, depends on the instance alone: it
is computed once per instance text and passed to roster.fairness.evaluate.
"""

from __future__ import annotations

import functools
import io
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

from roster.fairness import FairnessReport, evaluate
from roster.formats.exchange import Roster, holes
from roster.formats.exports import workbook
from roster.instance import Instance
from roster.targets import Basis, basis
from web import views
from web.store import instance_from_text, roster_from_json

T = TypeVar("T")
#: What a plan is: ("versjon", id) or ("plan", id, finished at).
FactsKey = tuple[Any, ...]
#: What `Facts.kept` and `FactsCache.kept` give for what is not computed yet.
NOT_KEPT: Any = object()


@functools.lru_cache(maxsize=16)
def basis_of(text: str) -> Basis:
    """roster.targets.basis of the instance stored as `text` (what every fairness report of
    plans on that instance shares)."""
    return basis(instance_from_text(text))


class Facts:
    """An immutable plan and what is computed from it, each part once."""

    def __init__(self, text: str, roster_json: dict[str, Any], report: dict[str, Any]) -> None:
        self.text = text
        self.instance: Instance = instance_from_text(text)
        self.roster: Roster = roster_from_json(roster_json)
        self.report = report
        self._lock = threading.RLock()  # a part may use other parts
        self._done: dict[Any, Any] = {}

    def once(self, key: Any, make: Callable[[], T]) -> T:
        """`make()` the first time `key` is asked for; the same value after."""
        with self._lock:  # one computation at a time per plan; the others wait and reuse it
            if key not in self._done:
                self._done[key] = make()
            value: T = self._done[key]
            return value

    def kept(self, key: Any) -> Any:
        """What `once(key, …)` made, or NOT_KEPT; never waits (for the event loop)."""
        return self._done.get(key, NOT_KEPT)

    @property
    def holes(self) -> Any:
        return self.once("holes", lambda: holes(self.instance, self.roster))

    @property
    def fairness(self) -> FairnessReport:
        return self.once(
            "fairness", lambda: evaluate(self.instance, self.roster, basis_of(self.text))
        )

    def month_grid(self, month: str) -> views.MonthGrid:
        return self.once(
            ("grid", month), lambda: views.month_grid(self.instance, self.roster, month)
        )

    def xlsx(self) -> bytes:
        def render() -> bytes:
            buf = io.BytesIO()
            workbook(self.instance, self.roster).save(buf)
            return buf.getvalue()

        return self.once("xlsx", render)


class FactsCache:
    """The Facts of the plans this process served lately (an LRU)."""

    def __init__(self, size: int = 24) -> None:
        self.size = size
        self.items: OrderedDict[FactsKey, Facts] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: FactsKey, load: Callable[[], Facts]) -> Facts:
        with self.lock:
            found = self.items.get(key)
            if found is not None:
                self.items.move_to_end(key)
                return found
        made = load()  # outside the lock: reading a plan must not hold up other plans
        with self.lock:
            found = self.items.setdefault(key, made)
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)
            return found

    def kept(self, key: FactsKey) -> Facts | None:
        """The Facts of `key` if this process has them (never reads or computes)."""
        with self.lock:
            found = self.items.get(key)
            if found is not None:
                self.items.move_to_end(key)
            return found

    def clear(self) -> None:
        with self.lock:
            self.items.clear()
