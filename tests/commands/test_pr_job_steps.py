""".ci/pr-job's quick steps, run as the workflow runs them: the runner choice, the cloud launch's spot fallback and
the comment file when the runner sent no report. The steps that need a repository, a git origin and a DVC remote
run end to end in tests/e2e/test_pr_job.py.
"""
import os
import subprocess
from pathlib import Path

import pytest

from conftest import REPO

PR_JOB = REPO / ".ci" / "pr-job"


def job(*arguments: str, env: dict[str, str] | None = None, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(PR_JOB), *arguments], capture_output=True, text=True, timeout=60, cwd=cwd,
                          env={**os.environ, **(env or {})})


@pytest.mark.parametrize("value, kind, runs_on", [
    ("self-hosted:cml-gpu", "self-hosted", '["self-hosted","cml-gpu"]'),
    ("github:gpu-t4-4-core", "github", '"gpu-t4-4-core"'),
    # Until launch-runner has started the instance, the job is placed on a free machine (cml.yml).
    ("aws:g4dn.xlarge", "aws", '"ubuntu-latest"'),
])
def test_the_runner_variable_becomes_the_jobs_outputs(value: str, kind: str, runs_on: str):
    result = job("runner", env={"XRAYLAB_PR_RUNNER": value})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"kind={kind}", f"runs-on={runs_on}"]


@pytest.mark.parametrize("value", ["", "gpu", "self-hosted:", "azure:nc6", "github:a b", 'self-hosted:x"]'])
def test_a_missing_or_bad_runner_variable_is_one_line_naming_what_to_set(value: str):
    result = job("runner", env={"XRAYLAB_PR_RUNNER": value})
    assert result.returncode == 1 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("pr-job: XRAYLAB_PR_RUNNER ")
    assert "set the repository variable XRAYLAB_PR_RUNNER to self-hosted:<label>" in line


def test_the_check_names_the_secrets_a_cloud_runner_needs_before_anything_else():
    no_token = job("check", env={"XRAYLAB_PR_RUNNER": "aws:g4dn.xlarge", "CML_REPO_TOKEN": ""})
    assert no_token.returncode == 1 and "the CML_REPO_TOKEN secret is not set" in no_token.stderr
    no_keys = job("check", env={"XRAYLAB_PR_RUNNER": "aws:g4dn.xlarge", "CML_REPO_TOKEN": "t",
                                "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""})
    assert no_keys.returncode == 1 and "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY secrets are not set" in no_keys.stderr


def recording_cml(folder: Path, refuse_spot: bool) -> dict[str, str]:
    """A `cml` on PATH that records its arguments (the real one is not installable here: the npm registry these
    machines reach has no @dvcorg/cml; tests/test_workflows.py checks the flags against CML's own definitions)."""
    folder.mkdir()
    script = folder / "cml"
    script.write_text("#!/usr/bin/env bash\n"
                      f'echo "$*" >> "{folder}/calls"\n'
                      + ('[[ " $* " == *" --cloud-spot "* ]] && { echo "no spot capacity" >&2; exit 1; }\n'
                         if refuse_spot else "")
                      + "exit 0\n")
    script.chmod(0o755)
    return {"PATH": f"{folder}:{os.environ['PATH']}", "XRAYLAB_PR_RUNNER": "aws:g4dn.xlarge",
            "CLOUD_REGION": "us-west", "CLOUD_HDD_SIZE": "50", "CLOUD_IDLE_TIMEOUT": "300"}


def test_the_cloud_launch_asks_for_spot_first_and_falls_back_to_on_demand(tmp_path: Path):
    env = recording_cml(tmp_path / "bin", refuse_spot=True)
    result = job("launch", "cml-gpu-7-2", env=env)
    assert result.returncode == 0, result.stderr
    spot, on_demand = (tmp_path / "bin" / "calls").read_text().splitlines()
    options = ("runner launch --cloud=aws --cloud-region=us-west --cloud-type=g4dn.xlarge --cloud-hdd-size=50 "
               "--idle-timeout=300 --labels=cml-gpu-7-2 --single")
    assert spot == options + " --cloud-spot" and on_demand == options
    assert "launching it on demand" in result.stderr


def test_a_granted_spot_instance_is_launched_once(tmp_path: Path):
    env = recording_cml(tmp_path / "bin", refuse_spot=False)
    assert job("launch", "cml-gpu-7-1", env=env).returncode == 0
    assert (tmp_path / "bin" / "calls").read_text().count("runner launch") == 1


def test_without_a_report_the_comment_names_the_failed_jobs(tmp_path: Path):
    out = tmp_path / "pr-job"
    result = job("comment", str(out), env={
        "JOB_RESULTS": "check=success launch-runner=failure reproduce=skipped",
        "RUN_URL": "https://github.com/o/r/actions/runs/7"})
    assert result.returncode == 0, result.stderr
    text = (out / "report.md").read_text()
    assert "**No report: launch-runner (failure)**" in text and "https://github.com/o/r/actions/runs/7" in text
    assert "reproduce" not in text  # skipped, not failed


def test_a_report_that_came_back_is_posted_as_written_with_failed_jobs_below(tmp_path: Path):
    out = tmp_path / "pr-job"
    out.mkdir()
    (out / "report.md").write_text("## xraylab: pull-request report\n\nnumbers\n")
    job("comment", str(out), env={"JOB_RESULTS": "check=success launch-runner=skipped reproduce=success"})
    assert (out / "report.md").read_text() == "## xraylab: pull-request report\n\nnumbers\n"
    job("comment", str(out), env={"JOB_RESULTS": "check=success launch-runner=skipped reproduce=failure"})
    assert (out / "report.md").read_text().endswith("Failed jobs in this run: reproduce (failure). \n")
