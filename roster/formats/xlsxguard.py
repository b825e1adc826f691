"""An Excel staff list is checked for size before openpyxl parses it.

An .xlsx file is a zip archive of XML parts. A small file can unpack to gigabytes (a "zip
bomb"), and a sheet with one cell far out (column XFD, row 1 048 576) makes a reader pad
every row to that size. So, before parsing: the archive's declared unpacked sizes are added
up (the zip reader never gives more than the declared size of a part: a part that lies fails
its checksum), and each worksheet is streamed once through defusedxml (no DTDs, no entity
expansion) to find its last row and column. Only then does openpyxl read it, and openpyxl
itself uses defusedxml when it is installed.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from typing import IO

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from roster.errors import InputError, Problem
from roster.limits import (
    MAX_STAFF_COLUMNS,
    MAX_STAFF_ROWS,
    MAX_XLSX_PARTS,
    MAX_XLSX_UNPACKED_BYTES,
)

_SHEET = re.compile(r"^xl/worksheets/[^/]+\.xml$")
_CELL_REF = re.compile(r"^([A-Z]{1,3})([0-9]{1,7})$")


def _fail(filename: str, message: str) -> InputError:
    return InputError([Problem(file=filename, message=message)])


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.0f}"


def column_letters(index: int) -> str:
    """1 -> 'A', 27 -> 'AA', 16384 -> 'XFD'."""
    out = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        out = chr(ord("A") + rest) + out
    return out


def column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - ord("A") + 1
    return n


def check_xlsx(data: bytes, filename: str) -> None:
    """Refuse (InputError, in Norwegian) a workbook too big to read safely."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise _fail(
            filename, "filen er ikke en gyldig Excel-fil (.xlsx); åpne og lagre den på nytt i Excel"
        ) from None
    if len(parts) > MAX_XLSX_PARTS:
        raise _fail(
            filename, f"Excel-filen har for mange deler ({len(parts)}); er den en Excel-fil?"
        )
    unpacked = sum(p.file_size for p in parts)
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise _fail(
            filename,
            f"Excel-filen blir {_mb(unpacked)} MB pakket ut; største tillatte er "
            f"{_mb(MAX_XLSX_UNPACKED_BYTES)} MB. Lagre bare legelisten i en ny arbeidsbok.",
        )
    for part in parts:
        if _SHEET.match(part.filename):
            _check_sheet(archive, part.filename, filename)


def _check_sheet(archive: zipfile.ZipFile, part: str, filename: str) -> None:
    try:
        with archive.open(part) as stream:
            for row, column in _cells(stream):
                if row > MAX_STAFF_ROWS:
                    raise _fail(
                        filename,
                        f"arket har data i rad {row}; en legeliste kan ha høyst "
                        f"{MAX_STAFF_ROWS} rader. Slett tomme rader og kolonner nederst og "
                        "til høyre, eller kopier listen til en ny arbeidsbok.",
                    )
                if column > MAX_STAFF_COLUMNS:
                    raise _fail(
                        filename,
                        f"arket har data i kolonne {column_letters(column)} (rad {row}); en "
                        f"legeliste kan ha høyst {MAX_STAFF_COLUMNS} kolonner. Slett tomme "
                        "kolonner til høyre, eller kopier listen til en ny arbeidsbok.",
                    )
    except InputError:
        raise
    except (DefusedXmlException, zipfile.BadZipFile, SyntaxError, ValueError, OSError, EOFError):
        # SyntaxError: ElementTree's ParseError; BadZipFile: a part that lies about its size
        raise _fail(
            filename, "kan ikke lese innholdet i Excel-filen; åpne og lagre den på nytt i Excel"
        ) from None


def _cells(stream: IO[bytes]) -> Iterator[tuple[int, int]]:
    """(row, column) of every row and cell start in a worksheet's XML, streamed."""
    row = 0
    column = 0
    for event, elem in iterparse(stream, events=("start", "end")):
        tag = elem.tag.rsplit("}", 1)[-1]
        if event == "start":
            if tag == "row":
                given = elem.get("r")
                row = int(given) if given and given.isdigit() and len(given) < 9 else row + 1
                column = 0
                yield row, 1
            elif tag == "c":
                m = _CELL_REF.match(elem.get("r") or "")
                if m:
                    column = column_index(m.group(1))
                    row = max(row, int(m.group(2)))
                else:
                    column += 1
                yield row, column
        elif tag == "row":
            elem.clear()
