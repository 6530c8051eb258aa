"""xraylab.evaluation.run: the evaluate stage's work on a trained model and real films, without a `dvc repro`."""
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import REPO, sample_images

from xraylab import config, saved
from xraylab.data import manifest
from xraylab.evaluation import eval_file, leaderboard, run
from xraylab.kinds import ModelKind


def films(split: str, each: int) -> pd.DataFrame:
    return pd.DataFrame([{"path": str(image), "label": label, "patient_id": image.stem}
                         for label, name in enumerate(("NORMAL", "PNEUMONIA")) for image in
                         sample_images(split, name, each)])


@pytest.fixture
def cfg(tmp_path: Path) -> config.Config:
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    params["train"]["models"] = ["custom_cnn"]
    params["evaluate"].update(bootstrap_resamples=20, shifts={"darker": {"gamma": 1.5}})
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
    return config.load(tmp_path / "params.yaml")


def test_every_model_and_the_dummy_are_scored_with_gates_and_refusals(workspace: Path, cfg: config.Config,
                                                                      tmp_path: Path):
    splits = {"train": films("train", 10), "val": films("test", 6), "test": films("test", 12)}
    for name, frame in splits.items():
        manifest.write(tmp_path / "splits" / f"{name}.csv", frame)
    evaluated = run.run(cfg, tmp_path / "splits", workspace / "models")

    assert list(evaluated.models) == ["custom_cnn", leaderboard.DUMMY]
    network, dummy = evaluated.models["custom_cnn"], evaluated.models[leaderboard.DUMMY]
    for model in (network, dummy):  # each result is the file eval_file reads back
        eval_file.EvalResult.from_json(model.result)
        assert list(model.rows["split"].unique()) == ["val", "test"] and len(model.rows) == 12 + 24
    # The network's scores are its own predictions at its validation threshold.
    probabilities = saved.load(workspace / "models" / "custom_cnn").predict(splits["test"])
    test_rows = network.rows[network.rows["split"] == "test"]
    assert test_rows["probability"].to_numpy() == pytest.approx(probabilities, abs=1e-6)
    assert network.result["test"]["scores"]["accuracy"] == pytest.approx(
        ((probabilities >= network.result["threshold"]) == (splits["test"]["label"] == 1)).mean(), abs=1e-6)
    assert set(network.result["val_shifted"]) == {"darker"} and sorted(network.plots) == [
        "confusion", "precision_recall", "reliability", "roc"]
    # The dummy is one more model: majority predictions, no image pipeline, so no shift, gate or plots.
    assert dummy.result["kind"] == ModelKind.DUMMY and dummy.plots == {}
    assert "val_shifted" not in dummy.result and "gate" not in dummy.result
    assert dummy.result["test"]["scores"]["accuracy"] == 0.5

    # The gate is fitted on the training films at the network's input, and counts what it refuses of each set.
    fitted = evaluated.gates["custom_cnn"]
    assert (fitted.image_size, fitted.channels, fitted.films) == (32, 1, 20)
    refused = network.result["gate"]
    assert (refused["val"]["films"], refused["test"]["films"]) == (12, 24)
    assert evaluated.board["refused"]["custom_cnn"] == {"val": refused["val"]["rate"],
                                                       "test": refused["test"]["rate"]}
    assert evaluated.board["best_model"] == "custom_cnn" and "| **custom_cnn**" in evaluated.table
