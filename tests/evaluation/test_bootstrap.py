import numpy as np

from xraylab.evaluation import bootstrap, metrics


def noisy_scores(count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, count)
    return labels, np.clip(0.3 * labels + 0.7 * rng.random(count), 0, 1)


def test_interval_contains_the_point_estimate_and_narrows_with_more_images():
    widths = []
    for count in (100, 1600):
        labels, probabilities = noisy_scores(count)
        point = metrics.binary_scores(labels, probabilities, 0.5)
        intervals = bootstrap.intervals(labels, probabilities, 0.5, resamples=300, seed=1, confidence=0.95)
        assert set(intervals) == set(point)
        for name, (low, high) in intervals.items():
            assert low <= point[name] <= high, name
        widths.append({name: high - low for name, (low, high) in intervals.items()})
    for name in ("accuracy", "roc_auc", "sensitivity", "brier"):
        # Four times the images: about half the width (1/sqrt(16) = 1/4 would be too strict for 300 resamples).
        assert widths[1][name] < 0.5 * widths[0][name], name


def test_same_seed_same_interval_and_a_lower_confidence_is_narrower():
    labels, probabilities = noisy_scores(200)
    first = bootstrap.intervals(labels, probabilities, 0.5, 200, seed=3, confidence=0.95)
    assert bootstrap.intervals(labels, probabilities, 0.5, 200, seed=3, confidence=0.95) == first
    narrow = bootstrap.intervals(labels, probabilities, 0.5, 200, seed=3, confidence=0.5)
    assert narrow["accuracy"][1] - narrow["accuracy"][0] < first["accuracy"][1] - first["accuracy"][0]


def test_resamples_without_both_classes_leave_auc_out():
    # Two positives in 20: some resamples hold none, and have no AUC; the interval uses the others.
    labels = np.array([1, 1] + [0] * 18)
    probabilities = np.linspace(1, 0, 20)
    intervals = bootstrap.intervals(labels, probabilities, 0.5, 200, seed=0, confidence=0.95)
    assert intervals["roc_auc"][1] == 1.0 and intervals["accuracy"] is not None


def test_every_resample_scores_as_scikit_learn_does():
    # Small sets with tied probabilities and thresholds at the edges: one-class resamples, ties at the
    # threshold, empty predicted classes. Each resample is scored once by `metrics.binary_scores` (scikit-learn).
    rng = np.random.default_rng(7)
    checked = 0
    for trial in range(24):
        count = int(rng.integers(1, 30))
        labels = rng.integers(0, 2, count)
        probabilities = np.round(rng.random(count), 1 if trial % 2 else 3)
        threshold = float(rng.choice([0.0, 0.5, 1.0, probabilities[0]]))
        rows = rng.integers(0, count, (12, count))
        fast = bootstrap.resampled_scores(labels, probabilities, threshold, bootstrap.draws(rows, count), 10)
        for index, row in enumerate(rows):
            for name, expected in metrics.binary_scores(labels[row], probabilities[row], threshold, 10).items():
                if expected is None:
                    assert np.isnan(fast[name][index]), name
                else:
                    # Both rounded to 6 digits; summing in another order may land one unit apart.
                    assert abs(fast[name][index] - expected) <= 1.000001e-6, (name, fast[name][index], expected)
                checked += 1
    assert checked > 2000


def test_draws_count_each_image_of_a_resample():
    rows = np.array([[0, 0, 2], [1, 2, 1]])
    np.testing.assert_array_equal(bootstrap.draws(rows, 3), [[2, 0, 1], [0, 2, 1]])


def test_intervals_do_not_depend_on_how_resamples_are_chunked(monkeypatch):
    labels, probabilities = noisy_scores(150)
    whole = bootstrap.intervals(labels, probabilities, 0.5, 300, seed=2, confidence=0.9)
    monkeypatch.setattr(bootstrap, "CHUNK", 7)
    assert bootstrap.intervals(labels, probabilities, 0.5, 300, seed=2, confidence=0.9) == whole
