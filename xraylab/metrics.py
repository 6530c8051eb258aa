"""Scores for binary classifiers, computed by scikit-learn; no hand-rolled formulas."""
from __future__ import annotations

import numpy as np
from sklearn.dummy import DummyClassifier
from sklearn.metrics import (accuracy_score, balanced_accuracy_score, confusion_matrix, f1_score,
                             precision_score, recall_score, roc_auc_score)

DIGITS = 6  # scores are rounded so the committed JSON stays readable and stable in diffs


def binary_scores(labels: np.ndarray, probabilities: np.ndarray, threshold: float) -> dict[str, float | None]:
    """Scores of positive-class probabilities cut at `threshold`; ROC AUC is None when one class is absent."""
    labels = np.asarray(labels)
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if labels.shape != probabilities.shape:
        raise ValueError(f"{len(labels)} labels but {len(probabilities)} probabilities")
    predicted = (probabilities >= threshold).astype(int)
    both_classes = len(np.unique(labels)) == 2
    scores = {
        "accuracy": accuracy_score(labels, predicted),
        "balanced_accuracy": balanced_accuracy_score(labels, predicted),
        "precision": precision_score(labels, predicted, zero_division=0),
        "sensitivity": recall_score(labels, predicted, pos_label=1, zero_division=0),
        "specificity": recall_score(labels, predicted, pos_label=0, zero_division=0),
        "f1": f1_score(labels, predicted, zero_division=0),
        "roc_auc": roc_auc_score(labels, probabilities) if both_classes else None,
    }
    return {name: None if value is None else round(float(value), DIGITS) for name, value in scores.items()}


def confusion(labels: np.ndarray, probabilities: np.ndarray, threshold: float) -> list[list[int]]:
    """Rows are true classes, columns predicted classes (scikit-learn's convention)."""
    predicted = (np.asarray(probabilities) >= threshold).astype(int)
    return confusion_matrix(labels, predicted, labels=[0, 1]).tolist()


def majority_probabilities(train_labels: np.ndarray, count: int) -> np.ndarray:
    """The dummy row: the training prevalence as every image's probability (so it predicts the majority)."""
    dummy = DummyClassifier(strategy="prior").fit(np.zeros((len(train_labels), 1)), train_labels)
    return dummy.predict_proba(np.zeros((count, 1)))[:, 1]
