"""How a setup form is saved, and shown again when it cannot be: what every form of the plan
file shares (web.setup, web.doctorform, web.newlegevakt).

A save changes one part of the plan file and goes through the same checks as the file itself
(roster's pydantic models, then the whole file resolved); a form with errors is shown again
with each of them by its field's Norwegian label, with what the leader wrote, and saves
nothing (422).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from fastapi import Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from roster.errors import InputError, Problem, problems_from_validation
from roster.glossary import ABSENCE_NO, BIG_HOLIDAY_NO, EXEMPTION_NO
from roster.instance import InstanceFile
from roster.model import (
    AbsenceKind,
    BigHoliday,
    CostKey,
    DayKind,
    ExemptionKind,
    Mode,
    Period,
    Role,
    Scope,
)
from roster.rules import RULE_PARAMS
from web import setupforms as forms
from web import store
from web.access import LegevaktAccess, Principal
from web.models import LegevaktRow
from web.pages import redirect, render


class FormError(Exception):
    """Problems in one form, with the values the leader wrote (shown again)."""

    def __init__(self, section: str, problems: list[Problem], values: Any) -> None:
        self.section, self.problems = section, forms.named(problems)
        self.values = values  # the posted form (get, getlist), shown again


def validate(section: str, model: type[Any], data: dict[str, Any], values: Any) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise FormError(section, problems_from_validation(exc), values) from None


def save_change(
    s: Session,
    row: LegevaktRow,
    who: Principal,
    section: str,
    values: Any,
    change: Callable[[InstanceFile], InstanceFile],
    detail: str,
) -> None:
    """Apply one change to the plan file and save it after every check of the file."""
    doc = store.document(row.instance_yaml)
    try:
        text = store.validated_text(change(doc))
        store.save_text(s, row, text, who.username, "oppsett_endret", detail)
    except InputError as err:
        raise FormError(section, err.problems, values) from None


#: build(plan file) -> (the plan file's fields that change, the audit log's detail)
Build = Callable[[InstanceFile], tuple[dict[str, Any], str]]


def save_section(
    request: Request,
    lv: LegevaktAccess,
    s: Session,
    form: Any,
    section: str,
    build: Build,
    anchor: str | None = None,
    on_error: Callable[[FormError], Response] | None = None,
) -> Response:
    """One save of a setup form: `build` reads the form against the plan file as it is, the
    change is saved after every check, and the leader is sent back to the setup page at
    `anchor` (default: `section`). A FormError saves nothing: the form is shown again with
    its problems (by `on_error`, else on the setup page)."""
    try:
        update, detail = build(store.document(lv.row.instance_yaml))
        save_change(
            s, lv.row, lv.user, section, form, lambda d: d.model_copy(update=update), detail
        )
        s.commit()
    except FormError as err:
        s.rollback()
        return on_error(err) if on_error else page(request, lv.row, err)
    target = anchor or section
    return redirect(f"/legevakter/{lv.row.slug}/oppsett?lagret={target}#{target}")


class HasId(Protocol):
    @property
    def id(self) -> str: ...


T = TypeVar("T", bound=HasId)


def put(items: Sequence[T], old: str | None, new: T | None) -> tuple[T, ...]:
    """`items` with the one whose id is `old` taken away (`new` None) or replaced by `new` in
    its place; `new` at the end when none has that id."""
    if new is None:
        return tuple(x for x in items if x.id != old)
    at = next((i for i, x in enumerate(items) if x.id == old), None)
    if at is None:
        return (*items, new)
    return (*items[:at], new, *items[at + 1 :])


def setup_context(row: LegevaktRow, error: FormError | None = None) -> dict[str, Any]:
    doc = store.document(row.instance_yaml)
    instance = store.instance_from_text(row.instance_yaml)
    return {
        "row": row,
        "doc": doc,
        "instance": instance,
        "munis": {m.id: m.name for m in doc.legevakt.municipalities},
        "labels": forms.LABELS,
        "choices": forms.CHOICES,
        "cost_keys": list(CostKey),
        "periods": list(Period),
        "day_kinds": list(DayKind),
        "roles": list(Role),
        "modes": list(Mode),
        "scopes": [sc for sc in Scope if sc != Scope.shift_types],
        "absence_kinds": [(k.value, ABSENCE_NO[k]) for k in AbsenceKind],
        "exemption_kinds": [(k.value, EXEMPTION_NO[k]) for k in ExemptionKind],
        "weights": forms.WEIGHT_NO,
        "big_holidays": [(h.value, BIG_HOLIDAY_NO[h]) for h in BigHoliday],
        "rules": [(r, instance.rules.title(r)) for r in RULE_PARAMS if RULE_PARAMS[r].model_fields],
        "rule_title": instance.rules.title,
        "error": error,
        "problems": error.problems if error else [],
        "values": error.values if error else {},
    }


def page(request: Request, row: LegevaktRow, error: FormError | None = None) -> Response:
    """The setup page, with a form's problems (422) when there are any."""
    status = 422 if error else 200
    return render(request, "oppsett.html", setup_context(row, error), status_code=status)
