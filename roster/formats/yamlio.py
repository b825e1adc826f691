"""YAML reading and writing for files people edit by hand.

PyYAML follows YAML 1.1, where `16:00` is the number 960 (base 60) and `no` is False. Times
and Norwegian words must stay text, so this loader only knows decimal numbers and true/false.
Dates stay text too and are parsed by the models, so a wrong date is reported with its line.
Files come from people and from the web: size, depth and aliases are limited (roster.limits).
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from roster.errors import Problem
from roster.limits import MAX_YAML_ALIASES, MAX_YAML_CHARS, MAX_YAML_DEPTH, MAX_YAML_NODES


class YamlLimitError(yaml.MarkedYAMLError):
    """A document over one of roster.limits' YAML limits (the problem is in Norwegian)."""


def _over(problem: str, mark: Any = None) -> YamlLimitError:
    return YamlLimitError(problem=problem, problem_mark=mark)


#: libyaml's parser and composer when PyYAML has them (ten times faster), else PyYAML's own.
_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class HumanLoader(_SafeLoader):  # type: ignore[misc]
    """SafeLoader without base-60 numbers and without yes/no/on/off booleans."""


HumanLoader.yaml_implicit_resolvers = {
    key: [
        (tag, rx)
        for tag, rx in resolvers
        if tag
        not in (
            "tag:yaml.org,2002:int",
            "tag:yaml.org,2002:float",
            "tag:yaml.org,2002:bool",
            "tag:yaml.org,2002:timestamp",
        )
    ]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
HumanLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
HumanLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$"), list("-+0123456789")
)
HumanLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?|\.[0-9_]+)$"),
    list("-+0123456789."),
)


def _limited(text: str) -> yaml.Node | None:
    """The document's node graph, within the limits: size, nesting depth and aliases are
    checked on the event stream before anything is composed; the size with every alias
    written out is added up on the composed graph, where aliases are shared nodes, so a
    "billion laughs" is refused in the time it takes to read it."""
    if len(text) > MAX_YAML_CHARS:
        raise _over(f"filen er for stor ({len(text)} tegn; høyst {MAX_YAML_CHARS})")
    depth = aliases = nodes = 0
    for event in yaml.parse(text, Loader=HumanLoader):
        if isinstance(event, yaml.NodeEvent):
            nodes += 1
            if nodes > MAX_YAML_NODES:
                raise _over(f"for mange verdier; høyst {MAX_YAML_NODES}", event.start_mark)
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise _over(f"for dyp nesting; høyst {MAX_YAML_DEPTH} nivåer", event.start_mark)
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1
        elif isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_YAML_ALIASES:
                raise _over(f"for mange alias (*navn); høyst {MAX_YAML_ALIASES}", event.start_mark)
    root: yaml.Node | None = yaml.compose(text, Loader=HumanLoader)  # noqa: S506
    if root is not None:
        _expanded_size(root, {}, set())
    return root


def _expanded_size(node: yaml.Node, sizes: dict[int, int], open_: set[int]) -> int:
    key = id(node)
    if key in sizes:
        return sizes[key]
    if key in open_:
        raise _over("et alias (*navn) peker inn i seg selv", node.start_mark)
    open_.add(key)
    if isinstance(node, yaml.SequenceNode):
        children: list[yaml.Node] = list(node.value)
    elif isinstance(node, yaml.MappingNode):
        children = [n for pair in node.value for n in pair]
    else:
        children = []
    size = 1 + sum(_expanded_size(child, sizes, open_) for child in children)
    open_.discard(key)
    if size > MAX_YAML_NODES:
        raise _over(
            f"for stor med aliasene (*navn) skrevet ut: mer enn {MAX_YAML_NODES} verdier",
            node.start_mark,
        )
    sizes[key] = size
    return size


def load(text: str) -> Any:
    """The data of a YAML document written by a person, within roster.limits."""
    root = _limited(text)
    if root is None:
        return None
    loader = HumanLoader("")
    try:
        return loader.construct_document(root)
    finally:
        loader.dispose()


def problem(exc: Exception, name: str, text: str = "") -> Problem:
    """Why a file could not be read as YAML, in Norwegian, with its line where known (where
    an unclosed list or table starts, when the file ended before it closed). Never quotes
    the file beyond the one character that is wrong."""
    if isinstance(exc, yaml.reader.ReaderError):
        return Problem(
            file=name,
            message=f"ugyldig tegn i filen (kontrolltegn eller binære data) ved tegn {exc.position + 1}",
        )
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark
        if exc.context_mark is not None and (mark is None or mark.index >= len(text.rstrip())):
            mark = exc.context_mark
        line = mark.line + 1 if mark is not None else None
        return Problem(file=name, line=line, message=f"ugyldig YAML ({exc.problem or exc.context})")
    return Problem(file=name, message="ugyldig YAML (en verdi kan ikke leses)")


def line_map(text: str) -> dict[tuple[Any, ...], int]:
    """Map each path in the document (keys and list indexes) to its 1-based line."""
    out: dict[tuple[Any, ...], int] = {}
    try:
        root = _limited(text)
    except yaml.YAMLError:
        return out

    def walk(node: yaml.Node, path: tuple[Any, ...]) -> None:
        out[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                walk(value, (*path, key.value))
                out[(*path, key.value)] = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, (*path, i))

    if root is not None:
        walk(root, ())
    return out


class _Dumper(yaml.SafeDumper):
    """Quotes a string only where HumanLoader would read it as something else, and writes
    every value out in full (no &anchors and *aliases, which the loader limits)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


_Dumper.yaml_implicit_resolvers = HumanLoader.yaml_implicit_resolvers


def _str_presenter(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str_presenter)


def dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
