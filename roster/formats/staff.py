"""Staff-list import: the CSV or XLSX file a legevakt leader exports from HR or keeps by hand.

One doctor per row, Norwegian column headers (with aliases), Norwegian dates and numbers.
Every problem in the file is collected and raised at once as `InputError`; nothing is
imported from a file with problems. The user documentation is docs/ansatteliste.md: keep the
header table there in step with `COLUMNS` below.

The pipeline is a chain of small pure functions:
bytes -> `decode_text` / `read_xlsx_rows` -> rows of cells -> `split_header` ->
`map_headers` -> `build_doctor` per row (cell parsers, then the pydantic models) ->
`duplicate_problems`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from roster.errors import InputError, Problem, norwegian_message
from roster.formats.xlsxguard import check_xlsx
from roster.limits import MAX_STAFF_COLUMNS, MAX_STAFF_ROWS
from roster.model import Doctor, DoctorKind, ExemptionKind, Legevakt, Scope

MAX_STAFF_FILE_BYTES = 5 * 1024 * 1024
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
XLSX_SUFFIX = ".xlsx"
DELIMITERS = (";", "\t", ",")  # preference order when a header line is ambiguous

#: A cell as read from CSV (always text) or XLSX (text, number, date, bool or empty).
Cell = str | int | float | bool | dt.datetime | dt.date | dt.time | dt.timedelta | None

ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls and password-protected .xlsx
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# --------------------------------------------------------------------------- columns


@dataclass(frozen=True)
class Column:
    """One column of the staff list: a key for the doctor field and its accepted headers."""

    key: str  # "id", "competence.acute_course", "exemption.start", ...
    headers: tuple[str, ...]  # canonical spelling first, then aliases
    required: bool = False

    @property
    def canonical(self) -> str:
        return self.headers[0]


COLUMNS: tuple[Column, ...] = (
    Column("id", ("Ansattnr", "ID", "Lege-ID", "Ansattnummer", "Ansatt-ID"), required=True),
    Column("name", ("Navn", "Fullt navn", "Lege"), required=True),
    Column("birth_date", ("Fødselsdato", "Født", "Fodselsdato"), required=True),
    Column("municipality", ("Kommune", "Hjemkommune"), required=True),
    Column("kind", ("Type", "Legetype", "Stilling", "Kategori"), required=True),
    Column("share", ("Andel", "Deltakelse", "Vaktandel")),
    Column("fixed_shifts", ("Avtalt antall vakter", "Fast antall vakter")),
    Column("rota_from", ("I vaktordningen fra", "Startdato", "Begynner")),
    Column("rota_until", ("I vaktordningen til", "Sluttdato", "Slutter")),
    Column(
        "competence.specialist_since",
        ("Spesialist allmennmedisin fra", "Spesialist i allmennmedisin", "Spesialist fra"),
    ),
    Column("competence.authorised_since", ("Autorisasjon fra", "Autorisert", "Autorisasjonsdato")),
    Column(
        "competence.legevakt_shifts_before",
        ("Legevakter før perioden", "Antall legevakter", "Tidligere legevakter"),
    ),
    Column(
        "competence.gp_year_done",
        ("Ett år som fastlege fullført", "Fastlegeår fullført", "Ett år som fastlege"),
    ),
    Column("competence.lis1_completed", ("LIS1 fullført",)),
    Column(
        "competence.acute_course", ("Kurs akuttmedisin", "Kurs i akuttmedisin", "Akuttmedisinkurs")
    ),
    Column(
        "competence.violence_course",
        ("Kurs vold og overgrep", "Kurs i volds- og overgrepshåndtering", "Voldskurs"),
    ),
    Column("exemption.kind", ("Fritak", "Fritakstype")),
    Column("exemption.scope", ("Fritak omfang",)),
    Column("exemption.start", ("Fritak fra",)),
    Column("exemption.end", ("Fritak til",)),
    Column("exemption.claimed", ("Fritak krevd",)),
    Column("exemption.granted", ("Fritak innvilget",)),
    Column("exemption.reference_date", ("Termin / barn født", "Termin")),
    # Pregnancy and breastfeeding for the same doctor in one row: the birth ends the
    # pregnancy exemption and starts the breastfeeding one.
    Column("family.born", ("Barn født", "Fødsel")),
    Column("family.breastfeeding", ("Ammefritak", "Ammer")),
    Column("email", ("E-post", "Epost", "E-mail")),
    Column("phone", ("Telefon", "Mobil")),
)

_COLUMN_BY_KEY = {c.key: c for c in COLUMNS}


def normalise_header(text: str) -> str:
    """Header text for matching: trimmed, case-folded, single spaces, no trailing colon."""
    text = " ".join(text.split()).casefold()
    return text.removesuffix(":").rstrip()


_HEADER_INDEX: dict[str, Column] = {normalise_header(h): c for c in COLUMNS for h in c.headers}


# --------------------------------------------------------------------------- value words

DOCTOR_KIND_WORDS: dict[str, DoctorKind] = {
    "fastlege": DoctorKind.fastlege,
    "legevaktlege": DoctorKind.legevaktlege,
    "ansattlegevakt": DoctorKind.legevaktlege,
    "legevaktslege": DoctorKind.legevaktlege,
    "vikar": DoctorKind.vikar,
    "locum": DoctorKind.vikar,
    "lis1": DoctorKind.lis1,
    "alis": DoctorKind.alis,
    "kommunelege": DoctorKind.kommunelege,
    "sykehjemslege": DoctorKind.kommunelege,
    "kommuneoverlege": DoctorKind.kommunelege,
    "annenkommunallege": DoctorKind.kommunelege,
}
DOCTOR_KIND_HELP = "fastlege, legevaktlege, vikar, LIS1, ALIS, kommunelege"

EXEMPTION_WORDS: dict[str, ExemptionKind] = {
    "alder": ExemptionKind.age,
    "graviditet": ExemptionKind.pregnancy,
    "amming": ExemptionKind.breastfeeding,
    "helse": ExemptionKind.health,
    "sosial": ExemptionKind.social,
    "avtale": ExemptionKind.agreement,
}
NO_EXEMPTION_WORDS = frozenset({"", "-", "nei", "ingen"})
EXEMPTION_HELP = "alder, graviditet, amming, helse, sosial, avtale (tom = ikke fritak)"

SCOPE_WORDS: dict[str, Scope] = {
    "alle": Scope.all,
    "utenfor kontortid": Scope.outside_hours,
    "16-08": Scope.outside_hours,
    "natt": Scope.nights,
    "netter": Scope.nights,
    "helg": Scope.weekends,
    "helger": Scope.weekends,
}
SCOPE_HELP = "alle, utenfor kontortid (eller 16-08), natt, helg"

TRUE_WORDS = frozenset({"ja", "j", "x", "true", "sann", "1"})
FALSE_WORDS = frozenset({"nei", "n", "false", "usann", "0"})

DATE_HELP = "bruk dd.mm.åååå eller åååå-mm-dd"
_NORWEGIAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$")
_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")
MIN_YEAR = 1900


# --------------------------------------------------------------------------- cell parsers


class CellError(ValueError):
    """A cell that cannot be read; the message is Norwegian and user-facing."""


def cell_text(cell: Cell) -> str:
    """A cell as trimmed text; whole numbers from Excel lose their '.0'."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "ja" if cell else "nei"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, dt.datetime) and cell.time() == dt.time(0):
        return cell.date().isoformat()
    if isinstance(cell, dt.date | dt.time):
        return cell.isoformat()
    return str(cell).strip()


def parse_date(cell: Cell) -> dt.date | None:
    """dd.mm.yyyy, d.m.yyyy, yyyy-mm-dd or an Excel date cell; empty is None."""
    if isinstance(cell, dt.datetime):
        if cell.time() != dt.time(0):
            raise CellError(f"ugyldig dato «{cell_text(cell)}» (klokkeslett ikke tillatt)")
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    text = cell_text(cell)
    if not text:
        return None
    if m := _NORWEGIAN_DATE.match(text):
        day, month, year = (int(g) for g in m.groups())
    elif m := _ISO_DATE.match(text):
        year, month, day = (int(g) for g in m.groups())
    else:
        raise CellError(f"ugyldig dato «{text}» ({DATE_HELP})")
    try:
        value = dt.date(year, month, day)
    except ValueError:
        raise CellError(f"ugyldig dato «{text}» ({DATE_HELP})") from None
    if value.year < MIN_YEAR:
        raise CellError(f"ugyldig dato «{text}» (årstallet må være {MIN_YEAR} eller senere)")
    return value


def _number(text: str) -> float | None:
    compact = text.replace(" ", "").replace("\u00a0", "").replace("\u202f", "")
    if not _NUMBER.match(compact):
        return None
    return float(compact.replace(",", "."))


def parse_int(cell: Cell) -> int | None:
    """A whole number: 12, '12' or '12,0' (Excel); empty is None."""
    if isinstance(cell, bool):
        raise CellError(f"ugyldig tall «{cell_text(cell)}» (bruk et heltall, f.eks. 12)")
    if isinstance(cell, int):
        return cell
    text = cell_text(cell)
    if not text:
        return None
    value = cell if isinstance(cell, float) else _number(text)
    if value is None or not value.is_integer():
        raise CellError(f"ugyldig tall «{text}» (bruk et heltall, f.eks. 12)")
    return int(value)


def parse_share(cell: Cell) -> float | None:
    """Participation share: 1, 0.5, '0,5', '50 %', '100%'; empty is None."""
    if isinstance(cell, bool):
        raise CellError(f"ugyldig andel «{cell_text(cell)}» (bruk f.eks. 1, 0,5 eller 50 %)")
    if isinstance(cell, int | float):
        return float(cell)
    text = cell_text(cell)
    if not text:
        return None
    percent = text.endswith("%")
    value = _number(text.removesuffix("%"))
    if value is None:
        raise CellError(f"ugyldig andel «{text}» (bruk f.eks. 1, 0,5 eller 50 %)")
    return value / 100 if percent else value


def parse_bool(cell: Cell) -> bool | None:
    """ja/nei (also j/n, x, true/false, 1/0, Excel TRUE/FALSE); empty is None."""
    if isinstance(cell, bool):
        return cell
    word = cell_text(cell).casefold()
    if not word:
        return None
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CellError(f"ugyldig verdi «{cell_text(cell)}» (bruk ja eller nei)")


def _word(cell: Cell) -> str:
    text = cell_text(cell).casefold().replace("\u2013", "-").replace("\u2014", "-")
    return " ".join(text.split())


def parse_doctor_kind(cell: Cell) -> DoctorKind | None:
    word = _word(cell).replace(" ", "").replace("-", "")
    if not word:
        return None
    if word in DOCTOR_KIND_WORDS:
        return DOCTOR_KIND_WORDS[word]
    raise CellError(f"ukjent legetype «{cell_text(cell)}» (gyldige verdier: {DOCTOR_KIND_HELP})")


def parse_exemption_kind(cell: Cell) -> ExemptionKind | None:
    word = _word(cell)
    if word in NO_EXEMPTION_WORDS:
        return None
    if word in EXEMPTION_WORDS:
        return EXEMPTION_WORDS[word]
    raise CellError(f"ukjent fritakstype «{cell_text(cell)}» (gyldige verdier: {EXEMPTION_HELP})")


def parse_scope(cell: Cell) -> Scope | None:
    word = _word(cell).replace(" - ", "-")
    if not word:
        return None
    if word in SCOPE_WORDS:
        return SCOPE_WORDS[word]
    raise CellError(f"ukjent omfang «{cell_text(cell)}» (gyldige verdier: {SCOPE_HELP})")


def slug(text: str) -> str:
    """A municipality id from its name: 'Nord-Aurdal' -> 'nord-aurdal', 'Inderøy' -> 'inderoy'."""
    text = text.strip().casefold().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9_.]+", "-", text).strip("-_.")


def municipality_parser(legevakt: Legevakt | None) -> Callable[[Cell], str | None]:
    """Cell -> municipality id: matched against the legevakt's members, or slugged."""

    def parse(cell: Cell) -> str | None:
        text = cell_text(cell)
        if not text:
            return None
        if legevakt is None:
            value = slug(text)
            if not value:
                raise CellError(f"ugyldig kommune «{text}»")
            return value
        wanted = {text.casefold(), slug(text)}
        for m in legevakt.municipalities:
            if wanted & {m.id.casefold(), m.name.casefold(), slug(m.name)}:
                return m.id
        names = ", ".join(m.name for m in legevakt.municipalities)
        raise CellError(f"ukjent kommune «{text}» (gyldige kommuner i {legevakt.name}: {names})")

    return parse


def text_or_none(cell: Cell) -> str | None:
    return cell_text(cell) or None


CellParser = Callable[[Cell], Any]


def cell_parsers(legevakt: Legevakt | None) -> dict[str, CellParser]:
    """The parser for each column key."""
    parsers: dict[str, CellParser] = {
        "id": text_or_none,
        "name": text_or_none,
        "birth_date": parse_date,
        "municipality": municipality_parser(legevakt),
        "kind": parse_doctor_kind,
        "share": parse_share,
        "fixed_shifts": parse_int,
        "rota_from": parse_date,
        "rota_until": parse_date,
        "competence.legevakt_shifts_before": parse_int,
        "exemption.kind": parse_exemption_kind,
        "exemption.scope": parse_scope,
        "exemption.start": parse_date,
        "exemption.end": parse_date,
        "exemption.claimed": parse_bool,
        "exemption.granted": parse_bool,
        "exemption.reference_date": parse_date,
        "family.born": parse_date,
        "family.breastfeeding": parse_bool,
        "email": text_or_none,
        "phone": text_or_none,
    }
    for c in COLUMNS:
        if c.key.startswith("competence.") and c.key not in parsers:
            parsers[c.key] = parse_date
    return parsers


# --------------------------------------------------------------------------- reading files


def _fail(filename: str, message: str) -> InputError:
    return InputError([Problem(file=filename, message=message)])


def _megabytes(n: int) -> str:
    """Bytes as MB with a decimal comma, rounded up: a file just over 5 MB shows as 5,1."""
    tenths = -(-n * 10 // (1024 * 1024))
    return f"{tenths // 10},{tenths % 10}".removesuffix(",0")


def check_suffix(filename: str) -> str:
    """The lower-case suffix if it is one we read; otherwise an InputError."""
    suffix = Path(filename).suffix.lower()
    if suffix in (*TEXT_SUFFIXES, XLSX_SUFFIX):
        return suffix
    if suffix == ".xls":
        raise _fail(
            filename, "eldre Excel-format (.xls) støttes ikke; lagre filen som .xlsx eller CSV"
        )
    shown = f"«{suffix}»" if suffix else "ingen filendelse"
    raise _fail(
        filename,
        f"ukjent filtype ({shown}); bruk en CSV-fil (.csv, .txt, .tsv) eller Excel (.xlsx)",
    )


def check_size(data: bytes, filename: str) -> None:
    if len(data) > MAX_STAFF_FILE_BYTES:
        raise _fail(filename, too_big_message(len(data)))
    if not data.strip():
        raise _fail(filename, "filen er tom")


def too_many_rows() -> str:
    return (
        f"filen har mer enn {MAX_STAFF_ROWS} rader; en legeliste har én rad per lege "
        "(del opp listen, eller fjern tomme rader nederst)"
    )


def too_many_columns(filename: str, row: int, count: int) -> Problem:
    return Problem(
        file=filename,
        row=row,
        message=f"raden har {count} kolonner; høyst {MAX_STAFF_COLUMNS} godtas",
    )


def too_big_message(size: int) -> str:
    return (
        f"filen er for stor ({_megabytes(size)} MB); "
        f"største tillatte størrelse er {_megabytes(MAX_STAFF_FILE_BYTES)} MB"
    )


def decode_text(data: bytes, filename: str) -> str:
    """Bytes of a text file -> str: UTF-8 (with or without BOM), UTF-16 with BOM, or cp1252."""
    if data.startswith(ZIP_MAGIC):
        raise _fail(
            filename,
            "filen ser ut som en Excel-fil (.xlsx), ikke en tekstfil; "
            "gi den endelsen .xlsx eller lagre den som CSV",
        )
    if data.startswith(OLE2_MAGIC):
        raise _fail(
            filename,
            "filen ser ut som en eldre Excel-fil (.xls) eller en passordbeskyttet arbeidsbok; "
            "lagre den som .xlsx uten passord eller som CSV",
        )
    text = _decode(data)
    if text is None or _CONTROL_CHARS.search(text):
        raise _fail(
            filename,
            "filen er ikke en tekstfil (inneholder binære data); "
            "bruk CSV lagret fra Excel, eller en .xlsx-fil",
        )
    return text


def _decode(data: bytes) -> str | None:
    """UTF-16 with BOM (Excel's "Unicode-tekst"), else strict UTF-8 (BOM optional), else
    Windows-1252; None if none fits. A DOS end-of-file mark (Ctrl-Z) is dropped."""
    encodings = (
        ("utf-16",) if data.startswith((b"\xff\xfe", b"\xfe\xff")) else ("utf-8-sig", "cp1252")
    )
    for encoding in encodings:
        try:
            return data.decode(encoding).removesuffix("\x1a")
        except UnicodeDecodeError:
            continue
    return None


def _fields(line: str, delimiter: str) -> int:
    try:
        return len(next(csv.reader([line], delimiter=delimiter), []))
    except csv.Error:
        return 0


def detect_delimiter(text: str) -> str:
    """The delimiter that splits the header line (the first line with more than delimiters
    and spaces) into the most fields; ';' on a tie."""
    blank = "".join(DELIMITERS) + " \r\n"
    header = next((line for line in io.StringIO(text) if line.strip(blank)), "")
    return max(DELIMITERS, key=lambda d: _fields(header, d))


_SEP_LINE = re.compile(r"^sep=(.)\r?\n", re.IGNORECASE)


def split_csv(text: str, filename: str) -> list[tuple[int, list[Cell]]]:
    """Text -> (spreadsheet row number, cells). A leading Excel 'sep=;' line is honoured."""
    delimiter = None
    if m := _SEP_LINE.match(text):
        delimiter = m.group(1)
        text = text[m.end() :]
    delimiter = delimiter or detect_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[Cell]]] = []
    try:
        for number, record in enumerate(reader, start=1):
            if number > MAX_STAFF_ROWS:
                raise _fail(filename, too_many_rows())
            if len(record) > MAX_STAFF_COLUMNS:
                raise InputError([too_many_columns(filename, number, len(record))])
            rows.append((number, list(record)))
    except csv.Error as exc:
        raise InputError(
            [
                Problem(
                    file=filename,
                    row=len(rows) + 1,
                    message=f"kan ikke lese CSV ({exc}); sjekk anførselstegn i raden",
                )
            ]
        ) from None
    return rows


def read_xlsx_rows(data: bytes, filename: str) -> list[tuple[int, list[Cell]]]:
    """The rows of the staff sheet of an .xlsx file, numbered as Excel shows them."""
    import openpyxl  # local: only needed for Excel files

    if not data.startswith(ZIP_MAGIC):
        hint = ""
        if data.startswith(OLE2_MAGIC):
            hint = " (den ser ut som en eldre .xls-fil eller er passordbeskyttet)"
        elif b"\x00" not in data[:4096]:
            hint = " (den ser ut som en tekstfil; gi den endelsen .csv)"
        raise _fail(filename, f"filen er ikke en gyldig Excel-fil (.xlsx){hint}")
    check_xlsx(data, filename)  # sizes, rows and columns, before anything is parsed
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # zipfile.BadZipFile, KeyError, InvalidFileException, XML errors ...
        raise _fail(
            filename, "filen er ikke en gyldig Excel-fil (.xlsx); åpne og lagre den på nytt i Excel"
        ) from None
    try:
        sheets = []
        for sheet in workbook.worksheets:
            sheet.reset_dimensions()  # some exporters write a wrong size; read every cell
            cells = sheet.iter_rows(
                max_row=MAX_STAFF_ROWS, max_col=MAX_STAFF_COLUMNS, values_only=True
            )
            sheets.append([(n, list(r)) for n, r in enumerate(cells, 1)])
    except Exception:
        raise _fail(
            filename, "kan ikke lese innholdet i Excel-filen; åpne og lagre den på nytt i Excel"
        ) from None
    finally:
        workbook.close()
    return choose_sheet(sheets)


def choose_sheet(sheets: Sequence[list[tuple[int, list[Cell]]]]) -> list[tuple[int, list[Cell]]]:
    """The first sheet whose header names the Ansattnr column; otherwise the first sheet."""
    for rows in sheets:
        found = split_header(rows)
        if found and any(
            _HEADER_INDEX.get(normalise_header(cell_text(c))) is _COLUMN_BY_KEY["id"]
            for c in found[1]
        ):
            return rows
    return list(sheets[0]) if sheets else []


# --------------------------------------------------------------------------- table


def is_empty(cells: Iterable[Cell]) -> bool:
    return all(not cell_text(c) for c in cells)


def split_header(
    rows: Sequence[tuple[int, list[Cell]]],
) -> tuple[int, list[Cell], list[tuple[int, list[Cell]]]] | None:
    """(header row number, header cells, non-empty data rows), or None if all rows are empty."""
    for i, (number, cells) in enumerate(rows):
        if not is_empty(cells):
            data = [(n, c) for n, c in rows[i + 1 :] if not is_empty(c)]
            return number, cells, data
    return None


@dataclass(frozen=True)
class HeaderMap:
    """Where each known column is, and its header as written in the file."""

    index: dict[str, int]
    written: dict[str, str]

    def label(self, key: str) -> str:
        return self.written.get(key) or _COLUMN_BY_KEY[key].canonical

    def position(self, problem: Problem) -> tuple[int, int]:
        """Sort key: by row, then by column as they stand in the file."""
        columns = {self.label(k): i for k, i in self.index.items()}
        column = -1 if problem.column is None else columns.get(problem.column, len(columns))
        return problem.row or 0, column


def map_headers(cells: Sequence[Cell], filename: str, row: int) -> tuple[HeaderMap, list[Problem]]:
    """Match header cells to columns. Unknown headers are ignored; missing required ones and
    two headers for the same column are problems."""
    index: dict[str, int] = {}
    written: dict[str, str] = {}
    problems: list[Problem] = []
    for i, cell in enumerate(cells):
        text = cell_text(cell)
        column = _HEADER_INDEX.get(normalise_header(text))
        if column is None:
            continue
        if column.key in index:
            problems.append(
                Problem(
                    file=filename,
                    row=row,
                    column=text,
                    message=(
                        f"kolonnene «{written[column.key]}» og «{text}» betyr det samme "
                        f"({column.canonical}); fjern eller gi nytt navn til den ene"
                    ),
                )
            )
            continue
        index[column.key] = i
        written[column.key] = text
    for column in COLUMNS:
        if column.required and column.key not in index:
            problems.append(
                Problem(
                    file=filename,
                    row=row,
                    message=(
                        f"mangler kolonnen «{column.canonical}» "
                        f"(godtatte overskrifter: {', '.join(column.headers)})"
                    ),
                )
            )
    return HeaderMap(index, written), problems


# --------------------------------------------------------------------------- doctors


def read_cells(
    cells: Sequence[Cell], headers: HeaderMap, parsers: dict[str, CellParser]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Parse every known cell of a row: (values by key, error messages by key)."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key, i in headers.index.items():
        cell = cells[i] if i < len(cells) else None
        try:
            value = parsers[key](cell)
        except CellError as exc:
            errors[key] = str(exc)
            continue
        if value is not None:
            values[key] = value
    for column in COLUMNS:
        if column.required and column.key in headers.index and column.key not in values:
            errors.setdefault(column.key, "mangler verdi")
    exemption_set = [k for k, v in values.items() if k.startswith("exemption.") and v is not False]
    if exemption_set and "exemption.kind" not in values and "exemption.kind" not in errors:
        others = ", ".join(f"«{headers.label(k)}»" for k in exemption_set)
        errors["exemption.kind"] = f"mangler fritakstype når {others} er fylt ut ({EXEMPTION_HELP})"
    errors.update(family_problems(values, headers))
    return values, errors


def family_problems(values: dict[str, Any], headers: HeaderMap) -> dict[str, str]:
    """«Barn født» and «Ammefritak» belong with a pregnancy or breastfeeding exemption."""
    kind = values.get("exemption.kind")
    nursing = values.get("family.breastfeeding") is True
    born = values.get("family.born")
    if born is not None and not nursing and kind not in FAMILY_KINDS:
        return {
            "family.born": f"«{headers.label('family.born')}» hører til fritak for graviditet "
            f"eller amming; fyll ut «{headers.label('exemption.kind')}» eller "
            f"«{headers.label('family.breastfeeding')}»"
        }
    if nursing and born is None and kind != ExemptionKind.pregnancy:
        has_date = kind == ExemptionKind.breastfeeding and "exemption.reference_date" in values
        if not has_date:
            return {
                "family.breastfeeding": f"fritak for amming krever «{headers.label('family.born')}» "
                "(eller fritak for graviditet med termin)"
            }
    return {}


FAMILY_KINDS = frozenset({ExemptionKind.pregnancy, ExemptionKind.breastfeeding})


def doctor_data(values: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    """Parsed values -> the nested dict Doctor validates. An exemption with a bad cell is left
    out, so that the model does not add a second, misleading message about it."""
    data: dict[str, Any] = {}
    competence: dict[str, Any] = {}
    exemption: dict[str, Any] = {}
    family: dict[str, Any] = {}
    for key, value in values.items():
        group, _, name = key.partition(".")
        if group == "competence":
            competence[name] = value
        elif group == "exemption":
            exemption[name] = value
        elif group == "family":
            family[name] = value
        else:
            data[key] = value
    if competence:
        data["competence"] = competence
    exemptions: list[dict[str, Any]] = []
    born = family.get("born")
    if "kind" in exemption and not any(k.startswith("exemption.") for k in errors):
        if exemption["kind"] == ExemptionKind.pregnancy and born is not None:
            exemption["born"] = born
        if exemption["kind"] == ExemptionKind.breastfeeding:
            exemption.setdefault("reference_date", born)
        exemptions.append(exemption)
    nursing = family.get("breastfeeding") is True
    if (
        nursing
        and exemption.get("kind") != ExemptionKind.breastfeeding
        and "family" not in {k.partition(".")[0] for k in errors}
    ):
        exemptions.append({"kind": ExemptionKind.breastfeeding, "reference_date": born})
    if exemptions:
        data["exemptions"] = exemptions
    return data


def key_for_loc(loc: Sequence[int | str]) -> str | None:
    """Pydantic error location -> column key: ('exemptions', 0, 'end') -> 'exemption.end'."""
    parts = [p for p in loc if isinstance(p, str)]
    if not parts:
        return None
    if parts[0] == "exemptions":
        name = parts[1] if len(parts) > 1 else "kind"
        return "family.born" if name == "born" else "exemption." + name
    key = ".".join(parts[:2])
    return key if key in _COLUMN_BY_KEY else None


def validation_messages(
    exc: ValidationError, values: dict[str, Any], cells: Sequence[Cell], headers: HeaderMap
) -> list[tuple[str | None, str]]:
    """Pydantic errors -> (column key, Norwegian message), quoting the cell where it helps."""
    out: list[tuple[str | None, str]] = []
    for err in exc.errors():
        key = key_for_loc(err.get("loc", ()))
        message = norwegian_message(err)
        if key is not None and err.get("type") != "value_error" and key in headers.index:
            i = headers.index[key]
            raw = cell_text(cells[i]) if i < len(cells) else ""
            if raw:
                message = f"«{raw}» {message}"
        out.append((key, message))
    return out


def build_doctor(
    number: int,
    cells: Sequence[Cell],
    headers: HeaderMap,
    parsers: dict[str, CellParser],
    filename: str,
) -> tuple[Doctor | None, list[Problem]]:
    """One data row -> a Doctor, or the problems that stop it (all of them)."""
    values, errors = read_cells(cells, headers, parsers)
    found: list[tuple[str | None, str]] = list(errors.items())
    doctor: Doctor | None = None
    try:
        doctor = Doctor.model_validate(doctor_data(values, errors))
    except ValidationError as exc:
        for key, message in validation_messages(exc, values, cells, headers):
            if key not in errors:  # already reported from the cell itself
                found.append((key, message))
    problems = [
        Problem(file=filename, row=number, column=headers.label(k) if k else None, message=m)
        for k, m in found
    ]
    return (None if problems else doctor), problems


def duplicate_problems(
    rows: Sequence[tuple[int, list[Cell]]], headers: HeaderMap, filename: str
) -> list[Problem]:
    """A second row with an Ansattnr already used (case-insensitive) names the first row.
    Checked on the cell text, so a row with other problems is checked too."""
    column = headers.index["id"]
    first: dict[str, int] = {}
    out: list[Problem] = []
    for number, cells in rows:
        text = cell_text(cells[column]) if column < len(cells) else ""
        if not text:
            continue
        key = text.casefold()
        if key in first:
            out.append(
                Problem(
                    file=filename,
                    row=number,
                    column=headers.label("id"),
                    message=f"«{text}» er brukt flere ganger (første gang i rad {first[key]})",
                )
            )
        else:
            first[key] = number
    return out


def doctors_from_rows(
    rows: Sequence[tuple[int, list[Cell]]], filename: str, legevakt: Legevakt | None
) -> list[Doctor]:
    """Rows of cells (header first) -> doctors, or InputError with every problem."""
    found = split_header(rows)
    if found is None:
        raise _fail(filename, "filen er tom")
    header_row, header_cells, data_rows = found
    headers, problems = map_headers(header_cells, filename, header_row)
    if not data_rows:
        problems.append(
            Problem(
                file=filename,
                message=(
                    "listen er tom: filen har overskrifter, men ingen leger "
                    f"(én lege per rad under rad {header_row})"
                ),
            )
        )
    if problems:
        raise InputError(problems)
    parsers = cell_parsers(legevakt)
    doctors: list[Doctor] = []
    for number, cells in data_rows:
        doctor, row_problems = build_doctor(number, cells, headers, parsers, filename)
        problems.extend(row_problems)
        if doctor is not None:
            doctors.append(doctor)
    problems.extend(duplicate_problems(data_rows, headers, filename))
    if problems:
        raise InputError(sorted(problems, key=headers.position))
    return doctors


# --------------------------------------------------------------------------- public


def parse_staff_bytes(data: bytes, filename: str, legevakt: Legevakt | None = None) -> list[Doctor]:
    """A staff file's bytes -> doctors. Raises InputError with every problem found."""
    try:
        suffix = check_suffix(filename)
        check_size(data, filename)
        if suffix == XLSX_SUFFIX:
            rows = read_xlsx_rows(data, filename)
        else:
            rows = split_csv(decode_text(data, filename), filename)
        return doctors_from_rows(rows, filename, legevakt)
    except InputError:
        raise
    except Exception as exc:  # never a traceback for a leader's file
        raise _fail(filename, f"kan ikke lese filen (uventet feil: {type(exc).__name__})") from exc


def import_staff(path: Path, legevakt: Legevakt | None = None) -> list[Doctor]:
    """Read a staff file (CSV/TXT/TSV/XLSX) from disk. Raises InputError with every problem."""
    path = Path(path)
    name = path.name
    check_suffix(name)
    try:
        size = path.stat().st_size
        if size > MAX_STAFF_FILE_BYTES:
            raise _fail(name, too_big_message(size))
        data = path.read_bytes()
    except FileNotFoundError:
        raise _fail(str(path), "filen finnes ikke") from None
    except IsADirectoryError:
        raise _fail(str(path), "er en mappe, ikke en fil") from None
    except OSError as exc:
        raise _fail(name, f"kan ikke lese filen ({exc.strerror})") from None
    return parse_staff_bytes(data, name, legevakt)
