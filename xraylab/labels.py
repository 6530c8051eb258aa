"""Which class a model's probabilities name: one rule for two classes and for more, used by evaluate, the
gallery, `xraylab predict` and (mirrored in docs/app.js) the web page.

Two classes: the positive class (1) when its probability reaches the threshold. Several classes (NORMAL,
BACTERIA, VIRUS): first pneumonia or not, the probability of "not NORMAL" against a threshold picked exactly as
for two classes (so thresholds, site calibration and the headline scores mean the same thing in both tasks);
then, for a film called pneumonia, the more probable of its kinds. Plain arg-max would ignore the threshold
that the leaderboard and calibration choose.
"""
from __future__ import annotations

import numpy as np

# What "not NORMAL" is called when several classes share it: Kermany's folder name for bacterial and viral.
PNEUMONIA = "PNEUMONIA"


def positive_class(class_names: tuple[str, ...]) -> str:
    """The name of what the positive probability is the probability of."""
    return class_names[1] if len(class_names) == 2 else PNEUMONIA


def positive(probabilities: np.ndarray) -> np.ndarray:
    """The positive-class probability from class probabilities: everything but class 0 (NORMAL)."""
    probabilities = np.asarray(probabilities)
    return probabilities[:, 1] if probabilities.shape[1] == 2 else 1.0 - probabilities[:, 0]


def predicted(probabilities: np.ndarray, threshold: float) -> np.ndarray:
    """The class index each row of class probabilities (images, classes) is called, at `threshold`."""
    probabilities = np.asarray(probabilities)
    is_positive = positive(probabilities) >= threshold
    if probabilities.shape[1] == 2:
        return is_positive.astype(int)
    kind = 1 + probabilities[:, 1:].argmax(axis=1)  # the more probable kind of pneumonia
    return np.where(is_positive, kind, 0)
