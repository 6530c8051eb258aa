"""Stage scripts turn a user's mistake into one line on stderr and exit 1, without a traceback."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO


def run_stage(script: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(REPO / "stages" / script), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_bad_params_value(tmp_path: Path):
    params = (REPO / "params.yaml").read_text().replace("batch_size: 32", "batch_size: -3")
    (tmp_path / "params.yaml").write_text(params)
    result = run_stage("split.py", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "error: models.custom_cnn.batch_size must be an integer >= 1, got -3")
    assert "Traceback" not in result.stderr


@pytest.mark.slow  # a stage process each (TensorFlow starts in each)
def test_unknown_model_and_missing_inputs(tmp_path: Path):
    shutil.copyfile(REPO / "params.yaml", tmp_path / "params.yaml")
    unknown = run_stage("train.py", "resnet9", cwd=tmp_path)
    assert unknown.returncode == 1 and "error: models.resnet9 is missing from params.yaml" in unknown.stderr
    missing = run_stage("split.py", cwd=tmp_path)
    assert missing.returncode == 1
    assert "error: manifest data/raw/manifest.csv not found; run the stage that writes it" in missing.stderr
    assert "Traceback" not in unknown.stderr + missing.stderr


@pytest.mark.slow
def test_a_missing_or_malformed_external_folder_is_named_with_its_key(tmp_path: Path):
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    params["evaluate"]["external"] = {"site": {"path": str(tmp_path / "films")}}
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
    missing = run_stage("evaluate.py", cwd=tmp_path)
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
    assert missing.stderr.strip().splitlines()[-1] == (
        f"error: evaluate.external.site.path: folder {tmp_path / 'films'} not found; give a folder with NORMAL/ "
        "and PNEUMONIA/ inside")
    (tmp_path / "films" / "xrays").mkdir(parents=True)
    malformed = run_stage("evaluate.py", cwd=tmp_path)
    assert malformed.returncode == 1
    assert malformed.stderr.strip().splitlines()[-1].startswith(
        "error: evaluate.external.site.path: no Kermany layout (train/NORMAL, train/PNEUMONIA or NORMAL, PNEUMONIA) "
        f"found under {tmp_path / 'films'}")
