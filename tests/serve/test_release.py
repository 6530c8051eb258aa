"""`xraylab release`: the operating threshold from target films, the model digest, and what it replaces."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

from xraylab import saved
from xraylab.errors import UserError
from xraylab.serve import gate, predict, release

SCORES = {"accuracy": 0.9, "sensitivity": 0.95, "specificity": 0.85, "roc_auc": 0.96, "pr_auc": 0.97, "f1": 0.92,
          "brier": 0.08, "ece": 0.05}


def scored(**changes) -> dict:
    return {"scores": {**SCORES, **changes}, "interval": {name: [0.0, 1.0] for name in SCORES}}


@pytest.fixture
def targeted(workspace: Path, tmp_path: Path) -> Path:
    """The shared workspace's metrics, with evaluate's scores on 40 target films (calibrated threshold 0.8)."""
    root = tmp_path / "workspace"
    shutil.copytree(workspace / "metrics", root / "metrics")
    result_path = root / "metrics" / "eval" / "custom_cnn.json"
    result = json.loads(result_path.read_text())
    result["external"] = {"target": {"count": 40, "at_val_threshold": scored(specificity=0.6),
                                     "calibrated": {"rule": "youden", "threshold": 0.8, **scored(specificity=0.9)}}}
    result_path.write_text(json.dumps(result))
    return root


def test_the_threshold_from_target_films_is_shipped_beside_the_validation_one(workspace: Path, targeted: Path,
                                                                             tmp_path: Path):
    release_dir = tmp_path / "release"
    release_dir.mkdir()
    (release_dir / "meta.json").write_text(json.dumps({"model": "custom_cnn", "experiment": "old-one",
                                                       "revision": "abc1234", "val": scored()}))
    independent = {"old-one": {"set": "the held-back films", "films": 329, "accuracy": 0.842, "roc_auc": 0.937,
                               "sensitivity": 0.991, "specificity": 0.569},
                   "new-one": {"set": "the held-back films", "films": 329, "threshold": 0.8, "accuracy": 0.897,
                               "roc_auc": 0.94, "sensitivity": 0.925, "specificity": 0.845}}
    meta = release.write("custom_cnn", REPO / "params.yaml", workspace / "models", targeted / "metrics", release_dir,
                         tmp_path / "site", experiment="new-one", threshold_from="target", independent=independent,
                         gates_dir=workspace / "gates")
    assert (meta["threshold"], meta["validation_threshold"]) == (0.8, 0.5)
    assert (meta["threshold_rule"], meta["threshold_set"]) == ("youden on target", "target")
    assert meta["model_digest"] == saved.digest(release_dir / "model")
    assert meta["replaces"]["experiment"] == "old-one" and meta["replaces"]["independent"]["films"] == 329
    assert json.loads((tmp_path / "site" / "meta.json").read_text()) == meta
    chosen = predict.resolve_model("release", workspace / "models", targeted / "metrics", release_dir)
    assert (chosen.threshold, chosen.threshold_source) == (0.8, "target")  # what predict and calibrate start from

    card = release.card_table(meta)
    assert "Operating threshold 0.8000 (youden on target: picked on those target films" in card
    assert "| metric | validation | held-out (same distribution) | target (40 films, chose the model) |" in card
    specificity = next(line for line in card.splitlines() if line.startswith("| specificity |"))
    assert specificity.endswith("| 0.900 [0.000, 1.000] |")  # the target films at the operating threshold
    assert "It replaces `old-one`" in card and "specificity 0.569, ROC AUC 0.937" in card
    assert meta["independent"]["accuracy"] == 0.897  # its own, once scored outside the project
    assert ("Scored independently on 329 films of the held-back films, at its operating threshold 0.800: accuracy "
            "0.897, sensitivity 0.925, specificity 0.845, ROC AUC 0.940.") in card


def test_a_set_without_a_calibrated_threshold_is_refused(workspace: Path, tmp_path: Path):
    with pytest.raises(UserError, match="--threshold-from target: metrics/eval/custom_cnn.json has no calibrated "
                                        "threshold for that set"):
        release.write("custom_cnn", REPO / "params.yaml", workspace / "models", workspace / "metrics",
                      tmp_path / "release", tmp_path / "site", threshold_from="target")
    assert not (tmp_path / "release").exists() and not (tmp_path / "site").exists()


def test_the_gate_ships_with_the_release_and_must_fit_its_input(workspace: Path, sample_gate, tmp_path: Path):
    release.write("custom_cnn", REPO / "params.yaml", workspace / "models", workspace / "metrics", tmp_path / "release",
                  tmp_path / "site", gates_dir=workspace / "gates")
    assert (tmp_path / "release" / "gate.json").read_text() == (workspace / "gates" / "custom_cnn.json").read_text()
    assert json.loads((tmp_path / "site" / "meta.json").read_text())["gate"]["checks"] == list(gate.CHECKS)

    # A gate fitted for another input (sample_gate: 128 px; this model takes 32 px) is refused, nothing written.
    sample_gate.write(tmp_path / "other" / "custom_cnn.json")
    with pytest.raises(UserError, match="fitted for 128 px inputs with 1 channel.s., but custom_cnn takes 32 px with 1: run `dvc repro evaluate`"):
        release.write("custom_cnn", REPO / "params.yaml", workspace / "models", workspace / "metrics",
                      tmp_path / "second", tmp_path / "second-site", gates_dir=tmp_path / "other")
    assert not (tmp_path / "second").exists() and not (tmp_path / "second-site").exists()


def test_the_site_copy_is_converted_again_from_the_release_as_it_stands(workspace: Path, tmp_path: Path):
    release.write("custom_cnn", REPO / "params.yaml", workspace / "models", workspace / "metrics", tmp_path / "release",
                  tmp_path / "site", experiment="kept", gates_dir=workspace / "gates")
    written = (tmp_path / "release" / "meta.json").read_bytes()
    before = json.loads(written)
    weights = (tmp_path / "release" / "model" / "model.keras").read_bytes()
    shutil.rmtree(tmp_path / "site")
    meta = release.export_site(REPO / "params.yaml", tmp_path / "release", tmp_path / "site")
    assert meta == before == json.loads((tmp_path / "site" / "meta.json").read_text())
    # Read through its contract (xraylab.serve.contract) and written again: the same bytes, no key added.
    assert (tmp_path / "release" / "meta.json").read_bytes() == written
    assert (tmp_path / "release" / "model" / "model.keras").read_bytes() == weights
    assert (tmp_path / "site" / "model.json").is_file()


@pytest.mark.slow  # three DVC processes
def test_the_release_model_is_a_dvc_artifact_that_dvc_artifacts_get_fetches(tmp_path: Path):
    # A repository holding what git tracks of the release, with this dvc.yaml, and a version tag as `gto` (DVC's
    # registry) writes them: `dvc artifacts get` finds the tag, then copies the files at that commit.
    repo = tmp_path / "origin"
    for name in ("dvc.yaml", "params.yaml", "release/model/model.keras", "release/model/model.json"):
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO / name, repo / name)
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.com"]
    for command in (["git", "init", "-q"], [sys.executable, "-m", "dvc", "init", "-q"], ["git", "add", "-A"],
                    [*git, "commit", "-qm", "release"], [*git, "tag", "-a", "release-model@v1.0.0", "-m", "v1"]):
        subprocess.run(command, cwd=repo, check=True, capture_output=True)
    fetched = subprocess.run([sys.executable, "-m", "dvc", "artifacts", "get", str(repo), "release-model", "-o",
                              str(tmp_path / "got")], capture_output=True, text=True, cwd=tmp_path,
                             env={**os.environ, "DVC_NO_ANALYTICS": "1"})
    assert fetched.returncode == 0, fetched.stderr
    for name in ("model.keras", "model.json"):
        assert (tmp_path / "got" / name).read_bytes() == (REPO / "release" / "model" / name).read_bytes()
