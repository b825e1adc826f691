"""The command framework (typer and the click it ships) in Norwegian: help panels, the help
option, the usage line, type labels and the usage errors («mangler argumentet INSTANCE»).

Typer and click write these strings in English and offer no catalogue for bokmål; what can
be set is set here, and what they build themselves (usage errors) is rebuilt from the
error's fields. tests/test_cli.py runs help and bad usage for every command and fails on an
English word, so a new typer that words things differently is caught.
"""

from __future__ import annotations

import re
from typing import Any

from typer.core import TyperCommand, TyperGroup

try:  # newer typer ships its own copy of click
    from typer._click import exceptions as click_errors
    from typer.core import TyperArgument, TyperOption
except ImportError:  # older typer on top of click
    from click import exceptions as click_errors  # type: ignore[no-redef]
    from typer.core import TyperArgument, TyperOption

HELP_TEXT = "Vis denne hjelpen og avslutt."

#: Typer's help and error panels (module constants it reads when it draws them).
PANEL_WORDS = {
    "ARGUMENTS_PANEL_TITLE": "Argumenter",
    "OPTIONS_PANEL_TITLE": "Valg",
    "COMMANDS_PANEL_TITLE": "Kommandoer",
    "ERRORS_PANEL_TITLE": "Feil",
    "DEFAULT_STRING": "[standard: {}]",
    "REQUIRED_LONG_STRING": "[påkrevd]",
    "ENVVAR_STRING": "[miljøvariabel: {}]",
    "ABORTED_TEXT": "Avbrutt.",
    "RICH_HELP": "Skriv [blue]'{command_path} {help_option}'[/] for hjelp.",
}


def norwegian_panels() -> None:
    """Set the panel words; called just before typer draws help or an error (its rich_utils
    takes a quarter of a second to import, which a plain run never pays)."""
    import typer.rich_utils

    for name, words in PANEL_WORDS.items():
        setattr(typer.rich_utils, name, words)


#: Type labels in help («<path>» becomes «<sti>»); flags show none.
TYPE_NO = {
    "path": "sti",
    "str": "tekst",
    "int": "heltall",
    "float": "tall",
    "list[str]": "tekst …",
    "datetime": "dato",
}


def _type_label(param: Any, ctx: Any) -> str | None:
    if getattr(param, "is_flag", False) or getattr(param, "is_bool_flag", False):
        return None
    shown = _ORIGINAL_DISPLAY[type(param)](param, ctx)
    if shown is None or not shown.startswith("<"):
        return shown
    inner = shown.strip("<>")
    return f"<{TYPE_NO.get(inner, inner)}>"


_ORIGINAL_DISPLAY = {
    TyperOption: TyperOption.display_type_rich,
    TyperArgument: TyperArgument.display_type_rich,
}
TyperOption.display_type_rich = _type_label  # type: ignore[method-assign,assignment]
TyperArgument.display_type_rich = _type_label  # type: ignore[method-assign,assignment]


# --------------------------------------------------------------------------- usage errors

_CLICK_VALUE_ERRORS = (
    (re.compile(r"'(.*)' is not a valid (integer|integer range)\."), "«{0}» er ikke et heltall"),
    (re.compile(r"'(.*)' is not a valid (float|float range)\."), "«{0}» er ikke et tall"),
    (re.compile(r"'(.*)' is not a valid boolean\."), "«{0}» er ikke ja eller nei"),
    (re.compile(r"(.*) is not in the range (.*)\."), "{0} er utenfor området {1}"),
    (re.compile(r"(?:File|Path|Directory) '(.*)' does not exist\."), "«{0}» finnes ikke"),
    (re.compile(r"Input should be a valid integer.*"), "må være et heltall"),
    (re.compile(r"Input should be a valid number.*"), "må være et tall"),
    (re.compile(r"Input should be a valid boolean.*"), "må være ja eller nei"),
    (re.compile(r"Input should be greater than or equal to (\S+)"), "må være minst {0}"),
    (re.compile(r"Input should be greater than (\S+)"), "må være større enn {0}"),
    (re.compile(r"Input should be less than or equal to (\S+)"), "kan være høyst {0}"),
    (re.compile(r"Input should be less than (\S+)"), "må være mindre enn {0}"),
)


def _value_message(message: str) -> str:
    for pattern, norwegian in _CLICK_VALUE_ERRORS:
        m = pattern.fullmatch(message.strip())
        if m:
            return norwegian.format(*m.groups())
    return "ugyldig verdi"


def _hint(err: Any) -> str:
    param = getattr(err, "param", None)
    if getattr(err, "param_hint", None):
        hint = err.param_hint
        return " / ".join(hint) if isinstance(hint, (list, tuple)) else str(hint)
    if param is None:
        return ""
    if getattr(param, "param_type_name", "") == "argument":
        return str(param.metavar or param.name).upper()
    return " / ".join(getattr(param, "opts", ()) or [str(param.name)])


def norwegian_message(err: Any) -> str:
    """A usage error from typer/click in Norwegian, built from its fields."""
    name = type(err).__name__
    if name == "MissingParameter":
        param = getattr(err, "param", None)
        what = "argumentet" if getattr(param, "param_type_name", "") == "argument" else "valget"
        return f"Mangler {what} {_hint(err)}."
    if name == "NoSuchOption":
        text = f"Ukjent valg: {err.option_name}."
        if err.possibilities:
            text += f" Mente du {' eller '.join(sorted(err.possibilities))}?"
        return text
    if name == "BadParameter":
        return f"Ugyldig verdi for {_hint(err)}: {_value_message(err.message)}."
    message = str(getattr(err, "message", err))
    m = re.fullmatch(r"Option '(.*)' requires an argument\.", message)
    if m:
        return f"Valget {m.group(1)} krever en verdi."
    m = re.fullmatch(r"Got unexpected extra argument(?:\(s\)|s)? \((.*)\)", message)
    if m:
        return f"Uventet argument: {m.group(1)}."
    m = re.fullmatch(r"No such command '(.*)'\.", message)
    if m:
        return f"Ukjent kommando «{m.group(1)}»."
    if message == "Missing command.":
        return "Mangler kommando."
    return "Ugyldig bruk av kommandoen."


def translated(err: Any) -> Any:
    """The same usage error, with a Norwegian message (same exit code)."""
    norwegian_panels()
    if (
        type(err).__name__ == "NoArgsIsHelpError"
        or not isinstance(err, click_errors.UsageError)
        or getattr(err, "norwegian", False)
    ):
        return err
    out = click_errors.UsageError(norwegian_message(err), ctx=err.ctx)
    out.exit_code = err.exit_code
    out.norwegian = True  # type: ignore[attr-defined]
    return out


# --------------------------------------------------------------------------- classes


class _Norwegian:
    """Help option and usage line in Norwegian; parse errors translated."""

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.help = HELP_TEXT
        return option

    def format_help(self, ctx: Any, formatter: Any) -> None:
        norwegian_panels()
        super().format_help(ctx, formatter)  # type: ignore[misc]

    def format_usage(self, ctx: Any, formatter: Any) -> None:
        pieces = self.collect_usage_pieces(ctx)  # type: ignore[attr-defined]
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix="Bruk: ")

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces: list[str] = super().collect_usage_pieces(ctx)  # type: ignore[misc]
        words = {"[OPTIONS]": "[VALG]", "COMMAND [ARGS]...": "KOMMANDO [ARGUMENTER]..."}
        return [words.get(p, p) for p in pieces]

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().make_context(*args, **kwargs)  # type: ignore[misc]
        except click_errors.UsageError as err:
            raise translated(err) from None


class NorwegianCommand(_Norwegian, TyperCommand):
    pass


class NorwegianGroup(_Norwegian, TyperGroup):
    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        try:
            return super().resolve_command(ctx, args)
        except click_errors.UsageError as err:
            raise translated(err) from None
