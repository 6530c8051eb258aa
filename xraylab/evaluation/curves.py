"""Rows for DVC's plots of a model on the test split: ROC, precision-recall, reliability and confusion.

Each function returns a list of flat records; evaluate writes one JSON file per plot and model, and
dvc.yaml names the axes, so `dvc plots show` and `dvc plots diff` draw them.
"""
from __future__ import annotations

import numpy as np
from sklearn.metrics import precision_recall_curve, roc_curve

from xraylab.evaluation import metrics


def roc(labels: np.ndarray, probabilities: np.ndarray) -> list[dict[str, float]]:
    false_positive_rate, true_positive_rate, _ = roc_curve(labels, probabilities)
    return [{"false_positive_rate": _round(x), "true_positive_rate": _round(y)}
            for x, y in zip(false_positive_rate, true_positive_rate)]


def precision_recall(labels: np.ndarray, probabilities: np.ndarray) -> list[dict[str, float]]:
    precision, recall, _ = precision_recall_curve(labels, probabilities)
    return [{"recall": _round(x), "precision": _round(y)} for x, y in zip(recall, precision)]


def reliability(labels: np.ndarray, probabilities: np.ndarray, bins: int) -> list[dict[str, float]]:
    fraction, mean_probability, counts = metrics.reliability(labels, probabilities, bins)
    return [{"mean_probability": _round(x), "fraction_positive": _round(y), "images": int(count)}
            for x, y, count in zip(mean_probability, fraction, counts)]


def confusion(labels: np.ndarray, predicted: np.ndarray, class_names: tuple[str, ...]) -> list[dict[str, str]]:
    """One record per image, as DVC's confusion template counts them."""
    return [{"actual": class_names[actual], "predicted": class_names[guess]}
            for actual, guess in zip(labels, predicted)]


def _round(value: float) -> float:
    return round(float(value), metrics.DIGITS)
