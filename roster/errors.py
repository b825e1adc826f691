"""Problems with input, reported in Norwegian with where they are (file, row, column, field).

All problems in a file are collected and reported at once; code that raises `InputError`
has changed nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import ValidationError

from roster.model import StrictModel


class Problem(StrictModel):
    message: str
    file: str | None = None
    row: int | None = None
    column: str | None = None
    field: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where: list[str] = []
        if self.file:
            where.append(self.file)
        if self.line is not None:
            where.append(f"linje {self.line}")
        if self.row is not None:
            where.append(f"rad {self.row}")
        if self.column:
            where.append(f"kolonne «{self.column}»")
        if self.field:
            where.append(f"felt {self.field}")
        return (", ".join(where) + ": " if where else "") + self.message


class InputError(Exception):
    """Input that cannot be used. Carries every problem found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def report(self) -> str:
        n = len(self.problems)
        head = f"{n} feil i inndata:" if n != 1 else "1 feil i inndata:"
        return "\n".join([head, *(f"  - {p}" for p in self.problems)])


_MESSAGES: dict[str, str] = {
    "missing": "mangler",
    "extra_forbidden": "ukjent felt (skrivefeil?)",
    "date_parsing": "ugyldig dato (bruk dd.mm.åååå eller åååå-mm-dd)",
    "date_from_datetime_parsing": "ugyldig dato (bruk dd.mm.åååå eller åååå-mm-dd)",
    "date_from_datetime_inexact": "ugyldig dato (klokkeslett ikke tillatt)",
    "date_type": "må være en dato",
    "time_parsing": "ugyldig klokkeslett (bruk tt:mm)",
    "time_type": "må være et klokkeslett (tt:mm)",
    "int_parsing": "må være et heltall",
    "int_type": "må være et heltall",
    "int_from_float": "må være et heltall",
    "float_parsing": "må være et tall",
    "float_type": "må være et tall",
    "bool_parsing": "må være ja/nei (true/false)",
    "bool_type": "må være ja/nei (true/false)",
    "string_type": "må være tekst",
    "string_too_short": "kan ikke være tom",
    "string_too_long": "er for lang",
    "string_pattern_mismatch": "har ugyldige tegn (bruk bokstaver, tall, -, _ og .)",
    "enum": "ugyldig verdi",
    "literal_error": "ugyldig verdi",
    "greater_than_equal": "er for lav",
    "less_than_equal": "er for høy",
    "too_short": "har for få elementer",
    "list_type": "må være en liste",
    "tuple_type": "må være en liste",
    "dict_type": "må være en tabell (nøkkel: verdi)",
    "model_type": "må være en tabell (nøkkel: verdi)",
    "model_attributes_type": "må være en tabell (nøkkel: verdi)",
}


def norwegian_message(error: Any) -> str:
    kind = error.get("type", "")
    if kind == "value_error":
        msg = str(error.get("msg", ""))
        return msg.removeprefix("Value error, ")
    base = _MESSAGES.get(kind)
    if base is None:
        return f"ugyldig verdi ({error.get('msg', kind)})"
    ctx = error.get("ctx") or {}
    if kind == "enum" and "expected" in ctx:
        return f"ugyldig verdi, gyldige verdier er {ctx['expected']}"
    if kind == "literal_error" and "expected" in ctx:
        return f"ugyldig verdi, gyldige verdier er {ctx['expected']}"
    if kind in ("greater_than_equal", "less_than_equal"):
        limit = ctx.get("ge", ctx.get("le"))
        return f"{base} (grense {limit})"
    if kind == "too_short":
        return f"{base} (minst {ctx.get('min_length', 1)})"
    return base


def loc_to_path(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def problems_from_validation(
    exc: ValidationError, file: str | None = None, lines: dict[tuple[Any, ...], int] | None = None
) -> list[Problem]:
    """Translate a pydantic ValidationError into Norwegian problems, one per message."""
    out: list[Problem] = []
    errors = exc.errors()
    failing = [tuple(e.get("loc", ())) for e in errors]
    for err in errors:
        here = tuple(err.get("loc", ()))
        if err.get("type") == "too_short" and any(
            len(loc) > len(here) and loc[: len(here)] == here for loc in failing
        ):
            continue  # a list item failed; the list is not really too short
        loc = tuple(p for p in err.get("loc", ()) if not (isinstance(p, str) and "[" in p))
        line = None
        if lines is not None:
            probe = loc
            while probe and probe not in lines:
                probe = probe[:-1]
            line = lines.get(probe)
        for msg in norwegian_message(err).split("\n"):
            out.append(Problem(message=msg, file=file, field=loc_to_path(loc) or None, line=line))
    return out
