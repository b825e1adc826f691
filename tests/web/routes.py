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


#: Pages that are not HTML for a person (files, feeds) or leave the page (log out).
NOT_PAGES = ("/eksport.", "/kalender/{token}", "/logout", "/api/")


def page_urls(
    routes: list[Any], values: dict[str, str], queries: dict[str, str] | None = None
) -> list[str]:
    """Every page a person opens with GET, its path filled from `values` and a query string
    from `queries` where the page needs one (by route path). A page added later is walked
    too; what is not an HTML page (exports, feeds, the API) is left out."""
    out = []
    for route in all_routes(routes):
        if "GET" not in route.methods or any(p in route.path for p in NOT_PAGES):
            continue
        if "." in route.path.rsplit("/", 1)[-1]:  # a file (endringer.csv, regnskap.{fmt})
            continue
        url = concrete(route.path, values)
        query = (queries or {}).get(route.path)
        out.append(f"{url}?{query}" if query else url)
    return sorted(set(out))
