from pathlib import Path

import numpy as np
import pandas as pd

from conftest import REPO
from xraylab import blocks, evaluation, leaderboard
from xraylab.config import EvaluateConfig, ExternalConfig

CFG = EvaluateConfig(threshold=0.5, select_metric="roc_auc", bootstrap_resamples=20, bootstrap_seed=0,
                     confidence=0.95, calibration_bins=10)
FRAME = pd.DataFrame({"path": list("abcd"), "label": [0, 0, 1, 1], "patient_id": list("abcd")})


def result(kind: str, val: list[float], test: list[float]) -> dict:
    def split(positive: list[float]) -> evaluation.Predictions:
        return evaluation.Predictions(FRAME, np.column_stack([1 - np.array(positive), positive]))
    return evaluation.evaluate(kind, ("NORMAL", "PNEUMONIA"), CFG, split(val), split(test))


def test_best_is_chosen_on_val_never_on_test():
    results = {
        "net_a": result("network", val=[0.1, 0.2, 0.8, 0.9], test=[0.6, 0.6, 0.4, 0.4]),
        "net_b": result("network", val=[0.6, 0.2, 0.8, 0.1], test=[0.1, 0.2, 0.8, 0.9]),
        "forest": result("classic", val=[0.4, 0.2, 0.6, 0.7], test=[0.1, 0.2, 0.8, 0.9]),
        "dummy": result("dummy", val=[0.5] * 4, test=[0.5] * 4),
    }
    board = leaderboard.build(results, "roc_auc")
    assert board["best_model"] == "net_a"  # perfect on val (tied with forest, listed first), worst on test
    assert board["best_network"] == "net_a"
    assert board["test"]["net_a"]["accuracy"] == 0.0
    assert set(board["test"]) == set(results) and set(board["test"]["net_a"]) == set(leaderboard.TABLE_METRICS)
    assert board["val"]["net_b"]["roc_auc"] == 0.5 and board["threshold"]["forest"] == 0.5
    assert set(board["val"]["net_b"]) == {"accuracy", "sensitivity", "specificity", "roc_auc"}


def test_markdown_table_lists_every_model_with_intervals_and_marks_the_choice():
    results = {"net": result("network", [0.1, 0.2, 0.8, 0.9], [0.1, 0.2, 0.8, 0.9]),
               "dummy": result("dummy", [0.5] * 4, [0.5] * 4)}
    table = leaderboard.markdown(leaderboard.build(results, "accuracy"), results)
    assert "| **net** (chosen on val) | 0.500 (0.5) | 1.000 [1.000, 1.000] |" in table
    assert "| dummy | 0.500 (0.5) | 0.500 [" in table
    assert "95% bootstrap intervals" in table


def test_shift_table_lists_sensitivity_and_specificity_per_shift():
    def split(positive: list[float]) -> evaluation.Predictions:
        return evaluation.Predictions(FRAME, np.column_stack([1 - np.array(positive), positive]))
    net = evaluation.evaluate("network", ("NORMAL", "PNEUMONIA"), CFG, split([0.1, 0.2, 0.8, 0.9]),
                              split([0.1, 0.2, 0.8, 0.9]), {"darker": split([0.6, 0.2, 0.8, 0.9])})
    results = {"net": net, "dummy": result("dummy", [0.5] * 4, [0.5] * 4)}
    table = leaderboard.markdown(leaderboard.build(results, "roc_auc"), results)
    assert "| model | unaltered | darker |" in table
    assert "| net | 1.000 / 1.000 | 1.000 / 0.500 |" in table
    assert leaderboard.build(results, "roc_auc")["val_shifted"] == {
        "net": {"worst_accuracy": 0.75, "worst_sensitivity": 1.0, "worst_specificity": 0.5}}


def test_external_sets_get_headline_columns_and_a_table_of_their_own():
    def split(positive: list[float]) -> evaluation.Predictions:
        return evaluation.Predictions(FRAME, np.column_stack([1 - np.array(positive), positive]))
    cfg = EvaluateConfig(**{**CFG.__dict__, "external": {"target": ExternalConfig("unused", "youden")}})
    # At the validation threshold (0.5) the target's normals are called sick; its own threshold (0.7) fixes it.
    net = evaluation.evaluate("network", ("NORMAL", "PNEUMONIA"), cfg, split([0.1, 0.2, 0.8, 0.9]),
                              split([0.1, 0.2, 0.8, 0.9]), external={"target": split([0.6, 0.65, 0.7, 0.9])})
    results = {"net": net}
    board = leaderboard.build(results, "roc_auc")
    assert board["external"] == {"target": {"net": {
        "accuracy": 0.5, "sensitivity": 1.0, "specificity": 0.0, "roc_auc": 1.0, "calibrated_threshold": 0.7,
        "calibrated_accuracy": 1.0, "calibrated_sensitivity": 1.0, "calibrated_specificity": 1.0}}}
    table = leaderboard.markdown(board, results)
    assert "External set `target` (4 images)" in table
    assert "| net | 0.500 [" in table and "| 0.700 (youden) | 1.000 [1.000, 1.000] |" in table
    assert "external" not in leaderboard.build({"net": result("network", [0.1, 0.2, 0.8, 0.9], [0.1] * 4)},
                                               "roc_auc")


def test_the_headline_holds_auc_and_accuracy_per_trained_model_and_set():
    def split(positive: list[float]) -> evaluation.Predictions:
        return evaluation.Predictions(FRAME, np.column_stack([1 - np.array(positive), positive]))
    cfg = EvaluateConfig(**{**CFG.__dict__, "external": {"target": ExternalConfig("unused", None)}})
    net = evaluation.evaluate("network", ("NORMAL", "PNEUMONIA"), cfg, split([0.1, 0.2, 0.8, 0.9]),
                              split([0.6, 0.6, 0.4, 0.4]), external={"target": split([0.6, 0.65, 0.7, 0.9])})
    results = {"net": net, "dummy": result("dummy", [0.5] * 4, [0.5] * 4)}
    assert leaderboard.headline(leaderboard.build(results, "roc_auc")) == {"net": {
        "val": {"roc_auc": 1.0, "accuracy": 1.0},
        "test": {"roc_auc": 0.0, "accuracy": 0.0},
        "target": {"roc_auc": 1.0, "accuracy": 0.5}}}  # the dummy is a baseline, not a headline


def test_the_readme_shows_the_committed_leaderboard(tmp_path: Path):
    copy = tmp_path / "README.md"
    copy.write_text((REPO / "README.md").read_text())
    changed = blocks.replace(copy, "leaderboard", (REPO / "metrics" / "leaderboard.md").read_text())
    assert not changed, "README's leaderboard is stale: run `xraylab leaderboard --readme README.md`"


def test_the_command_prints_or_writes_the_table(tmp_path: Path):
    from typer.testing import CliRunner

    from xraylab.commands import app
    (tmp_path / "metrics").mkdir()
    (tmp_path / "metrics" / "leaderboard.md").write_text("| model |\n")
    (tmp_path / "README.md").write_text("<!-- leaderboard:start -->\n<!-- leaderboard:end -->\n")
    printed = CliRunner().invoke(app, ["leaderboard", "--metrics-dir", str(tmp_path / "metrics")])
    assert printed.exit_code == 0 and printed.output == "| model |\n"
    written = CliRunner().invoke(app, ["leaderboard", "--metrics-dir", str(tmp_path / "metrics"),
                                       "--readme", str(tmp_path / "README.md")])
    assert written.exit_code == 0 and "leaderboard updated" in written.output
    assert "| model |" in (tmp_path / "README.md").read_text()
    missing = CliRunner().invoke(app, ["leaderboard", "--metrics-dir", str(tmp_path / "nowhere")])
    assert missing.exit_code == 1 and "run `dvc repro evaluate` first" in str(missing.exception)
