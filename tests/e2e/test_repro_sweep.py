"""The README's sweep: `dvc exp run --queue -S ...` over image size, learning rate and dropout, two at a time."""
import json
import time
from pathlib import Path

import pytest

from fresh_repo import fresh_repo, run

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("pipeline")]


def queue_settled(repo: Path) -> bool:
    status = run("dvc", "queue", "status", cwd=repo)
    return not any(word in status for word in ("Queued", "Running"))


def test_queued_sweep_runs_two_experiments_in_parallel(reproduced, tmp_path: Path):
    repo = reproduced.copy(tmp_path / "xraylab")
    lock = (repo / "dvc.lock").read_text()

    queued = run("dvc", "exp", "run", "--queue",
                 "-S", "models.custom_cnn.image_size=32,48",
                 "-S", "models.custom_cnn.learning_rate=0.002",
                 "-S", "models.custom_cnn.dropout=0.4", cwd=repo)
    assert queued.count("Queued experiment") == 2, queued
    run("dvc", "queue", "start", "-j", "2", cwd=repo)
    deadline = time.monotonic() + 900
    while not queue_settled(repo):
        assert time.monotonic() < deadline, run("dvc", "queue", "status", cwd=repo)
        time.sleep(2)
    status = run("dvc", "queue", "status", cwd=repo)
    assert status.count("Success") == 2 and "Failed" not in status, status

    shown = json.loads(run("dvc", "exp", "show", "--json", cwd=repo))
    experiments = [exp for commit_row in shown for exp in commit_row.get("experiments") or []]
    sizes = set()
    for experiment in experiments:
        data = experiment["revs"][0]["data"]
        custom_cnn = data["params"]["params.yaml"]["data"]["models"]["custom_cnn"]
        assert (custom_cnn["learning_rate"], custom_cnn["dropout"]) == (0.002, 0.4)
        sizes.add(custom_cnn["image_size"])
        board = data["metrics"]["metrics/leaderboard.json"]["data"]
        assert 0.0 <= board["test"]["custom_cnn"]["roc_auc"] <= 1.0
        # The dummy row does not depend on the model: every experiment scores the same test split.
        assert board["test"]["dummy"]["accuracy"] == pytest.approx(133 / 213, abs=1e-6)
    assert sizes == {32, 48}

    # The workspace the experiments were queued from is untouched.
    assert (repo / "dvc.lock").read_text() == lock
    assert run("git", "status", "--porcelain", cwd=repo).strip() == ""
    assert "Data and pipelines are up to date" in run("dvc", "status", cwd=repo)


def test_a_profile_queues_as_an_experiment_with_its_params(tmp_path: Path):
    repo = fresh_repo(tmp_path / "xraylab")
    profile = tmp_path / "wider.yaml"
    profile.write_text("models:\n  custom_cnn: {image_size: 40, filters: [6, 12]}\n")
    printed = run("xraylab", "profile", str(profile), "--queue", cwd=repo)
    assert "dvc exp run --queue -S models.custom_cnn.image_size=40 -S 'models.custom_cnn.filters=[6,12]'" in printed
    assert "Queued experiment" in printed
    queued = json.loads(run("dvc", "exp", "show", "--json", "--rev", "HEAD", cwd=repo))
    experiments = [exp for commit_row in queued for exp in commit_row.get("experiments") or []]
    assert len(experiments) == 1
    custom_cnn = experiments[0]["revs"][0]["data"]["params"]["params.yaml"]["data"]["models"]["custom_cnn"]
    assert (custom_cnn["image_size"], custom_cnn["filters"]) == (40, [6, 12])
    run("dvc", "queue", "remove", "--all", cwd=repo)
    assert run("git", "status", "--porcelain", cwd=repo).strip() == ""
