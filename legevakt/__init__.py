"""The front door: the `legevakt` command and `python -m legevakt`.

Thin by design: parse arguments, call roster/ and solver/, print. No domain logic here.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version


def _version() -> str:
    try:
        return version("vaktplan")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+ukjent"


__version__ = _version()
