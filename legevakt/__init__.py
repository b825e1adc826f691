"""The front door: the `legevakt` command and `python -m legevakt`.

Thin by design: parse arguments, call roster/ and solver/, print. No domain logic here.
"""

from __future__ import annotations

import functools


@functools.cache
def version() -> str:
    """The installed package's version (read when asked: importlib.metadata is slow to load)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("vaktplan")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+ukjent"


def created_by() -> str:
    """What files written by the command say made them, e.g. «vaktplan 0.1.0»."""
    return f"vaktplan {version()}"
