import json

import numpy as np
import pandas as pd
import pytest

from xraylab.config import EvaluateConfig, ExternalConfig
from xraylab.errors import UserError
from xraylab.evaluation import eval_file, metrics, scoring
from xraylab.kinds import ModelKind

CFG = EvaluateConfig(threshold="youden", select_metric="roc_auc", bootstrap_resamples=50, bootstrap_seed=0,
                     confidence=0.9, calibration_bins=5)


def predictions(labels: list[int], positive: list[float]) -> scoring.Predictions:
    frame = pd.DataFrame({"path": [f"im{index}.jpeg" for index in range(len(labels))], "label": labels,
                          "patient_id": [f"p{index}" for index in range(len(labels))]})
    positive = np.array(positive)
    return scoring.Predictions(frame, np.column_stack([1 - positive, positive]))


VAL = predictions([1, 1, 1, 1, 0, 0, 0, 0, 0, 0], [0.9, 0.8, 0.6, 0.3, 0.7, 0.4, 0.2, 0.1, 0.1, 0.05])
TEST = predictions([1, 1, 0, 0], [0.35, 0.9, 0.45, 0.1])


def test_threshold_comes_from_validation_and_is_applied_to_test():
    result = scoring.evaluate("network", ("NORMAL", "PNEUMONIA"), CFG, VAL, TEST)
    assert (result["threshold_rule"], result["threshold"]) == ("youden", 0.3)
    assert result["test"]["scores"]["sensitivity"] == 1.0 and result["test"]["scores"]["specificity"] == 0.5
    assert result["test_confusion"] == [[1, 1], [0, 2]]
    assert result["confidence"] == 0.9 and set(result["val"]) == {"scores", "interval"}
    assert "classes" not in result and "studies" not in result


def test_the_dummy_keeps_its_majority_threshold():
    prior = predictions([1, 1, 0], [0.6, 0.6, 0.6])
    result = scoring.evaluate("dummy", ("NORMAL", "PNEUMONIA"), CFG, prior, prior)
    assert result["threshold"] == 0.5 and result["test"]["scores"]["accuracy"] == pytest.approx(2 / 3, abs=1e-6)


def test_three_classes_add_one_vs_rest_and_score_pneumonia_of_any_kind():
    frame = pd.DataFrame({"path": list("abcdef"), "label": [0, 0, 1, 1, 2, 2], "patient_id": list("abcdef")})
    probabilities = np.array([[0.8, 0.1, 0.1], [0.6, 0.3, 0.1], [0.1, 0.7, 0.2],
                              [0.2, 0.3, 0.5], [0.1, 0.2, 0.7], [0.3, 0.3, 0.4]])
    split = scoring.Predictions(frame, probabilities)
    np.testing.assert_allclose(split.positive, [0.2, 0.4, 0.9, 0.8, 0.9, 0.7])
    result = scoring.evaluate("network", ("NORMAL", "BACTERIA", "VIRUS"), CFG, split, split)
    assert result["test"]["scores"]["roc_auc"] == 1.0  # NORMAL against the rest is perfectly ranked
    assert set(result["classes"]["test"]["per_class"]) == {"NORMAL", "BACTERIA", "VIRUS"}
    rows = scoring.predictions_frame("test", split, result["threshold"], ("NORMAL", "BACTERIA", "VIRUS"))
    assert list(rows.columns) == [*scoring.PREDICTION_COLUMNS, "probability_NORMAL", "probability_BACTERIA",
                                  "probability_VIRUS", "predicted_class"]
    assert rows["probability_VIRUS"].tolist() == [0.1, 0.1, 0.2, 0.5, 0.7, 0.4]
    # Pneumonia or not at the threshold, then the more probable kind (xraylab.labels).
    called = ["NORMAL" if positive < result["threshold"] else ("BACTERIA" if row[1] > row[2] else "VIRUS")
              for positive, row in zip(split.positive, probabilities)]
    assert rows["predicted_class"].tolist() == called
    assert result["classes"]["test"]["confusion"] == metrics.confusion(
        frame["label"], [("NORMAL", "BACTERIA", "VIRUS").index(name) for name in called], 3)


def test_shifted_validation_is_scored_at_the_unaltered_threshold():
    # Under the shift every probability rises by 0.3: normals are called sick, as on the official test set.
    lifted = predictions(VAL.frame["label"].tolist(), list(np.clip(VAL.positive + 0.3, 0, 1)))
    result = scoring.evaluate("network", ("NORMAL", "PNEUMONIA"), CFG, VAL, TEST, {"lighter": lifted})
    shifted = result["val_shifted"]["lighter"]
    assert result["threshold"] == 0.3
    assert shifted["sensitivity"] == 1.0 and shifted["specificity"] == 0.0  # 0.05 + 0.3 >= 0.3
    assert result["val"]["scores"]["specificity"] == pytest.approx(4 / 6, abs=1e-6)


def test_external_sets_are_scored_at_the_val_threshold_and_at_their_own_calibrated_one():
    # The target films run hot: every normal scores above the validation threshold (0.3), as on the official
    # test split; a threshold calibrated on the set's own labels recovers them.
    target = predictions([0, 0, 0, 1, 1, 1], [0.35, 0.4, 0.5, 0.6, 0.7, 0.9])
    cfg = EvaluateConfig(**{**CFG.__dict__, "external": {"target": ExternalConfig(path="unused", calibrate="youden"),
                                                        "plain": ExternalConfig(path="unused")}})
    result = scoring.evaluate("network", ("NORMAL", "PNEUMONIA"), cfg, VAL, TEST,
                              external={"target": target, "plain": target})
    scored = result["external"]["target"]
    assert scored["count"] == 6
    assert scored["at_val_threshold"]["scores"]["specificity"] == 0.0
    assert scored["at_val_threshold"]["scores"]["roc_auc"] == 1.0
    assert set(scored["at_val_threshold"]["interval"]) >= {"accuracy", "roc_auc"}
    assert (scored["calibrated"]["rule"], scored["calibrated"]["threshold"]) == ("youden", 0.6)
    assert scored["calibrated"]["scores"]["accuracy"] == 1.0
    assert "calibrated" not in result["external"]["plain"]


def test_every_result_evaluate_writes_reads_back_as_the_typed_eval_file(tmp_path):
    """scoring.evaluate's dict and eval_file.EvalResult are one contract: each part evaluate can write is a field."""
    target = predictions([0, 0, 0, 1, 1, 1], [0.35, 0.4, 0.5, 0.6, 0.7, 0.9])
    lifted = predictions(VAL.frame["label"].tolist(), list(np.clip(VAL.positive + 0.3, 0, 1)))
    cfg = EvaluateConfig(**{**CFG.__dict__, "external": {"target": ExternalConfig(path="unused", calibrate="youden")}})
    frame = pd.DataFrame({"path": list("abcdef"), "label": [0, 0, 1, 1, 2, 2], "patient_id": list("abcdef")})
    three = scoring.Predictions(frame, np.eye(3)[[0, 0, 1, 1, 2, 2]] * 0.8 + 0.2 / 3)
    results = [scoring.evaluate(ModelKind.NETWORK, ("NORMAL", "PNEUMONIA"), cfg, VAL, TEST, {"lighter": lifted},
                                {"target": target}),
               scoring.evaluate(ModelKind.DUMMY, ("NORMAL", "PNEUMONIA"), CFG, VAL, TEST),
               scoring.evaluate(ModelKind.NETWORK, ("NORMAL", "BACTERIA", "VIRUS"), CFG, three, three)]
    for number, result in enumerate(results):
        written = tmp_path / f"model{number}.json"
        written.write_text(json.dumps(result))
        typed = eval_file.read(written)
        assert typed.threshold == result["threshold"] and typed.kind == result["kind"]
        assert typed.as_written() == json.loads(json.dumps(result))
    assert results[0]["external"]["target"]["calibrated"] and results[2]["classes"]  # the optional parts were there
    written.write_text(json.dumps({**results[0], "thresold": 0.5}))
    with pytest.raises(UserError, match=r"model2.json is not an evaluate result of this version \(thresold: Extra "
                                        r"inputs are not permitted\)"):
        eval_file.read(written)
    with pytest.raises(UserError, match="missing.json not found, so missing has no threshold"):
        eval_file.read(tmp_path / "missing.json")
