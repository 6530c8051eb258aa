import numpy as np
import pytest

from xraylab.evaluation import metrics

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
    # Ranked by probability the positives sit at 1, 2, 4 and 6: precisions 1, 1, 3/4, 4/6, a quarter recall each.
    assert scores["pr_auc"] == pytest.approx((1 + 1 + 3 / 4 + 4 / 6) / 4, abs=1e-6)
    # Observed agreement 0.8, chance agreement 0.4 * 0.4 + 0.6 * 0.6 = 0.52.
    assert scores["cohen_kappa"] == pytest.approx((0.8 - 0.52) / (1 - 0.52), abs=1e-6)
    # Squared errors: positives 0.01 + 0.04 + 0.16 + 0.49, negatives 0.49 + 0.16 + 0.04 + 0.01 + 0.01 + 0.0025.
    assert scores["brier"] == pytest.approx(1.4125 / 10, abs=1e-6)
    # Ten bins: {0.05, 0.1, 0.1} (all negative, mean 1/12) and seven single images, gaps 0.2, 0.7, 0.4, 0.4,
    # 0.7, 0.2 and 0.1.
    assert scores["ece"] == pytest.approx((3 / 12 + 2.7) / 10, abs=1e-6)
    predicted = (PROBABILITIES >= 0.5).astype(int)
    assert metrics.confusion(LABELS, predicted) == [[5, 1], [1, 3]]


def test_threshold_moves_the_operating_point():
    low = metrics.binary_scores(LABELS, PROBABILITIES, threshold=0.25)
    assert low["sensitivity"] == 1.0 and low["specificity"] == pytest.approx(4 / 6)


def test_one_class_has_no_auc_and_lengths_must_match():
    one_class = metrics.binary_scores(np.ones(3), np.array([0.2, 0.6, 0.9]), 0.5)
    assert one_class["roc_auc"] is None and one_class["pr_auc"] is None
    with pytest.raises(ValueError, match="3 labels but 2 probabilities"):
        metrics.binary_scores(np.ones(3), np.ones(2), 0.5)


def test_majority_row_equals_the_majority_rate():
    train_labels = np.array([1] * 7 + [0] * 3)
    probabilities = metrics.majority_probabilities(train_labels, count=len(LABELS))
    assert probabilities.shape == (10, 2) and np.allclose(probabilities, [0.3, 0.7])
    scores = metrics.binary_scores(LABELS, probabilities[:, 1], 0.5)
    assert scores["accuracy"] == pytest.approx(LABELS.mean())
    assert scores["roc_auc"] == 0.5


def test_reliability_bins_count_every_image():
    fraction, mean_probability, counts = metrics.reliability(LABELS, PROBABILITIES, bins=10)
    assert counts.sum() == 10 and list(counts) == [3, 1, 1, 1, 1, 1, 1, 1]
    assert fraction[0] == 0 and mean_probability[0] == pytest.approx(0.25 / 3)
    perfectly_calibrated = metrics.expected_calibration_error(np.array([0, 1] * 50), np.full(100, 0.5), 10)
    assert perfectly_calibrated == pytest.approx(0.0)


def test_one_vs_rest_scores_each_class():
    labels = np.array([0, 0, 1, 1, 2, 2])
    probabilities = np.array([[0.8, 0.1, 0.1], [0.6, 0.3, 0.1], [0.1, 0.7, 0.2],
                              [0.2, 0.3, 0.5], [0.1, 0.2, 0.7], [0.3, 0.3, 0.4]])
    # Called 0, 0, 1, 2, 2, 2: one bacterial image called viral.
    result = metrics.one_vs_rest(labels, probabilities, ("NORMAL", "BACTERIA", "VIRUS"), np.array([0, 0, 1, 2, 2, 2]))
    assert result["overall"]["accuracy"] == pytest.approx(5 / 6, abs=1e-6)
    assert result["confusion"] == [[2, 0, 0], [0, 1, 1], [0, 0, 2]]
    assert result["per_class"]["BACTERIA"]["sensitivity"] == 0.5
    assert result["per_class"]["VIRUS"]["specificity"] == 0.75
    assert result["per_class"]["NORMAL"]["roc_auc"] == 1.0
    three = metrics.majority_probabilities(np.array([0, 1, 1, 2]), 2, num_classes=3)
    assert np.allclose(three, [[0.25, 0.5, 0.25]] * 2)
