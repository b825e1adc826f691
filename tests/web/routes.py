"""Walking the app's routes: every route, also those inside included routers, with its path
filled in and the access rule it declares (web.access)."""

from __future__ import annotations

import re
from typing import Any

from fastapi.routing import APIRoute

from web.access import Rule

#: Routes without a login: the login itself, logging out, and the private feeds (the token
#: is the credential).
OPEN_PATHS = frozenset(
    {"/login", "/logout", "/api/innlogging", "/api/utlogging", "/kalender/{token}.ics"}
    | {"/inn/{token}"}  # a doctor's one-time sign-in link (the token is the credential)
)


def all_routes(routes: list[Any]) -> list[APIRoute]:
    """APIRoutes, also those inside included routers (newer FastAPI keeps them there)."""
    out: list[APIRoute] = []
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            out.extend(all_routes(inner.routes))
        elif isinstance(route, APIRoute):
            out.append(route)
    return out


def concrete(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: values.get(m.group(1), "x"), path)


def access_rules(route: APIRoute) -> list[Rule]:
    """The access declarations anywhere in a route's dependency tree."""
    found: list[Rule] = []

    def walk(dependant: Any) -> None:
        for dep in dependant.dependencies:
            rule = getattr(dep.call, "__access__", None)
            if rule is not None and rule not in found:
                found.append(rule)
            walk(dep)

    walk(route.dependant)
    return found
