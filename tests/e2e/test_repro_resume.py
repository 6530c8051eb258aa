"""A `dvc repro` killed mid-training resumes at the epoch it reached and ends with the uninterrupted weights."""
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from fresh_repo import dvc_env, edit_params, run
from xraylab import saved

pytestmark = pytest.mark.slow
EPOCHS = 4


def longer_training(params: dict) -> None:
    # Early stopping never fires within four epochs at patience 4, so every epoch runs.
    params["models"]["custom_cnn"].update(epochs=EPOCHS)


def kill_after_epoch(repo: Path, epoch: int) -> None:
    """Start `dvc repro train@custom_cnn` and SIGKILL it, and the training under it, once `epoch` is saved."""
    marker = repo / "checkpoints" / "custom_cnn" / f"callbacks_epoch{epoch}.json"
    process = subprocess.Popen(["dvc", "repro", "train@custom_cnn"], cwd=repo, env=dvc_env(),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 600
    while not marker.exists():
        assert process.poll() is None, "training ended before it could be killed"
        assert time.monotonic() < deadline, f"{marker} never appeared"
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def weights(repo: Path) -> list[np.ndarray]:
    return saved.load(repo / "models" / "custom_cnn").model.get_weights()


def test_killed_training_resumes_and_matches_an_uninterrupted_run(reproduced, tmp_path: Path):
    # The uninterrupted run in a copy of its own: in the same repository DVC's run-cache would hand its model
    # back to the killed stage's rerun instead of running it (right, but not what a crash meets).
    reference = reproduced.copy(tmp_path / "reference")
    edit_params(reference, longer_training)
    run("dvc", "repro", "train@custom_cnn", cwd=reference)
    uninterrupted = weights(reference)
    curves = (reference / "metrics" / "train" / "custom_cnn" / "plots" / "metrics" / "eval" / "loss.tsv").read_text()
    assert not (reference / "checkpoints" / "custom_cnn").exists()  # removed once the model is saved

    repo = reproduced.copy(tmp_path / "xraylab")
    edit_params(repo, longer_training)
    kill_after_epoch(repo, 2)
    assert not (repo / "models" / "custom_cnn").exists()
    reached = max(int(path.stem.removeprefix("callbacks_epoch"))
                  for path in (repo / "checkpoints" / "custom_cnn").glob("callbacks_epoch*.json"))
    assert 2 <= reached < EPOCHS

    log = run("dvc", "repro", "train@custom_cnn", cwd=repo)
    # The counters may be one epoch ahead of Keras's backup if the kill fell between the two saves.
    assert any(f"train: resuming at epoch {epoch + 1} " in log for epoch in (reached, reached - 1)), log
    assert f"Epoch 1/{EPOCHS}" not in log
    for resumed, expected in zip(weights(repo), uninterrupted, strict=True):
        np.testing.assert_allclose(resumed, expected, rtol=1e-5, atol=1e-6)
    # The curves hold every epoch once, as the uninterrupted run logged them.
    assert (repo / "metrics" / "train" / "custom_cnn" / "plots" / "metrics" / "eval" / "loss.tsv").read_text() \
        == curves
    assert json.loads((repo / "metrics" / "train" / "custom_cnn" / "metrics.json").read_text())["step"] == EPOCHS - 1
    assert not (repo / "checkpoints" / "custom_cnn").exists()
    assert "Data and pipelines are up to date" in run("dvc", "status", "train@custom_cnn", cwd=repo)
