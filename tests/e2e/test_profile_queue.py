"""`xraylab profile --queue`: a profile becomes one queued experiment with its params. (The documented sweeps
themselves, queued and run two at a time, are checked where the docs test runs them: tests/e2e/test_docs.py.)"""
import json
from pathlib import Path

import pytest

from fresh_repo import fresh_repo, run

pytestmark = pytest.mark.slow


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
