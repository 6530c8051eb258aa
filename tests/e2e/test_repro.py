"""`dvc repro` of the whole pipeline in a fresh git repository, on the embedded sample with tiny models.

The run itself is the session's shared one (tests/conftest.py `reproduced`); this test checks what it made and
runs `dvc repro` again on a copy."""
import json
import math
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml

from fresh_repo import dvc_env, run

pytestmark = pytest.mark.slow


def finite_numbers(data) -> list[float]:
    if isinstance(data, dict):
        return [number for value in data.values() for number in finite_numbers(value)]
    if isinstance(data, list):
        return [number for value in data for number in finite_numbers(value)]
    return [data] if isinstance(data, (int, float)) and not isinstance(data, bool) else []


def declared_outputs(repo: Path) -> list[str]:
    lock = yaml.safe_load((repo / "dvc.lock").read_text())
    return sorted({out["path"] for stage in lock["stages"].values() for out in stage.get("outs", [])})


def test_repro_twice_on_a_fresh_repository(reproduced, tmp_path: Path):
    first = reproduced.log
    for stage in ("check", "download", "split", "balance", "train@custom_cnn", "train@rf", "evaluate",
                  "gradcam", "convert"):
        assert f"Running stage '{stage}'" in first
    repo = reproduced.copy(tmp_path / "xraylab")

    outputs = declared_outputs(repo)
    assert "docs/model" in outputs and "models/custom_cnn" in outputs
    for path in outputs:
        assert (repo / path).exists(), path
    board = json.loads((repo / "metrics" / "leaderboard.json").read_text())
    assert set(board["test"]) == {"custom_cnn", "rf", "dummy"}
    numbers = finite_numbers(board)
    assert numbers and all(math.isfinite(number) for number in numbers)
    assert board["test"]["dummy"]["accuracy"] == pytest.approx(133 / 213, abs=1e-6)
    # The external films: every model scored on them, at its validation threshold and at one of their own.
    assert set(board["external"]["films"]) == {"custom_cnn", "rf", "dummy"}
    assert board["external"]["films"]["dummy"]["accuracy"] == 0.5  # majority PNEUMONIA on 10 + 10 films
    assert {"roc_auc", "calibrated_threshold", "calibrated_accuracy"} <= set(board["external"]["films"]["rf"])
    scored = json.loads((repo / "metrics" / "eval" / "custom_cnn.json").read_text())["external"]["films"]
    assert scored["count"] == 20 and scored["calibrated"]["rule"] == "youden"
    assert "External set `films` (20 images)" in (repo / "metrics" / "leaderboard.md").read_text()
    # Each model's gate, fitted by evaluate, and what it refused of every set: none of these real films.
    assert board["refused"] == {name: {"val": 0.0, "test": 0.0, "films": 0.0} for name in ("custom_cnn", "rf")}
    refused = json.loads((repo / "metrics" / "eval" / "custom_cnn.json").read_text())["gate"]["films"]
    assert (refused["films"], refused["paths"]) == (20, [])
    assert json.loads((repo / "gates" / "custom_cnn.json").read_text())["image_size"] == 32
    assert list((repo / "reports" / "gradcam" / "custom_cnn").glob("*.png"))
    web_meta = json.loads((repo / "docs" / "model" / "meta.json").read_text())
    assert web_meta["model"] == "custom_cnn" and web_meta["heatmap"] is True
    assert web_meta["gate"]["checks"] == ["layout", "residual", "detail", "flatness"]  # the graph's `gate` output
    # The revision the pipeline ran at: the shared run committed its outputs on top of it since.
    assert web_meta["revision"] == run("git", "rev-parse", "--short", "HEAD~1", cwd=repo, stdout_only=True).strip()

    # `xraylab predict` gives an image the probability evaluate recorded for it.
    predictions = pd.read_csv(repo / "metrics" / "predictions" / "custom_cnn.csv")
    assert (predictions["split"] == "external:films").sum() == 20
    image = predictions[predictions["split"] == "test"].iloc[0]
    printed = json.loads(run("xraylab", "predict", "--json", image["path"], "--model", "custom_cnn", cwd=repo,
                             stdout_only=True))
    assert printed["probability"] == pytest.approx(image["probability"], abs=2e-6)
    for plot in ("roc", "precision_recall", "reliability", "confusion"):
        assert (repo / "metrics" / "plots" / plot / "custom_cnn.json").is_file()
    assert (repo / "reports" / "gradcam" / "custom_cnn" / "filters.png").is_file()

    second = run("dvc", "repro", cwd=repo)
    assert "Running stage" not in second
    assert "Data and pipelines are up to date" in run("dvc", "status", cwd=repo)

    # Every train stage is run-cacheable: with its model and log gone, `dvc repro` takes them back from DVC's
    # run-cache instead of training again (what a clone or an experiment that repeats a run gets).
    model_file = repo / "models" / "custom_cnn" / "model.keras"
    trained = model_file.read_bytes()
    shutil.rmtree(repo / "models" / "custom_cnn")
    shutil.rmtree(repo / "metrics" / "train" / "custom_cnn")
    restored = run("dvc", "repro", "train@custom_cnn", cwd=repo)
    assert "Stage 'train@custom_cnn' is cached - skipping run" in restored, restored
    assert model_file.read_bytes() == trained
    assert (repo / "metrics" / "train" / "custom_cnn" / "metrics.json").is_file()
    assert run("git", "status", "--porcelain", cwd=repo).strip() == ""

    # An edit to code a stage reaches only through other modules (bootstrap.py: evaluate imports scoring,
    # which imports it) makes that stage, and only the stages that run it, stale.
    bootstrap = repo / "xraylab" / "evaluation" / "bootstrap.py"
    original = bootstrap.read_text()
    bootstrap.write_text(original + "\n# edited\n")
    changed = json.loads(run("dvc", "status", "--json", cwd=repo).strip().splitlines()[-1])
    assert set(changed) == {"evaluate", "gradcam"}  # gradcam imports scoring too
    bootstrap.write_text(original)

    # A changed split fraction invalidates split (and so what follows it), not the download.
    params = yaml.safe_load((repo / "params.yaml").read_text())
    params["split"]["val_fraction"] = 0.25
    (repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    changed = json.loads(run("dvc", "status", "--json", cwd=repo).strip().splitlines()[-1])
    assert "split" in changed and "download" not in changed and "balance" not in changed

    # A changed model section invalidates that model's training only.
    params["split"]["val_fraction"] = 0.15
    params["models"]["rf"]["grid"]["n_estimators"] = [20]
    (repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    changed = json.loads(run("dvc", "status", "--json", cwd=repo).strip().splitlines()[-1])
    assert set(changed) == {"check", "train@rf"}  # check reads every param; its output stays the same

    # A bad value stops `dvc repro` at `check`, before DVC removes any stage's committed outputs.
    params["models"]["rf"]["cv_folds"] = 1
    (repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    failed = subprocess.run(["dvc", "repro"], cwd=repo, capture_output=True, text=True, env=dvc_env())
    assert failed.returncode != 0 and "error: models.rf.cv_folds" in failed.stderr + failed.stdout
    assert "Running stage 'train@rf'" not in failed.stdout
    assert run("git", "status", "--porcelain", cwd=repo).splitlines() == [" M params.yaml"]
