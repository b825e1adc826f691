"""The budget every fuzz input must stay within, and what a good answer looks like.

The budget is a bound on pathological behaviour, not a timing: CPU time of this process (not
the wall clock, which other work on the machine stretches) and the peak of Python's own
allocations (tracemalloc), per input. Real inputs use a small fraction of it.
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

CPU_SECONDS = 5.0
PEAK_BYTES = 500 * 1024 * 1024

#: Words that only appear when an error escaped the Norwegian mapping.
LEAKS = ("Traceback", "Uventet feil", "Exception", "Error:", "intern_feil", "Noe gikk galt")


@contextmanager
def budget(case: str) -> Iterator[None]:
    tracemalloc.start()
    start = time.process_time()
    try:
        yield
    finally:
        used = time.process_time() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert used < CPU_SECONDS, f"{case}: {used:.1f} s CPU"
    assert peak < PEAK_BYTES, f"{case}: {peak / 1024 / 1024:.0f} MB"


def assert_api_answer(case: str, r: Any, ok: tuple[int, ...] = (200, 201, 202)) -> None:
    """Success, or an error in the one JSON shape with a message; never a 500."""
    allowed = (*ok, 400, 403, 404, 409, 413, 422)
    assert r.status_code in allowed, (case, r.status_code, r.text[:500])
    if r.status_code >= 400:
        feil = r.json()["feil"]
        assert feil["kode"] and feil["melding"], (case, feil)
        assert not any(word in r.text for word in LEAKS), (case, r.text[:500])


def assert_cli_answer(case: str, result: Any) -> None:
    """Exit 0 (ok) or 2 (invalid input, said in Norwegian); never a traceback."""
    output = result.output + (result.stderr if result.stderr_bytes else "")
    assert result.exit_code in (0, 2), (case, result.exit_code, output[-800:], result.exception)
    assert not any(word in output for word in LEAKS), (case, output[-800:])
    if result.exit_code == 2:
        assert (
            "feil" in output.lower() or "ugyldig" in output.lower() or "kan ikke" in output.lower()
        ), (case, output[-400:])
