"""Percentile-bootstrap confidence intervals for the headline scores.

Images are resampled with replacement and every score recomputed at the same threshold; the interval
is the middle `confidence` share of the resampled scores. A resample holding one class only has no
ROC or PR AUC; those scores use the resamples that have both.

A resample is held as how many times it draws each image (a row of `draws`), and every score of
`metrics.binary_scores` is computed from those counts for all resamples at once: the same definitions as
scikit-learn's (tests/evaluation/test_bootstrap.py checks each resample against `metrics.binary_scores`), in a small
fraction of the time of calling scikit-learn once per resample (`python bench/bootstrap.py`).
"""
from __future__ import annotations

import numpy as np

from xraylab.evaluation import metrics

CHUNK = 250  # resamples scored together: bounds the (resamples x images) arrays for large external sets


def intervals(labels: np.ndarray, probabilities: np.ndarray, threshold: float, resamples: int, seed: int,
              confidence: float, calibration_bins: int = 10) -> dict[str, list[float] | None]:
    """{score: [low, high]} for every score of `metrics.binary_scores`."""
    labels = np.asarray(labels)
    probabilities = np.asarray(probabilities, dtype=np.float64)
    names = metrics.binary_scores(labels, probabilities, threshold, calibration_bins)  # also checks the inputs
    rng = np.random.default_rng(seed)
    samples: dict[str, list[np.ndarray]] = {name: [] for name in names}
    for start in range(0, resamples, CHUNK):
        rows = rng.integers(0, len(labels), (min(CHUNK, resamples - start), len(labels)))
        for name, values in resampled_scores(labels, probabilities, threshold, draws(rows, len(labels)),
                                             calibration_bins).items():
            samples[name].append(values)
    tail = (1 - confidence) / 2
    result = {}
    for name in names:
        values = np.concatenate(samples[name])
        values = values[~np.isnan(values)]
        result[name] = ([_rounded(np.quantile(values, tail)), _rounded(np.quantile(values, 1 - tail))]
                        if len(values) else None)
    return result


def draws(rows: np.ndarray, count: int) -> np.ndarray:
    """(resamples, images): how many times each resample (a row of image indices) draws each image."""
    offsets = count * np.arange(len(rows))[:, None]
    return np.bincount((rows + offsets).ravel(), minlength=len(rows) * count).reshape(len(rows), count)


def resampled_scores(labels: np.ndarray, probabilities: np.ndarray, threshold: float, weights: np.ndarray,
                     calibration_bins: int) -> dict[str, np.ndarray]:
    """Every score of `metrics.binary_scores`, rounded the same way, for each row of `weights` (the images'
    draw counts); NaN where a score is undefined (an AUC of a one-class resample)."""
    positive = labels == 1
    predicted = probabilities >= threshold
    weights = weights.astype(np.float64)
    true_pos = weights @ (positive & predicted)
    false_pos = weights @ (~positive & predicted)
    true_neg = weights @ (~positive & ~predicted)
    false_neg = weights @ (positive & ~predicted)
    total, positives, negatives = weights.sum(axis=1), true_pos + false_neg, true_neg + false_pos
    sensitivity, specificity = _ratio(true_pos, positives), _ratio(true_neg, negatives)
    both = (positives > 0) & (negatives > 0)
    # scikit-learn's balanced accuracy averages the recall of the classes present in the labels.
    balanced = np.where(both, (sensitivity + specificity) / 2, np.where(positives > 0, sensitivity, specificity))
    roc_auc, pr_auc = ranking_scores(probabilities, positive, weights, positives, negatives)
    scores = {
        "accuracy": (true_pos + true_neg) / total,
        "balanced_accuracy": balanced,
        "precision": _ratio(true_pos, true_pos + false_pos),
        "sensitivity": sensitivity,
        "specificity": specificity,
        "f1": _ratio(2 * true_pos, 2 * true_pos + false_pos + false_neg),
        "cohen_kappa": _kappa(true_pos, false_pos, true_neg, false_neg, total),
        "roc_auc": np.where(both, roc_auc, np.nan),
        "pr_auc": np.where(both, pr_auc, np.nan),
        "brier": weights @ (probabilities - positive) ** 2 / total,
        "ece": _calibration_error(probabilities, positive, weights, calibration_bins),
    }
    return {name: np.vectorize(_rounded, otypes=[np.float64])(values) for name, values in scores.items()}


def ranking_scores(probabilities: np.ndarray, positive: np.ndarray, weights: np.ndarray, positives: np.ndarray,
                    negatives: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ROC AUC and average precision per row of `weights`, tied probabilities counted as scikit-learn does."""
    order = np.argsort(probabilities, kind="stable")
    ordered = probabilities[order]
    # The last image of each run of equal probabilities, ascending: one threshold per distinct value.
    ends = np.append(np.flatnonzero(np.diff(ordered)), len(ordered) - 1)
    pos_weights = weights[:, order] * positive[order]
    neg_weights = weights[:, order] * ~positive[order]
    pos_group = np.diff(np.cumsum(pos_weights, axis=1)[:, ends], axis=1, prepend=0.0)
    neg_below = np.cumsum(neg_weights, axis=1)[:, ends]
    neg_group = np.diff(neg_below, axis=1, prepend=0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        # Mann-Whitney: each positive beats the negatives below its value and ties half of those at it.
        roc_auc = (pos_group * (neg_below - neg_group / 2)).sum(axis=1) / (positives * negatives)
        # Average precision: thresholds from the highest value down, recall steps weighted by precision.
        true_pos = np.cumsum(pos_group[:, ::-1], axis=1)
        called = true_pos + np.cumsum(neg_group[:, ::-1], axis=1)
        precision = np.where(called > 0, true_pos / np.where(called > 0, called, 1), 0.0)
        pr_auc = (pos_group[:, ::-1] * precision).sum(axis=1) / positives
    return roc_auc, pr_auc


def _kappa(true_pos, false_pos, true_neg, false_neg, total) -> np.ndarray:
    """Cohen's kappa from the confusion counts; 0 where labels and predictions hold one class between them
    (as `metrics._kappa`)."""
    called_pos, called_neg = true_pos + false_pos, true_neg + false_neg
    labelled_pos, labelled_neg = true_pos + false_neg, true_neg + false_pos
    expected_disagreement = (called_neg * labelled_pos + called_pos * labelled_neg) / total
    one_class = ((called_pos == 0) & (labelled_pos == 0)) | ((called_neg == 0) & (labelled_neg == 0))
    with np.errstate(invalid="ignore", divide="ignore"):
        kappa = 1 - (false_pos + false_neg) / expected_disagreement
    return np.where(one_class, 0.0, kappa)


def _calibration_error(probabilities: np.ndarray, positive: np.ndarray, weights: np.ndarray,
                       bins: int) -> np.ndarray:
    """`metrics.expected_calibration_error` per row of `weights`: the same equal-width bins."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    member = np.searchsorted(edges[1:-1], probabilities)[:, None] == np.arange(bins)  # (images, bins)
    counts = weights @ member
    observed = weights @ (member * positive[:, None])
    predicted = weights @ (member * probabilities[:, None])
    filled = np.where(counts > 0, counts, 1)
    gaps = np.abs(observed / filled - predicted / filled)
    return (gaps * counts).sum(axis=1) / counts.sum(axis=1)


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator, 0 where the denominator is 0 (scikit-learn's zero_division=0)."""
    return np.where(denominator > 0, numerator / np.where(denominator > 0, denominator, 1), 0.0)


def _rounded(value: float) -> float:
    return round(float(value), metrics.DIGITS)
