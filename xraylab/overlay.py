"""Pictures of heat-maps: the X-ray beside the X-ray with its heat-map laid over, and a colour bar."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display on servers and CI
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from xraylab import atomic  # noqa: E402

COLORMAP = "jet"


def save_overlay(image: np.ndarray, heatmap: np.ndarray, title: str, alpha: float, target: Path) -> None:
    """Write a PNG: `image` (H, W, C) in [0, 1], and the same with `heatmap` (H, W) in [0, 1] over it."""
    greyscale = image[..., 0] if image.shape[-1] == 1 else image
    figure, (left, right) = plt.subplots(1, 2, figsize=(7, 3.6), constrained_layout=True)
    left.imshow(greyscale, cmap="gray", vmin=0, vmax=1)
    left.set_title("X-ray", fontsize=9)
    right.imshow(greyscale, cmap="gray", vmin=0, vmax=1)
    shown = right.imshow(heatmap, cmap=COLORMAP, vmin=0, vmax=1, alpha=alpha)
    right.set_title("Grad-CAM", fontsize=9)
    for axis in (left, right):
        axis.axis("off")
    figure.colorbar(shown, ax=right, fraction=0.046, label="relative importance")
    figure.suptitle(title, fontsize=9)
    with atomic.writing(Path(target)) as temp:
        figure.savefig(temp, format="png", dpi=100, metadata={"Software": None})
    plt.close(figure)
