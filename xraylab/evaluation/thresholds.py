"""The decision threshold: fixed in params, or picked by a rule on labelled films, then applied unchanged.

Evaluate picks it on validation; `xraylab calibrate` and evaluate's external sets pick it on a site's own films.
"""
from __future__ import annotations

import numpy as np
from sklearn.metrics import precision_recall_curve, roc_curve

from xraylab.config.rules import TARGET_RULE
from xraylab.errors import UserError

def choose(rule: float | str, labels: np.ndarray, probabilities: np.ndarray) -> float:
    """A probability threshold (positive when >= it) for `rule`: a number as given, or a rule of `xraylab.config.rules`
    or `sensitivity=<fraction>` / `specificity=<fraction>`.

    youden: the point of the ROC curve farthest above the diagonal (max sensitivity + specificity - 1);
    max_f1: the point of the precision-recall curve with the highest F1.
    """
    if not isinstance(rule, str):
        return float(rule)
    labels = np.asarray(labels)
    if len(np.unique(labels)) < 2:
        raise UserError(f"threshold rule {rule} needs both classes among the labelled images, which hold only "
                        f"label {labels[0] if len(labels) else 'none'}; use a fixed threshold")
    # The target rules need every threshold (the exact first point that meets them), Youden only the corners.
    false_positive_rate, true_positive_rate, thresholds = roc_curve(labels, probabilities,
                                                                    drop_intermediate=rule == "youden")
    finite = np.isfinite(thresholds)  # the first point (infinity) predicts nothing positive
    false_positive_rate, true_positive_rate = false_positive_rate[finite], true_positive_rate[finite]
    thresholds = thresholds[finite]
    if rule == "youden":
        return float(thresholds[np.argmax(true_positive_rate - false_positive_rate)])
    if rule == "max_f1":
        precision, recall, pr_thresholds = precision_recall_curve(labels, probabilities)
        # The curve's last point (precision 1, recall 0) has no threshold.
        precision, recall = precision[:-1], recall[:-1]
        total = precision + recall
        f1 = np.divide(2 * precision * recall, total, out=np.zeros_like(total), where=total > 0)
        return float(pr_thresholds[np.argmax(f1)])
    target = TARGET_RULE.match(rule)
    if target is None:
        raise ValueError(f"unknown threshold rule {rule!r}")
    wanted = float(target.group(2))
    # roc_curve lists thresholds from high to low: sensitivity rises and specificity falls along it.
    if target.group(1) == "sensitivity":
        return float(thresholds[np.argmax(true_positive_rate >= wanted - 1e-12)])
    meets = np.nonzero(1 - false_positive_rate >= wanted - 1e-12)[0]
    return float(thresholds[meets[-1]]) if len(meets) else float(thresholds[0])
