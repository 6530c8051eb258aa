"""Site calibration: the operating threshold a site picks on its own labelled films (`xraylab calibrate`).

A threshold picked on validation assumes the site's films look like the training films; on the official Kermany
test films the release's validation threshold called 36% of normal children sick. A hospital adopting a model
has a few hundred labelled films of its own: scored on them, the model gets a threshold chosen by a rule
(xraylab.evaluation.thresholds), and `xraylab predict` and the web page use it from then on. The calibration names the
exact model file it was made for (its SHA-256), so a retrained model never inherits a stale threshold.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from xraylab import atomic, saved
from xraylab.config import EvaluateConfig, ExternalConfig
from xraylab.data.films import decodable
from xraylab.errors import UserError
from xraylab.evaluation import leaderboard, scoring
from xraylab.serve import contract, gate

CALIBRATION_DIR = Path("calibration")
SITE_FILE = "calibration.json"  # beside the TF.js model the page loads


def calibrate(model: saved.SavedModel, model_name: str, model_digest: str, films: pd.DataFrame, folder: Path,
              rule: float | str, cfg: EvaluateConfig, *, threshold: float, picked_on: str,
              film_gate: gate.Gate | None = None) -> dict[str, Any]:
    """Score `model` on labelled `films`, pick a threshold on them by `rule`; scores at both thresholds.

    `threshold`: the model's own so far; `picked_on`: the set it was picked on ("validation", or the target
    films a release shipped the threshold of). With the model's `film_gate`: the films it refuses are listed and
    the rest scored apart; the threshold is picked on every film all the same (a labelled set is never shrunk).
    """
    # DICOM or CMYK films are read through converted copies; the scores keep the films' own paths.
    with decodable(films, "calibrate FILMS") as readable:
        predictions = scoring.Predictions(films, model.probabilities(readable))
        refused = None if film_gate is None else gate.refusals(film_gate, films, readable)
    scored = scoring.external_scores(predictions, threshold, ExternalConfig(path=str(folder), calibrate=rule), cfg)
    counts = films["label"].value_counts()
    if refused is not None and refused["refused"]:
        refused["accepted"] = scoring.accepted_scores(predictions, refused["paths"], scored["calibrated"]["threshold"],
                                                      cfg)
    return {
        "model": model_name,
        "model_digest": model_digest,
        "threshold": scored["calibrated"]["threshold"],
        "rule": scored["calibrated"]["rule"],
        "films": Path(folder).resolve().name,
        "images": {name: int(counts.get(label, 0)) for label, name in enumerate(model.meta.class_names)},
        "model_threshold": threshold,
        "model_threshold_picked_on": picked_on,
        "confidence": cfg.confidence,
        "at_model_threshold": scored["at_val_threshold"],
        "calibrated": {key: scored["calibrated"][key] for key in ("scores", "interval")},
        "gate": refused,
    }


def path_for(model_name: str, directory: Path = CALIBRATION_DIR) -> Path:
    return Path(directory) / f"{model_name}.json"


def write(calibration: dict[str, Any], directory: Path = CALIBRATION_DIR, site_dir: Path | None = None) -> Path:
    """calibration/<model>.json, and a copy beside the page's model in `site_dir` where given."""
    contract.checked(contract.Calibration, calibration, "a calibration")
    target = path_for(calibration["model"], directory)
    atomic.write_json(target, calibration)
    if site_dir is not None:
        atomic.write_json(Path(site_dir) / SITE_FILE, calibration)
    return target


def threshold_for(model_name: str, model_digest: str, directory: Path = CALIBRATION_DIR) -> contract.Calibration | None:
    """The calibration made for this exact model file, None where there is none; stale ones are an error (the web
    page refuses a stale calibration.json the same way: docs/app.js `siteCalibration`)."""
    path = path_for(model_name, directory)
    if not path.is_file():
        return None
    remedy = (f"rerun `xraylab calibrate <films> --model {model_name}`, or remove {path} to use the model's own "
              "threshold")
    text = path.read_text()
    try:
        made_for = json.loads(text).get("model_digest")
    except (json.JSONDecodeError, AttributeError):
        made_for = None  # named below, with what is wrong
    # Stale first: a calibration of another model file is named as such, whatever else differs in it.
    if made_for is not None and made_for != model_digest:
        raise UserError(f"{path} was made for another version of model {model_name} (its file has changed since); "
                        f"{remedy}")
    return contract.parse(contract.Calibration, text, path, "a calibration written by `xraylab calibrate`", remedy)


def summary(calibration: dict[str, Any]) -> str:
    """The printed comparison: scores at the validation threshold and at the calibrated one."""
    header = "| threshold | accuracy | sensitivity | specificity | roc_auc |"
    lines = [f"{calibration['model']} on {calibration['films']} "
             f"({', '.join(f'{count} {name}' for name, count in calibration['images'].items())}); "
             f"{round(100 * calibration['confidence'])}% bootstrap intervals:", "", header, "|---|---|---|---|---|"]
    own = f"model's own (picked on {calibration['model_threshold_picked_on']})"
    for label, part, threshold in ((own, "at_model_threshold", calibration["model_threshold"]),
                                   (f"calibrated ({calibration['rule']})", "calibrated", calibration["threshold"])):
        scores, interval = calibration[part]["scores"], calibration[part]["interval"]
        cells = [leaderboard.cell(scores[name], interval[name])
                 for name in ("accuracy", "sensitivity", "specificity", "roc_auc")]
        lines.append(f"| {threshold:.4f} {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines + _refusals(calibration.get("gate")))


def _refusals(refused: dict[str, Any] | None) -> list[str]:
    """What the model's gate refused of the films, and the scores on the rest, as printed lines."""
    if refused is None:
        return ["", "The model has no chest-film gate: no film was checked."]
    if not refused["refused"]:
        return ["", f"The chest-film gate accepted all {refused['films']} films."]
    lines = ["", f"The chest-film gate refused {refused['refused']} of {refused['films']} films (`xraylab predict` "
             "gives them no label); the threshold was picked on all of them:", *(f"  {path}" for path in
                                                                                refused["paths"])]
    accepted = refused.get("accepted")
    if accepted:
        scores = accepted["scores"]
        lines.append(f"On the {accepted['count']} it accepts, at the calibrated threshold: accuracy "
                     f"{scores['accuracy']:.3f}, sensitivity {scores['sensitivity']:.3f}, specificity "
                     f"{scores['specificity']:.3f}, ROC AUC {scores['roc_auc']:.3f}.")
    return lines

