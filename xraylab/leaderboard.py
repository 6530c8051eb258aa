"""The leaderboard: every model's scores side by side, and the model chosen on validation (never test)."""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from xraylab import metrics

DUMMY = "dummy"
TABLE_METRICS = ("accuracy", "sensitivity", "specificity", "f1", "roc_auc")


def model_result(kind: str, threshold: float, val_labels: np.ndarray, val_probabilities: np.ndarray,
                 test_labels: np.ndarray, test_probabilities: np.ndarray) -> dict[str, Any]:
    """One model's row: scores on val and test at `threshold`, and the test confusion matrix."""
    return {
        "kind": kind,
        "threshold": threshold,
        "val": metrics.binary_scores(val_labels, val_probabilities, threshold),
        "test": metrics.binary_scores(test_labels, test_probabilities, threshold),
        "test_confusion": metrics.confusion(test_labels, test_probabilities, threshold),
    }


def build(results: Mapping[str, Mapping[str, Any]], select_metric: str) -> dict[str, Any]:
    """`results` maps model name → {"kind", "val": scores, "test": scores}.

    The best model and the best network (what convert ships) are ranked by `select_metric` on val;
    ties go to the earlier name in `results`, so the choice is stable.
    """
    def rank(name: str) -> float:
        value = results[name]["val"][select_metric]
        return float("-inf") if value is None else value

    trained = [name for name in results if name != DUMMY]
    networks = [name for name in trained if results[name]["kind"] == "network"]
    return {
        "select_metric": select_metric,
        "best_model": max(trained, key=rank) if trained else None,
        "best_network": max(networks, key=rank) if networks else None,
        "test": {name: dict(result["test"]) for name, result in results.items()},
        "val": {name: dict(result["val"]) for name, result in results.items()},
    }


def markdown(board: Mapping[str, Any]) -> str:
    """The test scores as a markdown table, best validation model marked."""
    header = "| model | " + " | ".join(TABLE_METRICS) + " |"
    lines = [header, "|" + "---|" * (len(TABLE_METRICS) + 1)]
    for name, scores in board["test"].items():
        label = f"**{name}** (chosen on val)" if name == board["best_model"] else name
        cells = ["–" if scores[metric] is None else f"{scores[metric]:.3f}" for metric in TABLE_METRICS]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    note = (f"\nTest split scores; the model is chosen by validation {board['select_metric']}, "
            "and `dummy` always predicts the training majority class.\n")
    return "\n".join(lines) + "\n" + note
