"""Defaults the front ends show before anything is solved (light: no OR-Tools here)."""

from __future__ import annotations

#: What-if: seconds per scenario, and for the baseline plan when none is given.
SCENARIO_SECONDS = 3.0
BASELINE_SECONDS = 15.0
