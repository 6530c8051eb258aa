"""Networks trained under mixed_float16, the GPU's precision path (train.precision), through every stage after
training and into the page, on the CPU: `dvc repro` on a copy of the session's shared pipeline run. One of them is a
transfer network (mobilenet_v3_small as a bottleneck): the pipeline run of the transfer code, which the report's
bigger backbones share (tests/models/test_transfer.py checks what differs between them)."""
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


def test_mixed_precision_networks_are_evaluated_explained_converted_and_shown(reproduced, browser, tmp_path: Path):
    repo = reproduced.copy(tmp_path / "xraylab")

    def edit(params: dict) -> None:
        params["train"].update(precision="mixed_float16", models=["custom_cnn", "rf", "mobilenet_v3_small"])
        params["models"]["mobilenet_v3_small"].update(image_size=32, mode="bottleneck")

    edit_params(repo, edit)
    log = run("dvc", "repro", cwd=repo)
    for stage in ("train@custom_cnn", "train@mobilenet_v3_small", "evaluate", "gradcam", "convert"):
        assert f"Running stage '{stage}'" in log
    assert "train: CPU, mixed precision" in log
    with zipfile.ZipFile(repo / "models" / "custom_cnn" / "model.keras") as archive:
        assert '"name": "mixed_float16"' in archive.read("config.json").decode()

    board = json.loads((repo / "metrics" / "leaderboard.json").read_text())
    for name in ("custom_cnn", "mobilenet_v3_small"):
        assert 0.0 <= board["test"][name]["roc_auc"] <= 1.0
        assert list((repo / "reports" / "gradcam" / name).glob("*.png")), f"no Grad-CAM overlays for {name}"
    meta = json.loads((repo / "docs" / "model" / "meta.json").read_text())
    assert meta["heatmap"] is True and meta["model"] == board["best_network"]

    # The page runs the converted network: the probability and heat-map Python computes for the same film.
    film = tmp_path / "film.png"
    with Image.open(sample_images("test", "PNEUMONIA", 1)[0]) as image:
        image.convert("L").save(film)  # lossless: browser and TensorFlow decode the same pixels
    with serving(repo / "docs") as url:
        page, _ = open_page(browser, url, "?model=pipeline")
        upload(page, film)
        shown = shown_prediction(page)
    probability, heatmap = python_reference(repo / "models" / meta["model"], film)
    assert abs(shown["probability"] - probability) <= 1e-3
    browser_map = np.asarray(shown["heatmap"], np.float32).reshape(heatmap.shape)
    assert np.abs(browser_map - heatmap).max() < 0.01
