"""Reading a text file a person or another tool wrote: one place for the Norwegian messages
about a missing file, a file that is not UTF-8, and a CSV header that is not the one agreed."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from roster.errors import InputError, Problem
from roster.limits import MAX_ROSTER_FILE_BYTES


def read_limited(path: Path) -> bytes:
    """The bytes of a roster, changes or other data file, refused (InputError) over
    MAX_ROSTER_FILE_BYTES before anything is read."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError([Problem(file=str(path), message="filen finnes ikke")]) from None
    if size > MAX_ROSTER_FILE_BYTES:
        mb = MAX_ROSTER_FILE_BYTES // (1024 * 1024)
        raise InputError([Problem(file=path.name, message=f"filen er for stor (høyst {mb} MB)")])
    return path.read_bytes()


def read_utf8(path: Path) -> str:
    """The file's text (a UTF-8 byte order mark is dropped), or InputError."""
    try:
        return read_limited(path).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError([Problem(file=path.name, message="filen er ikke UTF-8-tekst")]) from None
    except OSError as exc:
        raise InputError(
            [Problem(file=path.name, message=f"kan ikke lese filen ({exc.strerror})")]
        ) from None


def check_header(got: Sequence[str] | None, want: Sequence[str], name: str) -> None:
    """InputError unless the CSV header is exactly `want` (line 1)."""
    if tuple(got or ()) != tuple(want):
        raise InputError(
            [
                Problem(
                    file=name,
                    line=1,
                    message=f"feil overskriftsrad; forventet nøyaktig: {','.join(want)}",
                )
            ]
        )
