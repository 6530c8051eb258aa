"""`xraylab report` in a real git + DVC repository with two commits of different params."""
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest


def sh(*command: str, cwd: Path) -> str:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{' '.join(command)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def commit_run(repo: Path, learning_rate: float, message: str) -> None:
    (repo / "params.yaml").write_text(f"model:\n  learning_rate: {learning_rate}\n")
    sh(sys.executable, "-m", "dvc", "repro", "-q", cwd=repo)
    sh("git", "add", "-A", cwd=repo)
    sh("git", "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", message, cwd=repo)


@pytest.fixture
def two_commits(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    sh("git", "init", "-q", "-b", "main", cwd=repo)
    sh(sys.executable, "-m", "dvc", "init", "-q", cwd=repo)
    (repo / "score.py").write_text(textwrap.dedent("""
        import json, yaml
        rate = yaml.safe_load(open("params.yaml"))["model"]["learning_rate"]
        json.dump({"accuracy": round(0.5 + rate, 4)}, open("metrics.json", "w"))
    """))
    (repo / "dvc.yaml").write_text(textwrap.dedent(f"""
        stages:
          score:
            cmd: {sys.executable} score.py
            deps: [score.py]
            params: [model.learning_rate]
            metrics:
              - metrics.json:
                  cache: false
    """))
    commit_run(repo, 0.1, "base")
    sh("git", "checkout", "-q", "-b", "change", cwd=repo)
    commit_run(repo, 0.25, "change the learning rate")
    return repo


def test_report_shows_the_changed_param_and_metric_with_old_and_new_values(two_commits: Path):
    report = sh(sys.executable, "-m", "xraylab", "report", "--base", "main", cwd=two_commits)
    assert report.startswith("## xraylab: this branch against `main`")
    param_row = next(line for line in report.splitlines() if "model.learning_rate" in line)
    assert "0.1" in param_row and "0.25" in param_row
    metric_row = next(line for line in report.splitlines() if "accuracy" in line)
    assert "0.6" in metric_row and "0.75" in metric_row and "0.15" in metric_row


def test_unknown_base_is_one_clear_line(two_commits: Path):
    result = subprocess.run([sys.executable, "-m", "xraylab", "report", "--base", "no-such-branch"],
                            cwd=two_commits, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert result.stderr.startswith("error: `dvc params diff no-such-branch --md` failed")
    assert "Traceback" not in result.stderr
