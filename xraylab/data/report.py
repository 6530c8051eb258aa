"""The data report: what the download stage found, as numbers (JSON, CSV) and pictures (PNG)."""
from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure
import numpy as np
import pandas as pd
from PIL import Image

from xraylab import atomic
from xraylab.figures import save_png

SUMMARY_FILE = "summary.json"
SIZES_CSV = "image_sizes.csv"
SIZES_PNG = "image_sizes.png"
SAMPLES_PNG = "samples.png"
SAMPLES_PER_CLASS = 6


def write(raw: pd.DataFrame, quarantine: pd.DataFrame, class_names: tuple[str, ...], out_dir: Path) -> None:
    """Write the class table, image sizes and a grid of sample images per class into `out_dir`."""
    out_dir = Path(out_dir)
    atomic.write_json(out_dir / SUMMARY_FILE, summary(raw, quarantine, class_names))
    sizes = raw.assign(**{"class": [class_names[label] for label in raw["label"]]})[["width", "height", "class"]]
    with atomic.writing(out_dir / SIZES_CSV) as temp:
        sizes.to_csv(temp, index=False, lineterminator="\n")
    _size_plot(sizes, class_names, out_dir / SIZES_PNG)
    _sample_grid(raw, class_names, out_dir / SAMPLES_PNG)


def summary(raw: pd.DataFrame, quarantine: pd.DataFrame, class_names: tuple[str, ...]) -> dict:
    """Images per class per source split, patients, quarantined files, operating-system files ignored (their
    reason starts with "ignored:"), and image size quartiles."""
    per_split = {}
    for split, frame in raw.groupby(raw["source_split"].replace("", "all")):
        counts = frame["label"].value_counts()
        per_split[split] = {name: int(counts.get(label, 0)) for label, name in enumerate(class_names)}
        per_split[split]["patients"] = int(frame["patient_id"].nunique())
    ignored = int(quarantine["reason"].astype(str).str.startswith("ignored:").sum()) if len(quarantine) else 0
    return {"images": int(len(raw)), "quarantined": int(len(quarantine)) - ignored, "ignored": ignored,
            "per_split": per_split,
            "width": _quartiles(raw["width"]), "height": _quartiles(raw["height"])}


def _quartiles(values: pd.Series) -> dict[str, int]:
    # "nearest": every figure is a size some image really has.
    points = np.percentile(values, [0, 25, 50, 75, 100], method="nearest")
    return {name: int(value) for name, value in zip(("min", "q1", "median", "q3", "max"), points)}


def _size_plot(sizes: pd.DataFrame, class_names: tuple[str, ...], target: Path) -> None:
    # The Kermany report's density plot of image sizes: one curve per class, width and height side by side.
    figure = Figure(figsize=(8, 3.2), layout="constrained")
    axes = figure.subplots(1, 2)
    for axis, column in zip(axes, ("width", "height")):
        bins = np.linspace(sizes[column].min(), sizes[column].max() + 1, 30)
        for name in class_names:
            values = sizes.loc[sizes["class"] == name, column]
            if len(values):
                axis.hist(values, bins=bins, density=True, histtype="step", linewidth=1.5, label=name)
        axis.set_xlabel(f"{column} (px)")
        axis.set_ylabel("density")
    axes[0].legend(fontsize=8)
    figure.suptitle("Image sizes per class", fontsize=10)
    save_png(figure, target, dpi=90)


def _sample_grid(raw: pd.DataFrame, class_names: tuple[str, ...], target: Path) -> None:
    """The first images of each class (in manifest order, so the grid is the same every run)."""
    figure = Figure(figsize=(1.6 * SAMPLES_PER_CLASS, 1.8 * len(class_names)), layout="constrained")
    axes = figure.subplots(len(class_names), SAMPLES_PER_CLASS, squeeze=False)
    for label, name in enumerate(class_names):
        paths = raw.loc[raw["label"] == label, "path"].head(SAMPLES_PER_CLASS).tolist()
        for column, axis in enumerate(axes[label]):
            axis.axis("off")
            if column < len(paths):
                with Image.open(paths[column]) as image:
                    axis.imshow(image.convert("L"), cmap="gray")
                if column == 0:
                    axis.set_title(name, fontsize=9, loc="left")
    save_png(figure, target, dpi=90)
