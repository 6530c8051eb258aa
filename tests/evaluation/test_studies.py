"""Study-level scoring on a synthetic MURA set: a study's probability is the mean of its images'."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from xraylab.config import EvaluateConfig
from xraylab.data import mura, synthetic
from xraylab.errors import UserError
from xraylab.evaluation import scoring, studies

CFG = EvaluateConfig(threshold="youden", select_metric="roc_auc", bootstrap_resamples=50, bootstrap_seed=0,
                     confidence=0.95, calibration_bins=10)


@pytest.fixture
def mura_frame(tmp_path: Path) -> pd.DataFrame:
    synthetic.write_mura(tmp_path / "MURA-v1.1", patients=30, seed=2)
    return mura.scan(tmp_path / "MURA-v1.1")


def test_studies_average_their_images(mura_frame: pd.DataFrame):
    probabilities = np.random.default_rng(0).random(len(mura_frame))
    table = studies.aggregate(mura_frame, probabilities)
    assert len(table) == mura_frame["study_id"].nunique() < len(mura_frame)
    first = table.iloc[0]
    members = (mura_frame["study_id"] == first["study_id"]).to_numpy()
    assert first["probability"] == pytest.approx(probabilities[members].mean())
    assert first["label"] == mura_frame.loc[members, "label"].iloc[0]


def test_a_study_with_mixed_labels_is_refused(mura_frame: pd.DataFrame):
    broken = mura_frame.copy()
    sizes = broken["study_id"].value_counts()
    study = sizes.index[sizes > 1][0]  # a study of several images: one of them relabelled
    rows = broken.index[broken["study_id"] == study]
    broken.loc[rows[0], "label"] = 1 - broken.loc[rows[0], "label"]
    with pytest.raises(UserError, match=f"study {study} has images with different labels"):
        studies.aggregate(broken, np.zeros(len(broken)))
    with pytest.raises(UserError, match="need a study_id column"):
        studies.aggregate(broken.drop(columns="study_id"), np.zeros(len(broken)))


def test_evaluation_adds_study_level_scores_for_mura(mura_frame: pd.DataFrame):
    # An informative but noisy model: images of abnormal studies score higher on average.
    rng = np.random.default_rng(1)
    positive = np.clip(0.35 * mura_frame["label"].to_numpy() + 0.65 * rng.random(len(mura_frame)), 0, 1)
    probabilities = np.column_stack([1 - positive, positive])
    val = mura_frame["source_split"] == "train"
    predictions = {split: scoring.Predictions(mura_frame[mask].reset_index(drop=True), probabilities[mask.to_numpy()])
                   for split, mask in (("val", val), ("test", ~val))}
    result = scoring.evaluate("network", ("normal", "abnormal"), CFG, predictions["val"], predictions["test"])
    study_level = result["studies"]
    assert study_level["count"]["test"] == mura_frame[~val]["study_id"].nunique()
    # Averaging a study's images cancels image noise: studies are told apart better than images.
    assert study_level["test"]["scores"]["roc_auc"] > result["test"]["scores"]["roc_auc"]
    low, high = study_level["test"]["interval"]["roc_auc"]
    assert low <= study_level["test"]["scores"]["roc_auc"] <= high
