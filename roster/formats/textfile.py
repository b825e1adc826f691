"""Reading a text file a person or another tool wrote: one place for the Norwegian messages
about a missing file, a file that is not UTF-8, and a CSV header that is not the one agreed."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from roster.errors import InputError, Problem


def read_utf8(path: Path) -> str:
    """The file's text (a UTF-8 byte order mark is dropped), or InputError."""
    try:
        return path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise InputError([Problem(file=str(path), message="filen finnes ikke")]) from None
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
