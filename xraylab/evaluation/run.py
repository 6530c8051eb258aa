"""The evaluate stage's work in one call: what stages/evaluate.py writes, computed here.

Every model of train.models and the majority-class dummy (one more model, of kind DUMMY: it has no image
pipeline, so no shifted validation and no gate) is scored on validation, test, the shifted validation sets and the
external sets; each trained model's chest-film gate is fitted on the training films and what it refuses of every
set counted; the leaderboard ranks them.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from xraylab import labels, saved
from xraylab.config import Config
from xraylab.data import external, films, manifest, sources
from xraylab.evaluation import curves, leaderboard, metrics, scoring
from xraylab.evaluation.scoring import Predictions
from xraylab.kinds import ModelKind
from xraylab.serve import gate


@dataclass(frozen=True)
class Majority:
    """The dummy: the training split's class frequencies as every image's probabilities (it predicts the
    majority class), behind the same `probabilities` a saved model has."""
    train_labels: np.ndarray
    num_classes: int
    kind: ModelKind = ModelKind.DUMMY

    def probabilities(self, frame: pd.DataFrame) -> np.ndarray:
        return metrics.majority_probabilities(self.train_labels, len(frame), self.num_classes)


@dataclass(frozen=True)
class ModelEvaluation:
    result: dict[str, Any]    # metrics/eval/<model>.json (eval_file.EvalResult's fields)
    rows: pd.DataFrame        # metrics/predictions/<model>.csv: every image of every set, scored
    plots: dict[str, Any]     # metrics/plots/<plot>/<model>.json, by plot; none for the dummy


@dataclass(frozen=True)
class Evaluation:
    models: dict[str, ModelEvaluation]  # train.models in order, then the dummy
    gates: dict[str, gate.Gate]         # gates/<model>.json, for every trained model
    board: dict[str, Any]               # metrics/leaderboard.json
    headline: dict[str, Any]            # metrics/headline.json
    table: str                          # metrics/leaderboard.md


def run(cfg: Config, splits_dir: Path, models_dir: Path) -> Evaluation:
    """Evaluate every model of `cfg.train.models` (saved under `models_dir`) on the split manifests in `splits_dir`
    (train, val, test) and the external sets of `cfg.evaluate.external`."""
    class_names = sources.class_names(cfg.data)
    # Read first: a missing or malformed folder fails at once, naming its key, before anything else runs.
    external_sets = {name: external.read(Path(entry.path), cfg.data.task, f"evaluate.external.{name}.path")
                     for name, entry in cfg.evaluate.external.items()}
    train, val, test = (manifest.read(Path(splits_dir) / f"{name}.csv") for name in ("train", "val", "test"))
    models: dict[str, saved.SavedModel | Majority] = {name: saved.load(models_dir / name) for name in cfg.train.models}
    models[leaderboard.DUMMY] = Majority(train["label"].to_numpy(), len(class_names))

    predictions, shifted, outside, refusals = {}, {}, {}, {}
    with contextlib.ExitStack() as stack:
        # DICOM or CMYK films are read through converted copies; the predictions keep the films' own paths.
        readable = {name: stack.enter_context(films.decodable(frame, f"evaluate.external.{name}.path"))
                    for name, frame in external_sets.items()}
        for name, model in models.items():
            predictions[name] = (Predictions(val, model.probabilities(val)),
                                 Predictions(test, model.probabilities(test)))
            outside[name] = {set_name: Predictions(frame, model.probabilities(readable[set_name]))
                             for set_name, frame in external_sets.items()}
            if model.kind != ModelKind.DUMMY:
                shifted[name] = {shift_name: Predictions(val, model.probabilities(val, shift))
                                 for shift_name, shift in cfg.evaluate.shifts.items()}
        # Fitted on the training films only, thresholds on held-out ones (xraylab/serve/gate.py).
        gates = gate.fit_each({name: (models[name].meta.image_size, models[name].meta.channels)
                               for name in cfg.train.models}, train, val, cfg.gate.size, cfg.gate.components,
                              cfg.gate.keep, cfg.gate.margin)
        for name, fitted in gates.items():
            refusals[name] = {"val": gate.refusals(fitted, val), "test": gate.refusals(fitted, test),
                              **{set_name: gate.refusals(fitted, frame, readable[set_name])
                                 for set_name, frame in external_sets.items()}}

    evaluated = {}
    for name, model in models.items():
        val_predictions, test_predictions = predictions[name]
        result = scoring.evaluate(model.kind, class_names, cfg.evaluate, val_predictions, test_predictions,
                                  shifted.get(name), outside[name])
        if name in refusals:
            result["gate"] = scoring.gate_report(refusals[name], outside[name], result["threshold"], cfg.evaluate)
        parts = {"val": val_predictions, "test": test_predictions,
                 **{f"external:{set_name}": scored for set_name, scored in outside[name].items()}}
        rows = pd.concat([scoring.predictions_frame(split, split_predictions, result["threshold"], class_names)
                          for split, split_predictions in parts.items()])
        plots = ({} if model.kind == ModelKind.DUMMY else
                 plot_files(test_predictions, result["threshold"], class_names, cfg.evaluate.calibration_bins))
        evaluated[name] = ModelEvaluation(result, rows, plots)

    results = {name: model.result for name, model in evaluated.items()}
    board = leaderboard.build(results, cfg.evaluate.select_metric)
    return Evaluation(evaluated, gates, board, leaderboard.headline(board), leaderboard.markdown(board, results))


def plot_files(test: Predictions, threshold: float, class_names: tuple[str, ...], bins: int) -> dict[str, Any]:
    """The test split's curves for DVC plots, by plot name."""
    is_positive, probabilities = test.is_positive, test.positive
    return {
        "roc": curves.roc(is_positive, probabilities),
        "precision_recall": curves.precision_recall(is_positive, probabilities),
        "reliability": curves.reliability(is_positive, probabilities, bins),
        # Of the classes the threshold from validation gives (xraylab.labels: for several, pneumonia or not, then
        # its kind).
        "confusion": curves.confusion(test.frame["label"].to_numpy(), labels.predicted(test.probabilities, threshold),
                                      class_names),
    }
