from pathlib import Path

import numpy as np
import pandas as pd

from conftest import REPO
from xraylab.commands import blocks
from xraylab.config import EvaluateConfig, ExternalConfig
from xraylab.evaluation import leaderboard, scoring

CFG = EvaluateConfig(threshold=0.5, select_metric="roc_auc", bootstrap_resamples=20, bootstrap_seed=0,
                     confidence=0.95, calibration_bins=10)
FRAME = pd.DataFrame({"path": list("abcd"), "label": [0, 0, 1, 1], "patient_id": list("abcd")})


def result(kind: str, val: list[float], test: list[float]) -> dict:
    def split(positive: list[float]) -> scoring.Predictions:
        return scoring.Predictions(FRAME, np.column_stack([1 - np.array(positive), positive]))
    return scoring.evaluate(kind, ("NORMAL", "PNEUMONIA"), CFG, split(val), split(test))


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
    def split(positive: list[float]) -> scoring.Predictions:
        return scoring.Predictions(FRAME, np.column_stack([1 - np.array(positive), positive]))
    net = scoring.evaluate("network", ("NORMAL", "PNEUMONIA"), CFG, split([0.1, 0.2, 0.8, 0.9]),
                           split([0.1, 0.2, 0.8, 0.9]), {"darker": split([0.6, 0.2, 0.8, 0.9])})
    results = {"net": net, "dummy": result("dummy", [0.5] * 4, [0.5] * 4)}
    table = leaderboard.markdown(leaderboard.build(results, "roc_auc"), results)
    assert "| model | unaltered | darker |" in table
    assert "| net | 1.000 / 1.000 | 1.000 / 0.500 |" in table
    assert leaderboard.build(results, "roc_auc")["val_shifted"] == {
        "net": {"worst_accuracy": 0.75, "worst_sensitivity": 1.0, "worst_specificity": 0.5}}


def test_external_sets_get_headline_columns_and_a_table_of_their_own():
    def split(positive: list[float]) -> scoring.Predictions:
        return scoring.Predictions(FRAME, np.column_stack([1 - np.array(positive), positive]))
    cfg = EvaluateConfig(**{**CFG.__dict__, "external": {"target": ExternalConfig(path="unused", calibrate="youden")}})
    # At the validation threshold (0.5) the target's normals are called sick; its own threshold (0.7) fixes it.
    net = scoring.evaluate("network", ("NORMAL", "PNEUMONIA"), cfg, split([0.1, 0.2, 0.8, 0.9]),
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
    def split(positive: list[float]) -> scoring.Predictions:
        return scoring.Predictions(FRAME, np.column_stack([1 - np.array(positive), positive]))
    cfg = EvaluateConfig(**{**CFG.__dict__, "external": {"target": ExternalConfig(path="unused", calibrate=None)}})
    net = scoring.evaluate("network", ("NORMAL", "PNEUMONIA"), cfg, split([0.1, 0.2, 0.8, 0.9]),
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


def test_three_classes_get_overall_and_per_class_columns_and_a_table():
    frame = pd.DataFrame({"path": list("abcdef"), "label": [0, 0, 1, 1, 2, 2], "patient_id": list("abcdef")})
    probabilities = np.array([[0.8, 0.1, 0.1], [0.6, 0.3, 0.1], [0.1, 0.7, 0.2],
                              [0.2, 0.3, 0.5], [0.1, 0.2, 0.7], [0.3, 0.3, 0.4]])
    names = ("NORMAL", "BACTERIA", "VIRUS")
    split = scoring.Predictions(frame, probabilities)
    results = {"net": scoring.evaluate("network", names, CFG, split, split),
               "dummy": scoring.evaluate("dummy", names, CFG, split, split)}
    board = leaderboard.build(results, "roc_auc")
    row = board["classes"]["net"]
    # Threshold 0.5 on p(not NORMAL) = 0.2, 0.4, 0.9, 0.8, 0.9, 0.7: called NORMAL, NORMAL, BACTERIA, VIRUS, VIRUS,
    # VIRUS: one bacterial film called viral.
    assert row["accuracy"] == round(5 / 6, 6) and row["BACTERIA_sensitivity"] == 0.5
    assert row["BACTERIA_accuracy"] == round(5 / 6, 6)  # bacterial vs otherwise
    assert row["VIRUS_specificity"] == 0.75 and row["NORMAL_roc_auc"] == 1.0
    table = leaderboard.markdown(board, results)
    assert "NORMAL / BACTERIA / VIRUS, test split" in table
    assert "| net | 0.833 | " in table
    assert "studies" not in board


def test_studies_get_study_level_columns_beside_image_level():
    # Two images a study; study probabilities (means) 0.15, 0.35, 0.75, 0.65 for labels 0, 0, 1, 1.
    frame = pd.DataFrame({"path": list("abcdefgh"), "label": [0, 0, 0, 0, 1, 1, 1, 1],
                          "patient_id": list("aabbccdd"), "study_id": list("wwxxyyzz")})
    positive = np.array([0.1, 0.2, 0.6, 0.1, 0.9, 0.6, 0.4, 0.9])
    split = scoring.Predictions(frame, np.column_stack([1 - positive, positive]))
    results = {"net": scoring.evaluate("network", ("NORMAL", "ABNORMAL"), CFG, split, split)}
    board = leaderboard.build(results, "roc_auc")
    assert board["studies"]["net"] == {"accuracy": 1.0, "sensitivity": 1.0, "specificity": 1.0, "cohen_kappa": 1.0}
    assert board["test"]["net"]["accuracy"] < 1.0  # image level: c (0.6) and g (0.4) are wrong at any threshold
    table = leaderboard.markdown(board, results)
    assert "Study level (4 test studies" in table and "| net | " in table.split("Study level")[1]
