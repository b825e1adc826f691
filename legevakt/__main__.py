"""`python -m legevakt ...` runs the same command as `legevakt ...`."""

from __future__ import annotations

from legevakt.cli import main

if __name__ == "__main__":
    main()
