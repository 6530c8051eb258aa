"""The decision threshold: fixed in params, or picked on validation by a rule, then applied to test unchanged."""
from __future__ import annotations

import numpy as np
from sklearn.metrics import precision_recall_curve, roc_curve

from xraylab.errors import UserError


def choose(rule: float | str, labels: np.ndarray, probabilities: np.ndarray) -> float:
    """A probability threshold (positive when >= it) for `rule`: a number as given, or "youden" / "max_f1".

    youden: the point of the validation ROC curve farthest above the diagonal (max sensitivity +
    specificity - 1); max_f1: the point of the precision-recall curve with the highest F1.
    """
    if not isinstance(rule, str):
        return float(rule)
    labels = np.asarray(labels)
    if len(np.unique(labels)) < 2:
        raise UserError(f"evaluate.threshold: {rule} needs both classes among the validation images, which "
                        f"hold only label {labels[0] if len(labels) else 'none'}; use a fixed threshold")
    if rule == "youden":
        false_positive_rate, true_positive_rate, thresholds = roc_curve(labels, probabilities)
        finite = np.isfinite(thresholds)  # the first point (infinity) predicts nothing positive
        gain = (true_positive_rate - false_positive_rate)[finite]
        return float(thresholds[finite][np.argmax(gain)])
    if rule == "max_f1":
        precision, recall, thresholds = precision_recall_curve(labels, probabilities)
        # The curve's last point (precision 1, recall 0) has no threshold.
        precision, recall = precision[:-1], recall[:-1]
        total = precision + recall
        f1 = np.divide(2 * precision * recall, total, out=np.zeros_like(total), where=total > 0)
        return float(thresholds[np.argmax(f1)])
    raise ValueError(f"unknown threshold rule {rule!r}")
