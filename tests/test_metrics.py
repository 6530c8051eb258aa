import numpy as np
import pytest

from xraylab import metrics

LABELS = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0, 0])
PROBABILITIES = np.array([0.9, 0.8, 0.6, 0.3, 0.7, 0.4, 0.2, 0.1, 0.1, 0.05])


def test_scores_against_a_hand_computed_case():
    # At 0.5: TP = 3, FN = 1, FP = 1, TN = 5.
    scores = metrics.binary_scores(LABELS, PROBABILITIES, threshold=0.5)
    assert scores["accuracy"] == pytest.approx(8 / 10)
    assert scores["sensitivity"] == pytest.approx(3 / 4)
    assert scores["specificity"] == pytest.approx(5 / 6)
    assert scores["precision"] == pytest.approx(3 / 4)
    assert scores["f1"] == pytest.approx(3 / 4)
    assert scores["balanced_accuracy"] == pytest.approx((3 / 4 + 5 / 6) / 2, abs=1e-6)
    # Of the 24 positive/negative pairs the positive ranks higher in 21: 0.6 loses to 0.7, 0.3 to 0.7 and 0.4.
    assert scores["roc_auc"] == pytest.approx(21 / 24, abs=1e-6)
    assert metrics.confusion(LABELS, PROBABILITIES, 0.5) == [[5, 1], [1, 3]]


def test_threshold_moves_the_operating_point():
    low = metrics.binary_scores(LABELS, PROBABILITIES, threshold=0.25)
    assert low["sensitivity"] == 1.0 and low["specificity"] == pytest.approx(4 / 6)


def test_one_class_has_no_auc_and_lengths_must_match():
    assert metrics.binary_scores(np.ones(3), np.array([0.2, 0.6, 0.9]), 0.5)["roc_auc"] is None
    with pytest.raises(ValueError, match="3 labels but 2 probabilities"):
        metrics.binary_scores(np.ones(3), np.ones(2), 0.5)


def test_majority_row_equals_the_majority_rate():
    train_labels = np.array([1] * 7 + [0] * 3)
    probabilities = metrics.majority_probabilities(train_labels, count=len(LABELS))
    assert np.allclose(probabilities, 0.7)
    scores = metrics.binary_scores(LABELS, probabilities, 0.5)
    assert scores["accuracy"] == pytest.approx(LABELS.mean())
    assert scores["roc_auc"] == 0.5
