"""The leaderboard: every model's scores side by side, and the model chosen on validation (never test)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from xraylab.errors import UserError
from xraylab.kinds import ModelKind

DUMMY = "dummy"
TABLE_METRICS = ("accuracy", "sensitivity", "specificity", "f1", "roc_auc", "pr_auc")
VAL_METRICS = ("accuracy", "sensitivity", "specificity", "roc_auc")
EXTERNAL_METRICS = ("accuracy", "sensitivity", "specificity", "roc_auc")
HEADLINE_METRICS = ("roc_auc", "accuracy")
# Several classes (xraylab.labels' rule), test split: overall, then each class against the others.
CLASS_METRICS = ("accuracy", "balanced_accuracy", "macro_f1", "cohen_kappa", "roc_auc_ovr")
PER_CLASS_METRICS = ("accuracy", "sensitivity", "specificity", "roc_auc")
# Study level (MURA: a study is abnormal when its images' mean probability reaches the study threshold).
STUDY_METRICS = ("accuracy", "sensitivity", "specificity", "cohen_kappa")


@dataclass(frozen=True)
class Choice:
    """What metrics/leaderboard.json says was chosen, and by what (the rest of it is for `dvc metrics`)."""
    select_metric: str
    best_model: str | None
    best_network: str | None

    def best(self, network: bool = False) -> str:
        """The model ranked best on validation (`network`: the best network, for what runs in Keras)."""
        name = self.best_network if network else self.best_network or self.best_model
        if name is None:
            raise UserError("no network among train.models, so there is none to use here; add one (e.g. custom_cnn) "
                            "to train.models")
        return name


def chosen(metrics_dir: Path) -> Choice:
    board_path = Path(metrics_dir) / "leaderboard.json"
    if not board_path.is_file():
        raise UserError(f"{board_path} not found, so there is no best model yet; run `dvc repro` or name a model")
    board = json.loads(board_path.read_text())
    missing = [key for key in ("select_metric", "best_model", "best_network") if key not in board]
    if missing:
        raise UserError(f"{board_path} has no {', '.join(missing)}: it was not written by this version's evaluate; "
                        "run `dvc repro evaluate`")
    return Choice(board["select_metric"], board["best_model"], board["best_network"])


def best(metrics_dir: Path, network: bool = False) -> str:
    """The model evaluate ranked best on validation (`network`: the best network, for what runs in Keras)."""
    return chosen(metrics_dir).best(network)


def build(results: Mapping[str, Mapping[str, Any]], select_metric: str) -> dict[str, Any]:
    """`results` maps model name → its evaluation (xraylab.evaluation.scoring.evaluate).

    The best model and the best network (what convert ships) are ranked by `select_metric` on val;
    ties go to the earlier name in `results`, so the choice is stable. Headline scores only (test, val,
    val's worst case under shift, and each external set at the validation threshold and at its own
    calibrated one): this is what `dvc metrics show`, `dvc metrics diff` and
    `dvc exp show` print, one column or row per score; metrics/eval/<model>.json holds the rest.
    """
    def rank(name: str) -> float:
        value = results[name]["val"]["scores"][select_metric]
        return float("-inf") if value is None else value

    trained = [name for name in results if name != DUMMY]
    networks = [name for name in trained if results[name]["kind"] == ModelKind.NETWORK]
    return {
        "select_metric": select_metric,
        "best_model": max(trained, key=rank) if trained else None,
        "best_network": max(networks, key=rank) if networks else None,
        "threshold": {name: result["threshold"] for name, result in results.items()},
        "test": {name: {metric: result["test"]["scores"][metric] for metric in TABLE_METRICS}
                 for name, result in results.items()},
        "val": {name: {metric: result["val"]["scores"][metric] for metric in (*VAL_METRICS, select_metric)}
                for name, result in results.items()},
        "val_shifted": {name: _worst_under_shift(result["val_shifted"])
                        for name, result in results.items() if result.get("val_shifted")},
        **({"external": _external_headline(results)} if any(r.get("external") for r in results.values()) else {}),
        **({"classes": {name: _class_row(result["classes"]["test"]) for name, result in results.items()}}
           if all(result.get("classes") for result in results.values()) else {}),
        **({"studies": {name: {metric: result["studies"]["test"]["scores"][metric] for metric in STUDY_METRICS}
                        for name, result in results.items()}}
           if all(result.get("studies") for result in results.values()) else {}),
        # The share of each set the model's gate refuses: near 0 on real films (xraylab/serve/gate.py).
        "refused": {name: {part: refused["rate"] for part, refused in result["gate"].items()}
                    for name, result in results.items() if result.get("gate")},
    }


def _class_row(scores: Mapping[str, Any]) -> dict[str, float | None]:
    """One model's several-class test scores as flat columns: overall, then `<class>_<metric>`."""
    return {**{metric: scores["overall"][metric] for metric in CLASS_METRICS},
            **{f"{name}_{metric}": per_class[metric] for name, per_class in scores["per_class"].items()
               for metric in PER_CLASS_METRICS}}


def headline(board: Mapping[str, Any]) -> dict[str, dict[str, dict[str, float]]]:
    """What a reviewer reads first (metrics/headline.json, the first metrics file of dvc.yaml, so `dvc exp show`
    and the pull-request report open with it): per trained model, ROC AUC and accuracy on validation, on the
    test split and on each external set at the validation threshold."""
    sets = {"val": board["val"], "test": board["test"], **board.get("external", {})}
    return {name: {set_name: {metric: scores[name][metric] for metric in HEADLINE_METRICS}
                   for set_name, scores in sets.items() if name in scores}
            for name in board["threshold"] if name != DUMMY}


def _external_headline(results: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, dict[str, float]]]:
    """Per external set and model: scores at the validation threshold, then calibrated_* at the set's own."""
    headline: dict[str, dict[str, dict[str, float]]] = {}
    for name, result in results.items():
        for set_name, scored in (result.get("external") or {}).items():
            row = {metric: scored["at_val_threshold"]["scores"][metric] for metric in EXTERNAL_METRICS}
            if "calibrated" in scored:
                row["calibrated_threshold"] = scored["calibrated"]["threshold"]
                row.update({f"calibrated_{metric}": scored["calibrated"]["scores"][metric]
                            for metric in ("accuracy", "sensitivity", "specificity")})
            headline.setdefault(set_name, {})[name] = row
    return headline


def _worst_under_shift(by_shift: Mapping[str, Mapping[str, Any]]) -> dict[str, float]:
    """The weakest figures over all shifts: a model is as trustworthy as its worst case."""
    return {f"worst_{metric}": min(scores[metric] for scores in by_shift.values())
            for metric in ("accuracy", "sensitivity", "specificity")}


def markdown(board: Mapping[str, Any], results: Mapping[str, Mapping[str, Any]]) -> str:
    """Test scores with their bootstrap intervals as a markdown table, the validation choice marked."""
    confidence = next(iter(results.values()))["confidence"]
    lines = ["| model | threshold | " + " | ".join(TABLE_METRICS) + " |",
             "|" + "---|" * (len(TABLE_METRICS) + 2)]
    for name, result in results.items():
        label = f"**{name}** (chosen on val)" if name == board["best_model"] else name
        test = result["test"]
        cells = [cell(test["scores"][metric], test["interval"][metric]) for metric in TABLE_METRICS]
        lines.append(f"| {label} | {result['threshold']:.3f} ({result['threshold_rule']}) | "
                     + " | ".join(cells) + " |")
    note = (f"\nTest split; {confidence:.0%} bootstrap intervals in brackets. Each threshold is picked on validation "
            f"by the rule shown; the model is chosen by validation {board['select_metric']}; `dummy` always "
            "predicts the training majority class.\n")
    return ("\n".join(lines) + "\n" + note + _class_table(results) + _study_table(results) + _shift_table(results)
            + _external_tables(results))


def _class_table(results: Mapping[str, Mapping[str, Any]]) -> str:
    """Several classes: overall scores and each class against the others, test split."""
    if not all(result.get("classes") for result in results.values()):
        return ""
    class_names = list(next(iter(results.values()))["classes"]["test"]["per_class"])
    lines = ["", f"{' / '.join(class_names)}, test split: a film is called {class_names[0]} below the threshold, "
             "otherwise the more probable of the other classes (xraylab.labels). Per class: that class against "
             "the others, accuracy / sensitivity / specificity / ROC AUC.", "",
             "| model | accuracy | macro F1 | Cohen's kappa | ROC AUC (one vs rest) | " + " | ".join(class_names) + " |",
             "|" + "---|" * (len(class_names) + 5)]
    for name, result in results.items():
        scores = result["classes"]["test"]
        overall = [cell(scores["overall"][metric], None) for metric in ("accuracy", "macro_f1", "cohen_kappa",
                                                                          "roc_auc_ovr")]
        per_class = [" / ".join(cell(scores["per_class"][class_name][metric], None) for metric in PER_CLASS_METRICS)
                     for class_name in class_names]
        lines.append(f"| {name} | " + " | ".join(overall + per_class) + " |")
    return "\n".join(lines) + "\n"


def _study_table(results: Mapping[str, Mapping[str, Any]]) -> str:
    """Study level beside image level (MURA), test split, each at its own threshold picked on validation."""
    if not all(result.get("studies") for result in results.values()):
        return ""
    count = next(iter(results.values()))["studies"]["count"]["test"]
    lines = ["", f"Study level ({count} test studies: a study's probability is the mean of its images', cut at a "
             "threshold picked on validation studies), beside image level:", "",
             "| model | study threshold | " + " | ".join(f"study {metric}" for metric in STUDY_METRICS) + " | "
             + " | ".join(f"image {metric}" for metric in STUDY_METRICS) + " |",
             "|" + "---|" * (2 * len(STUDY_METRICS) + 2)]
    for name, result in results.items():
        study = result["studies"]["test"]
        cells = ([cell(study["scores"][metric], study["interval"].get(metric)) for metric in STUDY_METRICS]
                 + [cell(result["test"]["scores"][metric], result["test"]["interval"].get(metric))
                    for metric in STUDY_METRICS])
        lines.append(f"| {name} | {result['studies']['threshold']:.3f} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _external_tables(results: Mapping[str, Mapping[str, Any]]) -> str:
    """One table per external set: scores at the validation threshold, and at the set's own where calibrated."""
    set_names = list(dict.fromkeys(set_name for result in results.values() for set_name in result.get("external", {})))
    text = ""
    for set_name in set_names:
        scored = {name: result["external"][set_name] for name, result in results.items()
                  if set_name in result.get("external", {})}
        count = next(iter(scored.values()))["count"]
        lines = ["", f"External set `{set_name}` ({count} images), at each model's validation threshold; where "
                 "calibrated, at a threshold picked on this set's own labels (optimistic: the set chose it):", "",
                 "| model | accuracy | sensitivity | specificity | roc_auc | calibrated threshold | accuracy | "
                 "sensitivity | specificity |", "|" + "---|" * 9]
        for name, part in scored.items():
            at_val = part["at_val_threshold"]
            cells = [cell(at_val["scores"][metric], at_val["interval"][metric]) for metric in EXTERNAL_METRICS]
            own = part.get("calibrated")
            cells += ([f"{own['threshold']:.3f} ({own['rule']})"]
                      + [cell(own["scores"][metric], own["interval"][metric])
                         for metric in ("accuracy", "sensitivity", "specificity")]) if own else ["–"] * 4
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        text += "\n".join(lines) + "\n"
    return text


def _shift_table(results: Mapping[str, Mapping[str, Any]]) -> str:
    """Validation sensitivity / specificity per shift, at the threshold from the unaltered images."""
    shifted = {name: result["val_shifted"] for name, result in results.items() if result.get("val_shifted")}
    if not shifted:
        return ""
    shift_names = list(next(iter(shifted.values())))
    lines = ["", "Validation under shift, sensitivity / specificity (the threshold stays the one picked on the "
             "unaltered images):", "",
             "| model | unaltered | " + " | ".join(shift_names) + " |", "|" + "---|" * (len(shift_names) + 2)]
    for name, by_shift in shifted.items():
        cells = [_pair(results[name]["val"]["scores"])] + [_pair(by_shift[shift]) for shift in shift_names]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _pair(scores: Mapping[str, Any]) -> str:
    return f"{scores['sensitivity']:.3f} / {scores['specificity']:.3f}"


def cell(value: float | None, interval: list[float] | None) -> str:
    if value is None:
        return "–"
    return f"{value:.3f}" if interval is None else f"{value:.3f} [{interval[0]:.3f}, {interval[1]:.3f}]"
