"""`dvc repro` of the whole pipeline in a fresh git repository, on the embedded sample with tiny models."""
import json
import math
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import REPO

pytestmark = pytest.mark.slow


def run(*command: str, cwd: Path) -> str:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=1200,
                            env={**os.environ, "DVC_NO_ANALYTICS": "1"})
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


def tracked_copy(target: Path) -> None:
    """Copy what git tracks (as a fresh clone would have it), without outputs of earlier runs."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    for name in filter(None, files.decode().split("\0")):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target / name)


def tiny_params(repo: Path) -> None:
    params = yaml.safe_load((repo / "params.yaml").read_text())
    params["models"]["custom_cnn"].update(image_size=32, epochs=2, filters=[4, 8])
    params["models"]["rf"].update(image_size=12, cv_folds=2, grid={"n_estimators": [10], "max_depth": [None]})
    params["gradcam"]["per_outcome"] = 1
    (repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))


def finite_numbers(data) -> list[float]:
    if isinstance(data, dict):
        return [number for value in data.values() for number in finite_numbers(value)]
    if isinstance(data, list):
        return [number for value in data for number in finite_numbers(value)]
    return [data] if isinstance(data, (int, float)) and not isinstance(data, bool) else []


def declared_outputs(repo: Path) -> list[str]:
    lock = yaml.safe_load((repo / "dvc.lock").read_text())
    return sorted({out["path"] for stage in lock["stages"].values() for out in stage.get("outs", [])})


def test_repro_twice_on_a_fresh_repository(tmp_path: Path):
    repo = tmp_path / "xraylab"
    tracked_copy(repo)
    for path in ("dvc.lock", "metrics", "docs/model"):
        target = repo / path
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    tiny_params(repo)
    run("git", "init", "-q", cwd=repo)
    run("git", "add", "-A", cwd=repo)
    run("git", "-c", "user.name=test", "-c", "user.email=test@example.com", "commit", "-qm", "copy", cwd=repo)

    first = run("dvc", "repro", cwd=repo)
    for stage in ("download", "split", "balance", "train@custom_cnn", "train@rf", "evaluate", "gradcam",
                  "convert"):
        assert f"Running stage '{stage}'" in first

    outputs = declared_outputs(repo)
    assert "docs/model" in outputs and "models/custom_cnn" in outputs
    for path in outputs:
        assert (repo / path).exists(), path
    board = json.loads((repo / "metrics" / "leaderboard.json").read_text())
    assert set(board["test"]) == {"custom_cnn", "rf", "dummy"}
    numbers = finite_numbers(board)
    assert numbers and all(math.isfinite(number) for number in numbers)
    assert board["test"]["dummy"]["accuracy"] == pytest.approx(133 / 213, abs=1e-6)
    assert list((repo / "reports" / "gradcam" / "custom_cnn").glob("*.png"))
    assert json.loads((repo / "docs" / "model" / "meta.json").read_text())["model"] == "custom_cnn"

    second = run("dvc", "repro", cwd=repo)
    assert "Running stage" not in second
    assert "Data and pipelines are up to date" in run("dvc", "status", cwd=repo)

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
    assert set(changed) == {"train@rf"}
