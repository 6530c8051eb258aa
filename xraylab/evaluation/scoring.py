"""One model's evaluation: threshold picked on validation, scores with bootstrap intervals on val and test,
on external sets (at the validation threshold and, where asked, at one calibrated on the set itself),
one-vs-rest scores for several classes, and study-level scores where the manifest has studies (MURA).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
import pandas as pd

from xraylab import labels
from xraylab.config import EvaluateConfig, ExternalConfig
from xraylab.evaluation import bootstrap, metrics, studies, thresholds
from xraylab.kinds import ModelKind

PREDICTION_COLUMNS = ("path", "split", "label", "probability", "predicted_positive")
DUMMY_THRESHOLD = 0.5  # the dummy predicts the majority class: the positive one exactly when its prior > 0.5


@dataclass(frozen=True)
class Predictions:
    """A split's manifest rows and a model's class probabilities for them, row for row."""

    frame: pd.DataFrame
    probabilities: np.ndarray  # (images, classes)

    @property
    def positive(self) -> np.ndarray:
        return labels.positive(self.probabilities)

    @property
    def is_positive(self) -> np.ndarray:
        return (self.frame["label"].to_numpy() != 0).astype(int)


def evaluate(kind: ModelKind, class_names: tuple[str, ...], cfg: EvaluateConfig, val: Predictions,
             test: Predictions, shifted_val: Mapping[str, Predictions] | None = None,
             external: Mapping[str, Predictions] | None = None) -> dict[str, Any]:
    """The contents of metrics/eval/<model>.json.

    `shifted_val`: predictions for altered copies of the validation images (evaluate.shifts), scored at
    the threshold picked on the unaltered ones: how much of the validation score survives a shift.
    `external`: predictions for each set of evaluate.external, by name.
    """
    rule = DUMMY_THRESHOLD if kind == ModelKind.DUMMY else cfg.threshold
    threshold = thresholds.choose(rule, val.is_positive, val.positive)
    result: dict[str, Any] = {
        "kind": kind,
        "threshold_rule": str(rule),
        "threshold": round(threshold, metrics.DIGITS),
        "confidence": cfg.confidence,
        "val": scored(val.is_positive, val.positive, threshold, cfg),
        "test": scored(test.is_positive, test.positive, threshold, cfg),
        "test_confusion": metrics.confusion(test.is_positive, (test.positive >= threshold).astype(int)),
    }
    if shifted_val:
        result["val_shifted"] = {name: metrics.binary_scores(shifted.is_positive, shifted.positive, threshold,
                                                             cfg.calibration_bins)
                                 for name, shifted in shifted_val.items()}
    if external:
        result["external"] = {name: external_scores(predictions, threshold, cfg.external[name], cfg)
                              for name, predictions in external.items()}
    if len(class_names) > 2:
        result["classes"] = {split: metrics.one_vs_rest(predictions.frame["label"].to_numpy(),
                                                        predictions.probabilities, class_names,
                                                        labels.predicted(predictions.probabilities, threshold))
                             for split, predictions in (("val", val), ("test", test), *(external or {}).items())}
    if "study_id" in test.frame and test.frame["study_id"].astype(bool).all():
        result["studies"] = _study_level(rule, cfg, val, test)
    return result


def external_scores(predictions: Predictions, threshold: float, external: ExternalConfig,
                    cfg: EvaluateConfig) -> dict[str, Any]:
    """One external set at the validation threshold and, with `external.calibrate`, at its own threshold."""
    labels, positive = predictions.is_positive, predictions.positive
    # Chosen first: a set the rule cannot work on (one class only) fails before any scoring.
    own = None if external.calibrate is None else thresholds.choose(external.calibrate, labels, positive)
    result: dict[str, Any] = {"count": len(predictions.frame),
                              "at_val_threshold": scored(labels, positive, threshold, cfg)}
    if own is not None:
        result["calibrated"] = {"rule": str(external.calibrate), "threshold": round(own, metrics.DIGITS),
                                **scored(labels, positive, own, cfg)}
    return result


def gate_report(refusals: Mapping[str, dict[str, Any]], external: Mapping[str, Predictions], threshold: float,
                cfg: EvaluateConfig) -> dict[str, Any]:
    """A model's `gate` entry: by split and external set, what its gate refused (xraylab.serve.gate.refusals) and,
    for an external set it refused films of, the scores on the rest."""
    report = {}
    for part, refused in refusals.items():
        report[part] = dict(refused)
        if part in external and refused["refused"]:
            report[part]["accepted"] = accepted_scores(external[part], refused["paths"], threshold, cfg)
    return report


def accepted_scores(predictions: Predictions, refused_paths: list[str], threshold: float,
                    cfg: EvaluateConfig) -> dict[str, Any] | None:
    """A set's scores on the films its model's gate accepts: what `xraylab predict` answers of it. The set is scored
    whole all the same (never silently shrunk); None where the gate refused none, or what is left holds one class."""
    accepted = ~predictions.frame["path"].astype(str).isin(refused_paths).to_numpy()
    labels, positive = predictions.is_positive[accepted], predictions.positive[accepted]
    if accepted.all() or len(set(labels)) < 2:
        return None
    return {"count": int(accepted.sum()), **scored(labels, positive, threshold, cfg)}


def _study_level(rule: float | str, cfg: EvaluateConfig, val: Predictions, test: Predictions) -> dict[str, Any]:
    val_studies = studies.aggregate(val.frame, val.positive)
    test_studies = studies.aggregate(test.frame, test.positive)
    threshold = thresholds.choose(rule, val_studies["label"], val_studies["probability"])
    return {
        "threshold": round(threshold, metrics.DIGITS),
        "count": {"val": len(val_studies), "test": len(test_studies)},
        "val": scored(val_studies["label"].to_numpy(), val_studies["probability"].to_numpy(), threshold, cfg),
        "test": scored(test_studies["label"].to_numpy(), test_studies["probability"].to_numpy(), threshold, cfg),
    }


def scored(labels: np.ndarray, probabilities: np.ndarray, threshold: float, cfg: EvaluateConfig) -> dict:
    """Binary scores at `threshold` with their bootstrap intervals (resamples and confidence from `cfg`)."""
    return {
        "scores": metrics.binary_scores(labels, probabilities, threshold, cfg.calibration_bins),
        "interval": bootstrap.intervals(labels, probabilities, threshold, cfg.bootstrap_resamples,
                                        cfg.bootstrap_seed, cfg.confidence, cfg.calibration_bins),
    }


def predictions_frame(split: str, predictions: Predictions, threshold: float,
                      class_names: tuple[str, ...]) -> pd.DataFrame:
    """Per-image results of one split: what metrics/predictions/<model>.csv holds, and gradcam reads."""
    frame = pd.DataFrame(dict(zip(PREDICTION_COLUMNS, (
        predictions.frame["path"].to_numpy(),
        split,
        predictions.frame["label"].to_numpy(),
        np.round(predictions.positive, metrics.DIGITS),
        (predictions.positive >= threshold).astype(int),
    ))))
    if len(class_names) > 2:
        for index, name in enumerate(class_names):
            frame[f"probability_{name}"] = np.round(predictions.probabilities[:, index], metrics.DIGITS)
        frame["predicted_class"] = np.asarray(class_names)[labels.predicted(predictions.probabilities, threshold)]
    return frame


def class_probabilities(frame: pd.DataFrame, class_names: tuple[str, ...]) -> np.ndarray:
    """The class probabilities (images, classes) of rows of metrics/predictions/<model>.csv (`predictions_frame`)."""
    if len(class_names) == 2:
        return np.column_stack([1.0 - frame["probability"].to_numpy(), frame["probability"].to_numpy()])
    return frame[[f"probability_{name}" for name in class_names]].to_numpy()
