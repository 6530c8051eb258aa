"""`data.task: three_class` (NORMAL / BACTERIA / VIRUS, from the Kermany file names) through every stage, the
CLI and the page: `dvc repro` on a copy of the session's shared pipeline run with the task switched."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from browser import open_page, serving, shown_prediction, upload
from conftest import sample_images
from fresh_repo import dvc_env, edit_params, run

from xraylab import labels

pytestmark = pytest.mark.slow
NAMES = ["NORMAL", "BACTERIA", "VIRUS"]


def test_three_classes_through_evaluate_gradcam_convert_predict_and_the_page(reproduced, browser, tmp_path: Path):
    repo = reproduced.copy(tmp_path / "xraylab")
    edit_params(repo, lambda params: params["data"].update(task="three_class"))
    log = run("dvc", "repro", cwd=repo)
    for stage in ("split", "train@custom_cnn", "train@rf", "evaluate", "gradcam", "convert"):
        assert f"Running stage '{stage}'" in log

    # evaluate: per-class scores for every model, on val, test and the external set, and a 3 x 3 confusion.
    for name in ("custom_cnn", "rf"):
        result = json.loads((repo / "metrics" / "eval" / f"{name}.json").read_text())
        assert set(result["classes"]) == {"val", "test", "films"}
        test = result["classes"]["test"]
        assert set(test["per_class"]) == set(NAMES)  # (the JSON files keep their keys sorted)
        assert np.asarray(test["confusion"]).shape == (3, 3)
        assert np.asarray(test["confusion"]).sum() == len(pd.read_csv(repo / "data" / "splits" / "test.csv"))
        predictions = pd.read_csv(repo / "metrics" / "predictions" / f"{name}.csv")
        rows = predictions[predictions["split"] == "test"]
        probabilities = rows[[f"probability_{name}" for name in NAMES]].to_numpy()
        np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
        called = labels.predicted(probabilities, result["threshold"])
        assert rows["predicted_class"].tolist() == [NAMES[index] for index in called]
        assert (rows["label"] == 2).any()  # viral films are in the test split, not folded into another class
    board = json.loads((repo / "metrics" / "leaderboard.json").read_text())
    assert set(board["classes"]) == {"custom_cnn", "rf", "dummy"}
    assert "NORMAL / BACTERIA / VIRUS, test split" in (repo / "metrics" / "leaderboard.md").read_text()

    # gradcam: sections by true class.
    index = (repo / "reports" / "gradcam" / "custom_cnn" / "index.md").read_text()
    for name in NAMES:
        assert f"## {name} right" in index and f"## {name} wrong" in index

    # convert: a softmax head with the closed-form heat-map.
    meta = json.loads((repo / "docs" / "model" / "meta.json").read_text())
    assert meta["class_names"] == NAMES and meta["heatmap"] is True

    # predict: each class's probability, "not NORMAL" as the positive probability, a three-way label.
    film = tmp_path / "film.png"
    with Image.open(sample_images("test", "PNEUMONIA", 1)[0]) as image:
        image.convert("L").save(film)  # lossless: browser and TensorFlow decode the same pixels
    printed = subprocess.run([sys.executable, "-m", "xraylab", "predict", str(film), "--model", "custom_cnn",
                              "--json"], cwd=repo, capture_output=True, text=True, env=dvc_env(), timeout=300)
    assert printed.returncode == 0, printed.stderr
    said = json.loads(printed.stdout.strip().splitlines()[-1])
    assert said["positive_class"] == "PNEUMONIA" and list(said["classes"]) == NAMES
    assert said["probability"] == pytest.approx(1 - said["classes"]["NORMAL"], abs=1e-5)
    assert said["label"] == NAMES[labels.predicted(np.array([list(said["classes"].values())]), said["threshold"])[0]]

    # The page: the same probabilities and label as predict.
    with serving(repo / "docs") as url:
        page, _ = open_page(browser, url, "?model=pipeline")
        assert page.evaluate("window.xraylab.threshold") == pytest.approx(said["threshold"])  # the same model's
        upload(page, film)
        shown = shown_prediction(page)
        note = page.text_content("#threshold-note")
    assert shown["probability"] == pytest.approx(said["probability"], abs=1e-3)
    assert shown["classes"] == pytest.approx(list(said["classes"].values()), abs=1e-3)
    assert shown["label"] == said["label"] or abs(said["probability"] - said["threshold"]) < 1e-3
    assert note.startswith("Called PNEUMONIA at a probability of") and "then the more probable of BACTERIA and VIRUS" in note
