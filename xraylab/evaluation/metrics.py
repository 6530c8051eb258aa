"""Scores for classifiers, computed by scikit-learn; no hand-rolled formulas.

Binary scores take the probability of the positive class (PNEUMONIA, or "not NORMAL" for three classes);
`one_vs_rest` scores each class of a multi-class model against the others.
"""
from __future__ import annotations

import numpy as np
from sklearn.calibration import calibration_curve
from sklearn.dummy import DummyClassifier
from sklearn.metrics import (accuracy_score, average_precision_score, balanced_accuracy_score, brier_score_loss,
                             cohen_kappa_score, confusion_matrix, f1_score, precision_score, recall_score,
                             roc_auc_score)

DIGITS = 6  # scores are rounded so the committed JSON stays readable and stable in diffs


def binary_scores(labels: np.ndarray, probabilities: np.ndarray, threshold: float,
                  calibration_bins: int = 10) -> dict[str, float | None]:
    """Scores of positive-class probabilities cut at `threshold` (positive when >= threshold).

    ROC AUC and PR AUC are None when only one class is present.
    """
    labels, probabilities = _checked(labels, probabilities)
    predicted = (probabilities >= threshold).astype(int)
    both_classes = len(np.unique(labels)) == 2
    scores = {
        "accuracy": accuracy_score(labels, predicted),
        "balanced_accuracy": balanced_accuracy_score(labels, predicted),
        "precision": precision_score(labels, predicted, zero_division=0),
        "sensitivity": recall_score(labels, predicted, pos_label=1, zero_division=0),
        "specificity": recall_score(labels, predicted, pos_label=0, zero_division=0),
        "f1": f1_score(labels, predicted, zero_division=0),
        "cohen_kappa": _kappa(labels, predicted),
        "roc_auc": roc_auc_score(labels, probabilities) if both_classes else None,
        "pr_auc": average_precision_score(labels, probabilities) if both_classes else None,
        "brier": brier_score_loss(labels, probabilities, pos_label=1),
        "ece": expected_calibration_error(labels, probabilities, calibration_bins),
    }
    return _rounded(scores)


def confusion(labels: np.ndarray, predicted: np.ndarray, num_classes: int = 2) -> list[list[int]]:
    """Rows are true classes, columns predicted classes (scikit-learn's convention)."""
    return confusion_matrix(labels, predicted, labels=list(range(num_classes))).tolist()


def reliability(labels: np.ndarray, probabilities: np.ndarray, bins: int) -> tuple[np.ndarray, ...]:
    """(fraction positive, mean probability, images) per non-empty equal-width bin, as in a reliability diagram."""
    labels, probabilities = _checked(labels, probabilities)
    fraction, mean_probability = calibration_curve(labels, probabilities, n_bins=bins, strategy="uniform")
    # calibration_curve's own binning (inner edges, searchsorted), to count the images in each bin.
    edges = np.linspace(0.0, 1.0, bins + 1)
    counts = np.bincount(np.searchsorted(edges[1:-1], probabilities), minlength=bins)
    return fraction, mean_probability, counts[counts > 0]


def expected_calibration_error(labels: np.ndarray, probabilities: np.ndarray, bins: int) -> float:
    """Mean gap between predicted probability and observed frequency over the bins, weighted by bin size."""
    fraction, mean_probability, counts = reliability(labels, probabilities, bins)
    return float(np.average(np.abs(fraction - mean_probability), weights=counts))


def one_vs_rest(labels: np.ndarray, probabilities: np.ndarray, class_names: tuple[str, ...],
                predicted: np.ndarray) -> dict:
    """Multi-class scores of the classes `predicted` (xraylab.labels' rule), and each class against the rest:
    sensitivity, specificity and F1 of the predicted classes, ROC and PR AUC of the class's probability."""
    labels, predicted = np.asarray(labels), np.asarray(predicted)
    present = len(np.unique(labels)) == len(class_names)
    overall = {
        "accuracy": accuracy_score(labels, predicted),
        "balanced_accuracy": balanced_accuracy_score(labels, predicted),
        "macro_f1": f1_score(labels, predicted, average="macro", labels=range(len(class_names)), zero_division=0),
        "cohen_kappa": _kappa(labels, predicted),
        "roc_auc_ovr": roc_auc_score(labels, probabilities, multi_class="ovr") if present else None,
    }
    per_class = {}
    for index, name in enumerate(class_names):
        is_class, scores = (labels == index).astype(int), np.asarray(probabilities)[:, index]
        both = 0 < is_class.sum() < len(is_class)
        per_class[name] = _rounded({
            # this class against the others: the research's "bacterial vs otherwise" accuracy for BACTERIA
            "accuracy": accuracy_score(is_class, predicted == index),
            "sensitivity": recall_score(is_class, predicted == index, zero_division=0),
            "specificity": recall_score(is_class, predicted == index, pos_label=0, zero_division=0),
            "f1": f1_score(is_class, predicted == index, zero_division=0),
            "roc_auc": roc_auc_score(is_class, scores) if both else None,
            "pr_auc": average_precision_score(is_class, scores) if both else None,
        })
    return {"overall": _rounded(overall), "per_class": per_class,
            "confusion": confusion(labels, predicted, len(class_names))}


def majority_probabilities(train_labels: np.ndarray, count: int, num_classes: int = 2) -> np.ndarray:
    """The dummy row: training class frequencies as every image's probabilities (it predicts the majority)."""
    dummy = DummyClassifier(strategy="prior").fit(np.zeros((len(train_labels), 1)), train_labels)
    probabilities = np.zeros((count, num_classes))
    probabilities[:, dummy.classes_] = dummy.predict_proba(np.zeros((count, 1)))
    return probabilities


def _kappa(labels: np.ndarray, predicted: np.ndarray) -> float:
    # One class on both sides is perfect agreement that kappa leaves undefined (0/0); call it 0, no skill shown.
    if len(np.union1d(labels, predicted)) < 2:
        return 0.0
    return cohen_kappa_score(labels, predicted)


def _checked(labels: np.ndarray, probabilities: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    labels = np.asarray(labels)
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if labels.shape != probabilities.shape:
        raise ValueError(f"{len(labels)} labels but {len(probabilities)} probabilities")
    return labels, probabilities


def _rounded(scores: dict) -> dict:
    return {name: None if value is None else round(float(value), DIGITS) for name, value in scores.items()}
