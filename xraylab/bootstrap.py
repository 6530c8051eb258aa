"""Percentile-bootstrap confidence intervals for the headline scores.

Images are resampled with replacement and every score recomputed at the same threshold; the interval
is the middle `confidence` share of the resampled scores. A resample holding one class only has no
ROC or PR AUC; those scores use the resamples that have both.
"""
from __future__ import annotations

import warnings
from collections import defaultdict

import numpy as np
import sklearn

from xraylab import metrics


def intervals(labels: np.ndarray, probabilities: np.ndarray, threshold: float, resamples: int, seed: int,
              confidence: float, calibration_bins: int = 10) -> dict[str, list[float] | None]:
    """{score: [low, high]} for every score of `metrics.binary_scores`."""
    labels = np.asarray(labels)
    probabilities = np.asarray(probabilities, dtype=np.float64)
    names = metrics.binary_scores(labels, probabilities, threshold, calibration_bins)  # also checks the inputs
    rng = np.random.default_rng(seed)
    samples: dict[str, list[float]] = defaultdict(list)
    # The inputs were checked once above; skipping scikit-learn's checks saves a tenth of the time. Small
    # sets give resamples of one class, on which scikit-learn warns for every score; expected here.
    with sklearn.config_context(assume_finite=True, skip_parameter_validation=True), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        for _ in range(resamples):
            rows = rng.integers(0, len(labels), len(labels))
            for name, value in metrics.binary_scores(labels[rows], probabilities[rows], threshold,
                                                     calibration_bins).items():
                if value is not None:
                    samples[name].append(value)
    tail = (1 - confidence) / 2
    return {name: [round(float(np.quantile(samples[name], tail)), metrics.DIGITS),
                   round(float(np.quantile(samples[name], 1 - tail)), metrics.DIGITS)] if samples[name] else None
            for name in names}
