"""The explanation gallery of one network: Grad-CAM and occlusion overlays on true/false positives/negatives
of the test split, its first layer's filters and their activations, and an index.md tying them together.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from xraylab import atomic, labels, pipeline
from xraylab.config import GradcamConfig
from xraylab.explain import attribution, filters, overlay
from xraylab.saved import SavedModel

OUTCOMES = ("true_positive", "true_negative", "false_positive", "false_negative")


def outcomes(class_names: tuple[str, ...]) -> tuple[str, ...]:
    """The gallery's sections: for two classes the four outcomes at the threshold; for more, by true class,
    called right and called wrong (xraylab.labels' rule)."""
    if len(class_names) == 2:
        return OUTCOMES
    return tuple(f"{name}_{verdict}" for name in class_names for verdict in ("right", "wrong"))


def pick_examples(truth: np.ndarray, probabilities: np.ndarray, threshold: float, per_outcome: int,
                  class_names: tuple[str, ...] = ("NORMAL", "PNEUMONIA")) -> dict[str, np.ndarray]:
    """Up to `per_outcome` row indices per section (`outcomes`), the most confident first (ties keep manifest
    order). `probabilities`: class probabilities (images, classes)."""
    truth, probabilities = np.asarray(truth), np.asarray(probabilities)
    called = labels.predicted(probabilities, threshold)
    if len(class_names) == 2:
        sick, predicted = truth == 1, called == 1
        masks = {"true_positive": sick & predicted, "true_negative": ~sick & ~predicted,
                 "false_positive": ~sick & predicted, "false_negative": sick & ~predicted}
        confidence = np.abs(probabilities[:, 1] - threshold)
    else:
        masks = {}
        for index, name in enumerate(class_names):
            masks[f"{name}_right"] = (truth == index) & (called == index)
            masks[f"{name}_wrong"] = (truth == index) & (called != index)
        confidence = probabilities[np.arange(len(called)), called]  # of the class each film is called
    picks = {}
    for outcome in outcomes(class_names):
        rows = np.flatnonzero(masks[outcome])
        order = np.argsort(-confidence[rows], kind="stable")
        picks[outcome] = rows[order][:per_outcome]
    return picks


def write_gallery(model: SavedModel, test: pd.DataFrame, probabilities: np.ndarray, threshold: float,
                  cfg: GradcamConfig, out_dir: Path) -> int:
    """Write one overlay PNG per picked image, the first-layer views and index.md; returns the overlay count.

    `probabilities`: the class probabilities (images, classes) evaluate gave the rows of `test`.
    """
    class_names = model.meta.class_names
    picks = pick_examples(test["label"].to_numpy(), probabilities, threshold, cfg.per_outcome, class_names)
    called = labels.predicted(probabilities, threshold)
    positive = labels.positive(probabilities)
    lines = [f"# Explanations: {model.meta.name}", "",
             f"Test images at threshold {threshold:g}. Each map explains the predicted class: Grad-CAM weighs the "
             f"feature maps of `{cfg.layer or attribution.gradcam_layer(model.model)}`; occlusion greys out "
             f"{cfg.occlusion_patch} px squares every {cfg.occlusion_stride} px and shows how much the "
             "probability drops.", ""]
    if len(class_names) > 2:
        lines += [f"A film is called {labels.PNEUMONIA} when p({labels.PNEUMONIA}) = 1 - p("
                  f"{class_names[0]}) reaches the threshold, then the more probable of "
                  f"{', '.join(class_names[1:])}; sections go by true class.", ""]
    written = 0
    first_image = None
    for outcome in outcomes(class_names):
        rows = picks[outcome]
        lines += [f"## {outcome.replace('_', ' ')} ({len(rows)})", ""]
        if len(rows) == 0:
            lines += ["none", ""]
            continue
        chosen = test.iloc[rows]
        images = np.concatenate([batch.numpy() for batch, _ in pipeline.image_dataset(
            chosen, model.meta.image_size, model.meta.channels, batch_size=len(rows))])
        first_image = images[0] if first_image is None else first_image
        maps = {"Grad-CAM": attribution.grad_cam(model.model, images, cfg.layer),
                "occlusion": attribution.occlusion(model.model, images, cfg.occlusion_patch, cfg.occlusion_stride)}
        for index, ((_, row), position) in enumerate(zip(chosen.iterrows(), rows)):
            name = f"{outcome}_{Path(row['path']).stem}.png"
            title = (f"{Path(row['path']).name}: true {class_names[row['label']]}, called "
                     f"{class_names[called[position]]}, p({labels.positive_class(class_names)}) = "
                     f"{positive[position]:.3f}")
            overlay.save_overlay(images[index], {method: heatmaps[index] for method, heatmaps in maps.items()},
                                 title, cfg.alpha, out_dir / name)
            lines += [f"![{title}]({name})", ""]
            written += 1
    lines += _first_layer(model, first_image, out_dir)
    atomic.write_text(out_dir / "index.md", "\n".join(lines))
    return written


def _first_layer(model: SavedModel, image: np.ndarray | None, out_dir: Path) -> list[str]:
    layer = attribution.first_conv_layer(model.model)
    filters.save_filters(layer.get_weights()[0], f"{model.meta.name}: filters of {layer.name}",
                         out_dir / "filters.png")
    lines = ["## First layer", "", f"![filters of {layer.name}](filters.png)", ""]
    if image is not None:
        filters.save_activations(attribution.activations(model.model, image),
                                 f"{model.meta.name}: {layer.name} on the first image above",
                                 out_dir / "activations.png")
        lines += [f"![activations of {layer.name}](activations.png)", ""]
    return lines
