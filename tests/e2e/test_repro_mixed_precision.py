"""A network trained under mixed_float16, the GPU's precision path (train.precision), through every stage after
training and into the page, on the CPU: `dvc repro` on a copy of the session's shared pipeline run."""
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from browser import open_page, python_reference, serving, shown_prediction, upload
from conftest import sample_images
from fresh_repo import edit_params, run

pytestmark = pytest.mark.slow


def test_a_mixed_precision_network_is_evaluated_explained_converted_and_shown(reproduced, browser, tmp_path: Path):
    repo = reproduced.copy(tmp_path / "xraylab")
    edit_params(repo, lambda params: params["train"].update(precision="mixed_float16"))
    log = run("dvc", "repro", cwd=repo)
    for stage in ("train@custom_cnn", "evaluate", "gradcam", "convert"):
        assert f"Running stage '{stage}'" in log
    assert "train: CPU, mixed precision" in log
    with zipfile.ZipFile(repo / "models" / "custom_cnn" / "model.keras") as archive:
        assert '"name": "mixed_float16"' in archive.read("config.json").decode()

    board = json.loads((repo / "metrics" / "leaderboard.json").read_text())
    assert 0.0 <= board["test"]["custom_cnn"]["roc_auc"] <= 1.0
    overlays = list((repo / "reports" / "gradcam").rglob("*.png"))
    assert overlays
    assert json.loads((repo / "docs" / "model" / "meta.json").read_text())["heatmap"] is True

    # The page runs the converted network: the probability and heat-map Python computes for the same film.
    film = tmp_path / "film.png"
    with Image.open(sample_images("test", "PNEUMONIA", 1)[0]) as image:
        image.convert("L").save(film)  # lossless: browser and TensorFlow decode the same pixels
    with serving(repo / "docs") as url:
        page, _ = open_page(browser, url, "?model=pipeline")
        upload(page, film)
        shown = shown_prediction(page)
    probability, heatmap = python_reference(repo / "models" / "custom_cnn", film)
    assert abs(shown["probability"] - probability) <= 1e-3
    browser_map = np.asarray(shown["heatmap"], np.float32).reshape(heatmap.shape)
    assert np.abs(browser_map - heatmap).max() < 0.01
