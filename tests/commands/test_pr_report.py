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
        import json, os, yaml
        rate = yaml.safe_load(open("params.yaml"))["model"]["learning_rate"]
        json.dump({"accuracy": round(0.5 + rate, 4)}, open("metrics.json", "w"))
        os.makedirs("metrics", exist_ok=True)
        json.dump({"net": {"val": {"roc_auc": round(0.8 + rate / 2, 4)}}}, open("metrics/headline.json", "w"))
        json.dump([{"step": step, "loss": round(1 / (1 + rate * step), 4)} for step in range(5)],
                  open("curve.json", "w"))
        json.dump([{"step": step, "loss": 1.0} for step in range(5)], open("flat.json", "w"))
    """))
    (repo / "dvc.yaml").write_text(textwrap.dedent(f"""
        stages:
          score:
            cmd: {sys.executable} score.py
            deps: [score.py]
            params: [model.learning_rate]
            metrics:
              - metrics/headline.json:
                  cache: false
              - metrics.json:
                  cache: false
            plots:
              - curve.json:
                  cache: false
                  x: step
                  y: loss
              - flat.json:
                  cache: false
                  x: step
                  y: loss
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
    metric_row = next(line for line in report.splitlines() if line.startswith("|") and "accuracy" in line)
    assert "0.6" in metric_row and "0.75" in metric_row and "0.15" in metric_row


def test_the_headline_leads_other_numbers_fold_and_changed_plots_become_images(two_commits: Path, tmp_path: Path):
    """Between two revisions (no workspace), as the pull-request job calls it."""
    plots = tmp_path / "report" / "plots"
    report = sh(sys.executable, "-m", "xraylab", "report", "--base", "main", "--head", "change", "--plots",
                str(plots), cwd=two_commits)
    assert report.startswith("## xraylab: `change` against `main`")
    headline, rest = report.split("<details>")
    assert "| metrics/headline.json | net.val.roc_auc | 0.8500 | 0.9250 | 0.0750 |" in headline
    assert "metrics.json | accuracy" not in headline and "| metrics.json | accuracy | 0.6000 | 0.7500 |" in rest
    # The curve changed with the learning rate and is drawn; the flat plot did not and is left out.
    assert "![curve](plots/curve.png)" in report and "flat" not in report
    assert [path.name for path in plots.iterdir()] == ["curve.png"]
    assert (plots / "curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_unknown_base_is_one_clear_line(two_commits: Path):
    result = subprocess.run([sys.executable, "-m", "xraylab", "report", "--base", "no-such-branch"],
                            cwd=two_commits, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert result.stderr.startswith("error: `dvc params diff no-such-branch --json` failed")
    assert "Traceback" not in result.stderr


def test_nothing_changed_gives_sentences_not_empty_tables(two_commits: Path):
    """DVC's own `params diff --md` prints a table header with no rows when no param changed."""
    report = sh(sys.executable, "-m", "xraylab", "report", "--base", "change", "--head", "change", cwd=two_commits)
    assert "No params changed." in report and "No headline score changed." in report
    assert "| param |" not in report and "|--" not in report
