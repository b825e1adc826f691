"""The one error type the web app raises on purpose. web.app maps it (and roster's InputError,
and anything unexpected) to one JSON shape under /api and a Norwegian HTML page elsewhere:

    {"feil": {"kode": "...", "melding": "...", "problemer": [{"melding": ..., "rad": ...}]}}
"""

from __future__ import annotations

from typing import Any

from roster.errors import InputError, Problem

#: At most this many problems in one answer (a broken 5 MB file can have tens of thousands).
MAX_PROBLEMS = 1000


class AppError(Exception):
    def __init__(
        self,
        status: int,
        kode: str,
        melding: str,
        problemer: list[Problem] | None = None,
    ) -> None:
        super().__init__(melding)
        self.status = status
        self.kode = kode
        self.melding = melding
        self.problemer = list(problemer or [])

    @classmethod
    def from_input(cls, err: InputError, melding: str = "Ugyldige inndata.") -> AppError:
        problems = err.problems
        if len(problems) > MAX_PROBLEMS:
            melding = (
                f"Ugyldige inndata: {len(problems)} problemer; de første {MAX_PROBLEMS} vises."
            )
            problems = problems[:MAX_PROBLEMS]
        return cls(422, "ugyldige_inndata", melding, problems)


def not_found(what: str = "Siden") -> AppError:
    return AppError(404, "finnes_ikke", f"{what} finnes ikke.")


def problem_json(p: Problem) -> dict[str, Any]:
    """A Problem in the API's words (Norwegian keys, like the rest of the error shape)."""
    out: dict[str, Any] = {"melding": p.message, "tekst": str(p)}
    for key, value in (
        ("fil", p.file),
        ("rad", p.row),
        ("kolonne", p.column),
        ("felt", p.field),
        ("linje", p.line),
    ):
        if value is not None:
            out[key] = value
    return out


def error_body(err: AppError) -> dict[str, Any]:
    return {
        "feil": {
            "kode": err.kode,
            "melding": err.melding,
            "problemer": [problem_json(p) for p in err.problemer],
        }
    }
