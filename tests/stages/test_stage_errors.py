"""Stage scripts turn a user's mistake into one line on stderr and exit 1, without a traceback."""
import shutil
import subprocess
import sys
from pathlib import Path

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


def test_unknown_model_and_missing_inputs(tmp_path: Path):
    shutil.copyfile(REPO / "params.yaml", tmp_path / "params.yaml")
    unknown = run_stage("train.py", "resnet9", cwd=tmp_path)
    assert unknown.returncode == 1 and "error: models.resnet9 is missing from params.yaml" in unknown.stderr
    missing = run_stage("split.py", cwd=tmp_path)
    assert missing.returncode == 1
    assert "error: manifest data/raw/manifest.csv not found; run the stage that writes it" in missing.stderr
    assert "Traceback" not in unknown.stderr + missing.stderr
