"""MURA at study level: `dvc repro evaluate` with data.source mura on a MURA-layout folder of real X-ray files (a
copy of the session's shared pipeline run with the source switched); the leaderboard's study-level scores are
checked against the per-image predictions aggregated here. What MURA changes ends at evaluate (its folder's
reading, the patient split, the study scores): gradcam and convert read the same files for any source, and run
in every other pipeline test."""
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, cohen_kappa_score, recall_score

from fresh_repo import edit_params, real_mura, run

pytestmark = pytest.mark.slow


def test_mura_studies_are_scored_as_a_whole(reproduced, tmp_path: Path):
    mura = real_mura(tmp_path / "MURA-v1.1", {"train": 36, "valid": 14})
    repo = reproduced.copy(tmp_path / "xraylab")

    def use_mura(params: dict) -> None:
        params["data"].update(source="mura", mura={"path": str(mura)})
        params["evaluate"]["external"] = {}  # chest films are no external set for a musculoskeletal model

    edit_params(repo, use_mura)
    run("dvc", "repro", "evaluate", cwd=repo)

    valid_studies = (mura / "valid_labeled_studies.csv").read_text().split()
    for name in ("custom_cnn", "rf"):
        result = json.loads((repo / "metrics" / "eval" / f"{name}.json").read_text())
        studies = result["studies"]
        assert studies["count"]["test"] == len(valid_studies)  # MURA's valid split is the test split here
        # The aggregation, redone from the per-image predictions: a study's probability is its images' mean.
        predictions = pd.read_csv(repo / "metrics" / "predictions" / f"{name}.csv")
        test = predictions[predictions["split"] == "test"]
        by_study = test.groupby(test["path"].map(lambda path: str(Path(path).parent)), sort=False).agg(
            label=("label", "first"), probability=("probability", "mean"), images=("label", "size"))
        assert len(by_study) == len(valid_studies) and by_study["images"].max() > 1
        called = (by_study["probability"].to_numpy() >= studies["threshold"]).astype(int)
        expected = {"accuracy": accuracy_score(by_study["label"], called),
                    "sensitivity": recall_score(by_study["label"], called, zero_division=0),
                    "specificity": recall_score(by_study["label"], called, pos_label=0, zero_division=0),
                    "cohen_kappa": cohen_kappa_score(by_study["label"], called)
                    if len(np.union1d(by_study["label"], called)) > 1 else 0.0}
        for metric, value in expected.items():
            assert studies["test"]["scores"][metric] == pytest.approx(value, abs=1e-6), metric
    board = json.loads((repo / "metrics" / "leaderboard.json").read_text())
    assert set(board["studies"]) == {"custom_cnn", "rf", "dummy"}
    assert set(board["studies"]["rf"]) == {"accuracy", "sensitivity", "specificity", "cohen_kappa"}
    table = (repo / "metrics" / "leaderboard.md").read_text()
    assert f"Study level ({len(valid_studies)} test studies" in table
