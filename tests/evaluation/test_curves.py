import numpy as np

from xraylab.evaluation import curves

LABELS = np.array([0, 0, 1, 1])
PROBABILITIES = np.array([0.1, 0.6, 0.4, 0.9])


def test_curves_start_and_end_where_they_must():
    roc = curves.roc(LABELS, PROBABILITIES)
    assert roc[0] == {"false_positive_rate": 0.0, "true_positive_rate": 0.0}
    assert roc[-1] == {"false_positive_rate": 1.0, "true_positive_rate": 1.0}
    precision_recall = curves.precision_recall(LABELS, PROBABILITIES)
    assert {"recall": 1.0, "precision": 0.5} in precision_recall and precision_recall[-1]["recall"] == 0.0


def test_reliability_and_confusion_records():
    rows = curves.reliability(LABELS, PROBABILITIES, bins=2)
    assert rows == [{"mean_probability": 0.25, "fraction_positive": 0.5, "images": 2},
                    {"mean_probability": 0.75, "fraction_positive": 0.5, "images": 2}]
    assert curves.confusion(LABELS, np.array([0, 1, 1, 1]), ("NORMAL", "PNEUMONIA"))[1] == \
        {"actual": "NORMAL", "predicted": "PNEUMONIA"}
