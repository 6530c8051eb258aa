"""Matplotlib figures written as PNG files: atomic, and byte-stable for equal content.

Figures are built with `matplotlib.figure.Figure` directly, not pyplot: no backend or display to set up,
and no global figure state to leak between calls.
"""
from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure

from xraylab import atomic


def save_png(figure: Figure, target: Path, dpi: int = 100) -> None:
    """Write `figure` to `target`. No "Software" stamp, so a rerun gives the same bytes."""
    with atomic.writing(Path(target)) as temp:
        figure.savefig(temp, format="png", dpi=dpi, metadata={"Software": None})
