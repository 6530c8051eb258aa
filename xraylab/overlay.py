"""Pictures of heat-maps: the X-ray beside the X-ray with its heat-map laid over, and a colour bar."""
from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure
import numpy as np

from xraylab.figures import save_png

COLORMAP = "jet"


def save_overlay(image: np.ndarray, heatmap: np.ndarray, title: str, alpha: float, target: Path) -> None:
    """Write a PNG: `image` (H, W, C) in [0, 1], and the same with `heatmap` (H, W) in [0, 1] over it."""
    greyscale = image[..., 0] if image.shape[-1] == 1 else image
    figure = Figure(figsize=(7, 3.6), layout="constrained")
    left, right = figure.subplots(1, 2)
    left.imshow(greyscale, cmap="gray", vmin=0, vmax=1)
    left.set_title("X-ray", fontsize=9)
    right.imshow(greyscale, cmap="gray", vmin=0, vmax=1)
    shown = right.imshow(heatmap, cmap=COLORMAP, vmin=0, vmax=1, alpha=alpha)
    right.set_title("Grad-CAM", fontsize=9)
    for axis in (left, right):
        axis.axis("off")
    figure.colorbar(shown, ax=right, fraction=0.046, label="relative importance")
    figure.suptitle(title, fontsize=9)
    save_png(figure, target)
