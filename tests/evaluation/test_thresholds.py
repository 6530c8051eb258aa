import numpy as np
import pytest

from xraylab.errors import UserError
from xraylab.config import rules
from xraylab.evaluation import metrics, thresholds

LABELS = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0, 0])
PROBABILITIES = np.array([0.9, 0.8, 0.6, 0.3, 0.7, 0.4, 0.2, 0.1, 0.1, 0.05])


def test_rules_pick_the_hand_computed_point():
    # Sensitivity + specificity - 1 at each cut: 0.9 → 0.25, 0.8 → 0.5, 0.6 → 0.58, 0.3 → 0.67 (best), 0.2 → 0.5.
    assert thresholds.choose("youden", LABELS, PROBABILITIES) == 0.3
    # F1 at each cut: 0.8 → 0.67, 0.6 → 0.75, 0.3 → 0.8 (best: 4 TP, 2 FP), 0.2 → 0.73.
    assert thresholds.choose("max_f1", LABELS, PROBABILITIES) == 0.3
    assert thresholds.choose(0.5, LABELS, PROBABILITIES) == 0.5


def test_rules_can_disagree():
    # F1 ignores true negatives; Youden's index weighs both classes.
    labels = np.array([1, 1, 1, 1, 1, 0, 0])
    probabilities = np.array([0.9, 0.8, 0.7, 0.6, 0.2, 0.5, 0.1])
    # At 0.6: sensitivity 0.8, specificity 1 (J = 0.8), F1 0.89. At 0.2: sensitivity 1, specificity 0.5
    # (J = 0.5), F1 10/11 = 0.91.
    assert thresholds.choose("youden", labels, probabilities) == 0.6
    assert thresholds.choose("max_f1", labels, probabilities) == 0.2


def test_a_threshold_picked_on_validation_changes_the_test_scores():
    val_threshold = thresholds.choose("youden", LABELS, PROBABILITIES)
    test_labels = np.array([1, 1, 0, 0])
    test_probabilities = np.array([0.35, 0.9, 0.45, 0.1])
    at_half = metrics.binary_scores(test_labels, test_probabilities, 0.5)
    at_val = metrics.binary_scores(test_labels, test_probabilities, val_threshold)
    assert (at_half["sensitivity"], at_half["specificity"]) == (0.5, 1.0)
    assert (at_val["sensitivity"], at_val["specificity"]) == (1.0, 0.5)


def test_one_class_validation_cannot_pick():
    with pytest.raises(UserError, match="youden needs both classes among the labelled images"):
        thresholds.choose("youden", np.ones(4, int), np.linspace(0, 1, 4))


def test_target_rules_pick_the_operating_point_that_meets_them():
    labels = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    probabilities = np.array([0.1, 0.2, 0.35, 0.6, 0.3, 0.5, 0.8, 0.9])
    # Sensitivity 0.75 is first reached at 0.5 (3 of 4 positives); 1.0 needs the threshold down to 0.3.
    assert thresholds.choose("sensitivity=0.75", labels, probabilities) == 0.5
    assert thresholds.choose("sensitivity=1", labels, probabilities) == 0.3
    # Specificity 1.0 needs every negative below: the lowest such threshold is 0.8 (0.6 is a negative).
    assert thresholds.choose("specificity=1.0", labels, probabilities) == 0.8
    assert thresholds.choose("specificity=0.75", labels, probabilities) == 0.5


@pytest.mark.parametrize("rule", ["otsu", "sensitivity=1.5", "specificity=", "sensitivity 0.9", 0, 1.0, True])
def test_unknown_rules_are_refused_naming_the_key(rule):
    with pytest.raises(UserError, match="^calibrate.rule must be"):
        rules.check_rule(rule, "calibrate.rule")
