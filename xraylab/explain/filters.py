"""Pictures of what a network's first layer looks for: its filters, and what they respond to in one X-ray."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from xraylab.figures import save_png


def save_filters(kernels: np.ndarray, title: str, target: Path) -> None:
    """Write a grid of the first convolution's kernels (height, width, channels in, filters).

    Each kernel is scaled to its own range: dark where it weighs pixels down, light where it weighs them up.
    Three input channels are shown as colour, one as grey.
    """
    count = kernels.shape[-1]
    figure, axes = _grid(count, title)
    for index, axis in enumerate(axes):
        axis.axis("off")
        if index >= count:
            continue
        kernel = kernels[..., index]
        span = kernel.max() - kernel.min()
        scaled = (kernel - kernel.min()) / span if span > 0 else np.zeros_like(kernel)
        axis.imshow(scaled[..., 0] if scaled.shape[-1] == 1 else scaled, cmap="gray", vmin=0, vmax=1,
                    interpolation="nearest")
    save_png(figure, target)


def save_activations(feature_maps: np.ndarray, title: str, target: Path) -> None:
    """Write a grid of feature maps (height, width, filters), each on its own scale."""
    count = feature_maps.shape[-1]
    figure, axes = _grid(count, title)
    for index, axis in enumerate(axes):
        axis.axis("off")
        if index < count:
            axis.imshow(feature_maps[..., index], cmap="viridis")
    save_png(figure, target)


def _grid(count: int, title: str) -> tuple[Figure, list]:
    columns = min(8, count)
    rows = math.ceil(count / columns)
    figure = Figure(figsize=(1.3 * columns, 1.3 * rows + 0.5), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False).ravel().tolist()
    figure.suptitle(title, fontsize=9)
    return figure, axes
