import numpy as np

from xraylab import labels

THREE = ("NORMAL", "BACTERIA", "VIRUS")


def test_two_classes_are_cut_at_the_threshold():
    probabilities = np.array([[0.7, 0.3], [0.4, 0.6], [0.2, 0.8]])
    assert labels.predicted(probabilities, 0.6).tolist() == [0, 1, 1]  # reaching the threshold is positive
    assert labels.positive_class(("NORMAL", "PNEUMONIA")) == "PNEUMONIA"


def test_three_classes_are_pneumonia_or_not_at_the_threshold_then_its_more_probable_kind():
    probabilities = np.array([
        [0.50, 0.30, 0.20],  # p(pneumonia) 0.5, under 0.6: NORMAL
        [0.35, 0.30, 0.35],  # p(pneumonia) 0.65: VIRUS, although arg-max ties NORMAL and VIRUS
        [0.30, 0.45, 0.25],  # BACTERIA
        [0.45, 0.25, 0.30],  # 0.55 < 0.6: NORMAL
    ])
    assert labels.predicted(probabilities, 0.6).tolist() == [0, 2, 1, 0]
    # At 0.5 the first and last reach it: pneumonia, of their more probable kind.
    assert labels.predicted(probabilities, 0.5).tolist() == [1, 2, 1, 2]
    np.testing.assert_allclose(labels.positive(probabilities), [0.5, 0.65, 0.7, 0.55])
    assert labels.positive_class(THREE) == "PNEUMONIA"
