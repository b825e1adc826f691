"""Charts for print: burden points per doctor before and after a what-if scenario.

matplotlib with the Agg backend (no screen needed); PNG or SVG by the file's suffix. Bars are
told apart by fill and hatching as well as colour, so the chart reads in black and white.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from roster.comparison import Comparison

FORMATS = (".png", ".svg")


def load_chart(panels: Sequence[tuple[str, Comparison]], path: Path) -> Path:
    """One panel per scenario: each doctor's burden points before (light, hatched) and after
    (dark), doctors in the baseline's order; doctors who join or leave show one bar."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"ukjent filtype «{path.suffix}» (bruk .png eller .svg)")
    if not panels:
        raise ValueError("ingen scenarier å tegne")
    width = max(8.0, 0.22 * max(len(c.doctors) for _, c in panels) + 2)
    fig, axes = plt.subplots(len(panels), 1, figsize=(width, 3.6 * len(panels)), squeeze=False)
    for ax, (title, comp) in zip(axes[:, 0], panels, strict=True):
        rows = comp.doctors
        xs = range(len(rows))
        before = [r.before.points if r.before else 0 for r in rows]
        after = [r.after.points if r.after else 0 for r in rows]
        ax.bar(
            [x - 0.2 for x in xs],
            before,
            width=0.4,
            label="Før",
            color="#d9d9d9",
            edgecolor="#404040",
            hatch="///",
            linewidth=0.5,
        )
        ax.bar(
            [x + 0.2 for x in xs],
            after,
            width=0.4,
            label="Etter",
            color="#303030",
            edgecolor="#000000",
            linewidth=0.5,
        )
        ax.set_title(title, loc="left", fontsize=11)
        ax.set_ylabel("Belastning (poeng)")
        ax.set_xticks(list(xs))
        ax.set_xticklabels([r.name for r in rows], rotation=75, ha="right", fontsize=7)
        ax.set_xlim(-0.7, len(rows) - 0.3)
        ax.grid(axis="y", color="#bbbbbb", linewidth=0.4)
        ax.set_axisbelow(True)
        ax.legend(loc="upper right", fontsize=8, frameon=False)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=150, metadata={"Date": None} if suffix == ".svg" else None)
    plt.close(fig)
    return path
