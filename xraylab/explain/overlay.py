"""Pictures of heat-maps: the X-ray beside the X-ray with its heat-map laid over, and a colour bar."""
from __future__ import annotations

from pathlib import Path
from typing import Mapping

from matplotlib.figure import Figure
import numpy as np

from xraylab.figures import save_png

COLORMAP = "jet"


def save_overlay(image: np.ndarray, heatmaps: Mapping[str, np.ndarray], title: str, alpha: float,
                 target: Path) -> None:
    """Write a PNG: `image` (H, W, C) in [0, 1], then the image under each named heat-map (H, W) in [0, 1]."""
    greyscale = image[..., 0] if image.shape[-1] == 1 else image
    figure = Figure(figsize=(3.2 * (1 + len(heatmaps)) + 0.6, 3.6), layout="constrained")
    axes = figure.subplots(1, 1 + len(heatmaps))
    axes[0].imshow(greyscale, cmap="gray", vmin=0, vmax=1)
    axes[0].set_title("X-ray", fontsize=9)
    for axis, (name, heatmap) in zip(axes[1:], heatmaps.items()):
        axis.imshow(greyscale, cmap="gray", vmin=0, vmax=1)
        shown = axis.imshow(heatmap, cmap=COLORMAP, vmin=0, vmax=1, alpha=alpha)
        axis.set_title(name, fontsize=9)
    for axis in axes:
        axis.axis("off")
    figure.colorbar(shown, ax=list(axes[1:]), fraction=0.046, label="relative importance")
    figure.suptitle(title, fontsize=9)
    save_png(figure, target)
