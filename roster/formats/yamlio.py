"""YAML reading and writing for files people edit by hand.

PyYAML follows YAML 1.1, where `16:00` is the number 960 (base 60) and `no` is False. Times
and Norwegian words must stay text, so this loader only knows decimal numbers and true/false.
Dates stay text too and are parsed by the models, so a wrong date is reported with its line.
"""

from __future__ import annotations

import re
from typing import Any

import yaml


class HumanLoader(yaml.SafeLoader):
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


def load(text: str) -> Any:
    return yaml.load(text, Loader=HumanLoader)  # noqa: S506 - HumanLoader is a SafeLoader


def line_map(text: str) -> dict[tuple[Any, ...], int]:
    """Map each path in the document (keys and list indexes) to its 1-based line."""
    out: dict[tuple[Any, ...], int] = {}
    try:
        root = yaml.compose(text, Loader=HumanLoader)  # noqa: S506
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
    """Quotes a string only where HumanLoader would read it as something else."""


_Dumper.yaml_implicit_resolvers = HumanLoader.yaml_implicit_resolvers


def _str_presenter(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str_presenter)


def dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
