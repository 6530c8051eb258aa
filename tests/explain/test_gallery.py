from pathlib import Path

import numpy as np
import pandas as pd

from xraylab import models, saved
from xraylab.config import GradcamConfig, NetworkConfig
from xraylab.explain import gallery


def test_pick_examples_sorts_outcomes_by_confidence():
    labels = np.array([1, 1, 0, 0, 1, 0])
    probabilities = np.array([0.9, 0.6, 0.2, 0.7, 0.1, 0.05])
    picks = gallery.pick_examples(labels, np.column_stack([1 - probabilities, probabilities]), threshold=0.5,
                                  per_outcome=1)
    assert {outcome: rows.tolist() for outcome, rows in picks.items()} == {
        "true_positive": [0], "true_negative": [5], "false_positive": [3], "false_negative": [4]}


def test_three_classes_are_picked_by_true_class_right_and_wrong():
    labels = np.array([0, 0, 1, 1, 2, 2])
    probabilities = np.array([[0.9, 0.05, 0.05], [0.3, 0.3, 0.4],  # NORMAL right; NORMAL called VIRUS
                              [0.1, 0.8, 0.1], [0.2, 0.3, 0.5],    # BACTERIA right; BACTERIA called VIRUS
                              [0.1, 0.2, 0.7], [0.1, 0.6, 0.3]])   # VIRUS right; VIRUS called BACTERIA
    picks = gallery.pick_examples(labels, probabilities, 0.5, 2, ("NORMAL", "BACTERIA", "VIRUS"))
    assert {outcome: rows.tolist() for outcome, rows in picks.items()} == {
        "NORMAL_right": [0], "NORMAL_wrong": [1], "BACTERIA_right": [2], "BACTERIA_wrong": [3],
        "VIRUS_right": [4], "VIRUS_wrong": [5]}


def test_gallery_writes_overlays_and_an_index(tiny_manifest: pd.DataFrame, tmp_path: Path):
    cfg = NetworkConfig(image_size=32, channels=1, epochs=1, batch_size=4, learning_rate=1e-3, dropout=0.0,
                        filters=(4,))
    model = saved.SavedModel(saved.ModelMeta("custom_cnn", "network", 32, 1, ("NORMAL", "PNEUMONIA")),
                             models.build("custom_cnn", cfg, 2, seed=0))
    # Labels are 8 NORMAL then 8 PNEUMONIA; alternating scores give 4 images of every outcome.
    positive = np.tile([0.1, 0.9], 8)
    probabilities = np.column_stack([1 - positive, positive])
    explained = GradcamConfig(per_outcome=2, alpha=0.4, layer=None, occlusion_patch=8, occlusion_stride=8)
    count = gallery.write_gallery(model, tiny_manifest, probabilities, 0.5, explained, out_dir=tmp_path)
    pngs = sorted(tmp_path.glob("*.png"))
    assert count == 8 and len(pngs) == 8 + 2  # and the first layer's filters and activations
    assert {"filters.png", "activations.png"} <= {path.name for path in pngs}
    assert all(path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for path in pngs)
    index = (tmp_path / "index.md").read_text()
    assert all(f"({path.name})" in index for path in pngs)
