"""Sections of bench/RESULTS.md that each benchmark script writes and the others keep.

bench/run.py rewrites the file; bench/whatif.py and bench/feeds.py each replace only their
own section (from its `## ` heading to the next one).
"""

from __future__ import annotations

from pathlib import Path

RESULTS_MD = Path(__file__).resolve().parent / "RESULTS.md"


def kept_section(heading: str) -> str:
    """A section of the current RESULTS.md, as written ('' when there is none)."""
    if not RESULTS_MD.exists():
        return ""
    text = RESULTS_MD.read_text(encoding="utf-8")
    at = text.find(heading)
    if at < 0:
        return ""
    rest = text[at + len(heading) :]
    end = rest.find("\n## ")
    return heading + (rest if end < 0 else rest[: end + 1]).rstrip() + "\n"


def write_section(heading: str, text: str) -> None:
    """Replace the section under `heading` with `text` (which starts with the heading), or
    add it at the end."""
    old = RESULTS_MD.read_text(encoding="utf-8") if RESULTS_MD.exists() else ""
    at = old.find(heading)
    if at < 0:
        new = old.rstrip() + "\n\n" + text
    else:
        rest = old[at + len(heading) :]
        end = rest.find("\n## ")
        tail = "" if end < 0 else rest[end + 1 :]
        new = old[:at] + text + ("\n" + tail if tail else "")
    RESULTS_MD.write_text(new.rstrip() + "\n", encoding="utf-8")
