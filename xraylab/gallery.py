"""The Grad-CAM gallery of one network: true/false positives/negatives of the test split, as overlays."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from xraylab import atomic, explain, overlay, pipeline
from xraylab.saved import SavedModel

OUTCOMES = ("true_positive", "true_negative", "false_positive", "false_negative")


def pick_examples(labels: np.ndarray, probabilities: np.ndarray, threshold: float,
                  per_outcome: int) -> dict[str, np.ndarray]:
    """Up to `per_outcome` row indices per outcome, the most confident first (ties keep manifest order)."""
    labels = np.asarray(labels)
    predicted = np.asarray(probabilities) >= threshold
    truth = labels == 1
    masks = {"true_positive": truth & predicted, "true_negative": ~truth & ~predicted,
             "false_positive": ~truth & predicted, "false_negative": truth & ~predicted}
    confidence = np.abs(np.asarray(probabilities) - threshold)
    picks = {}
    for outcome in OUTCOMES:
        rows = np.flatnonzero(masks[outcome])
        order = np.argsort(-confidence[rows], kind="stable")
        picks[outcome] = rows[order][:per_outcome]
    return picks


def write_gallery(model: SavedModel, test: pd.DataFrame, probabilities: np.ndarray, threshold: float,
                  per_outcome: int, alpha: float, out_dir: Path) -> int:
    """Write one overlay PNG per picked image and an index.md tying them together; returns the count."""
    picks = pick_examples(test["label"].to_numpy(), probabilities, threshold, per_outcome)
    class_names = model.meta.class_names
    lines = [f"# Grad-CAM: {model.meta.name}", "",
             f"Test images, threshold {threshold:g}; the map explains the predicted class.", ""]
    written = 0
    for outcome in OUTCOMES:
        rows = picks[outcome]
        lines += [f"## {outcome.replace('_', ' ')} ({len(rows)})", ""]
        if len(rows) == 0:
            lines += ["none", ""]
            continue
        chosen = test.iloc[rows]
        images = np.concatenate([batch.numpy() for batch, _ in pipeline.image_dataset(
            chosen, model.meta.image_size, model.meta.channels, batch_size=len(rows))])
        heatmaps = explain.grad_cam(model.model, images)
        for image, heatmap, (_, row), probability in zip(images, heatmaps, chosen.iterrows(),
                                                          probabilities[rows]):
            name = f"{outcome}_{Path(row['path']).stem}.png"
            title = (f"{Path(row['path']).name}: true {class_names[row['label']]}, "
                     f"p({class_names[1]}) = {probability:.3f}")
            overlay.save_overlay(image, heatmap, title, alpha, out_dir / name)
            lines += [f"![{title}]({name})", ""]
            written += 1
    atomic.write_text(out_dir / "index.md", "\n".join(lines))
    return written
