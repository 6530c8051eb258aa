"""Bootstrap intervals: `xraylab.evaluation.bootstrap.intervals` (every resample scored at once from draw counts) against
scoring each resample with scikit-learn through `xraylab.evaluation.metrics.binary_scores` (how it was done before), on
the same labels, probabilities and resamples, and whether the two give the same intervals.

The sets are the sizes evaluate meets: the target films (295), this pipeline's test split of the full training
data (746) and a larger external set (3,000); 1,000 resamples, as params.yaml asks.
Run from the repository root: python bench/bootstrap.py
"""
from __future__ import annotations

import time
import warnings

import numpy as np
import sklearn

from xraylab.evaluation import bootstrap, metrics

RESAMPLES = 1000


def one_at_a_time(labels: np.ndarray, probabilities: np.ndarray, threshold: float, seed: int) -> dict:
    """The previous implementation: scikit-learn once per resample (the same resamples, the same quantiles)."""
    rng = np.random.default_rng(seed)
    samples: dict[str, list[float]] = {}
    with sklearn.config_context(assume_finite=True, skip_parameter_validation=True), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        for _ in range(RESAMPLES):
            rows = rng.integers(0, len(labels), len(labels))
            for name, value in metrics.binary_scores(labels[rows], probabilities[rows], threshold).items():
                if value is not None:
                    samples.setdefault(name, []).append(value)
    return {name: [round(float(np.quantile(values, 0.025)), 6), round(float(np.quantile(values, 0.975)), 6)]
            for name, values in samples.items()}


def main() -> None:
    rng = np.random.default_rng(0)
    print(f"{RESAMPLES} resamples, 11 scores each")
    print(f"{'images':>7} {'scikit-learn per resample':>26} {'vectorised':>11} {'ratio':>7}  intervals")
    for count in (295, 746, 3000):
        labels = rng.integers(0, 2, count)
        probabilities = np.clip(0.35 * labels + 0.65 * rng.random(count), 0, 1)
        start = time.perf_counter()
        before = one_at_a_time(labels, probabilities, 0.5, seed=1)
        slow = time.perf_counter() - start
        start = time.perf_counter()
        now = bootstrap.intervals(labels, probabilities, 0.5, RESAMPLES, seed=1, confidence=0.95)
        fast = time.perf_counter() - start
        differing = {name: (before[name], now[name]) for name in now if before.get(name) != now[name]}
        print(f"{count:>7} {slow:>24.2f} s {fast:>9.3f} s {slow / fast:>6.0f}x  "
              f"{'identical' if not differing else f'differ: {differing}'}")


if __name__ == "__main__":
    main()
