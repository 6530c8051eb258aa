"""The pull-request job (.ci/pr-job, the script .github/workflows/cml.yml calls), end to end without GitHub.

A bare git repository is `origin`, a local folder is the DVC remote. "main" is the session's shared pipeline run,
pushed to both; a pull-request branch changes one model's params; a fresh clone plays the runner and runs the
job's own steps. Nothing is copied from the workflow: the steps are the script's.
"""
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from fresh_repo import commit, dvc_env, edit_params, run

# One xdist group: the three tests share the module's origin, remote and pull request (`pull_request`).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("pr-job")]

# The chain a change to models.rf reruns: check (params.yaml changed), the model, and what reads every model.
CHANGED_CHAIN = ["check", "train@rf", "evaluate", "gradcam", "convert"]


def job(repo: Path, *arguments: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(repo / ".ci" / "pr-job"), *arguments], cwd=repo, capture_output=True,
                          text=True, timeout=1200, env={**dvc_env(), **(env or {})})


def clone(origin: Path, target: Path, branch: str, storage: Path) -> Path:
    """A fresh clone of `branch`, as a runner's checkout, with the DVC remote pointed at `storage` (the step a
    runner's credentials stand for: `--local`, so nothing committed changes)."""
    run("git", "clone", "-q", "--branch", branch, str(origin), str(target), cwd=origin.parent)
    run(sys.executable, "-m", "dvc", "remote", "modify", "--local", "storage", "url", str(storage), cwd=target)
    return target


@pytest.fixture(scope="module")
def pull_request(reproduced, tmp_path_factory) -> dict:
    """origin with main (results pushed to the DVC remote) and a branch `more-trees` that changes models.rf."""
    root = tmp_path_factory.mktemp("pr-job")
    origin, storage = root / "origin.git", root / "dvc-remote"
    run("git", "init", "-q", "--bare", str(origin), cwd=root)
    main = reproduced.copy(root / "main")
    run("git", "branch", "-M", "main", cwd=main)
    run("git", "remote", "add", "origin", str(origin), cwd=main)
    run(sys.executable, "-m", "dvc", "remote", "modify", "--local", "storage", "url", str(storage), cwd=main)
    run("git", "push", "-q", "origin", "main", cwd=main)
    run(sys.executable, "-m", "dvc", "push", "--run-cache", cwd=main)
    trees = yaml.safe_load((main / "params.yaml").read_text())["models"]["rf"]["grid"]["n_estimators"]
    run("git", "checkout", "-q", "-b", "more-trees", cwd=main)
    edit_params(main, lambda params: params["models"]["rf"]["grid"].update(n_estimators=[trees[0] * 2]))
    commit(main, "rf: twice the trees")
    run("git", "push", "-q", "origin", "more-trees", cwd=main)
    return {"root": root, "origin": origin, "storage": storage, "main": main}


def test_the_job_reruns_only_the_changed_chain_and_reports_it(pull_request):
    root, origin, storage = pull_request["root"], pull_request["origin"], pull_request["storage"]
    runner = clone(origin, root / "runner", "more-trees", storage)
    out = root / "out"

    checked = job(runner, "check")
    assert checked.returncode == 0 and "is reachable" in checked.stdout, checked.stderr
    # This machine has no GPU: the job's GPU step must fail, naming why, before any training.
    gpu = job(runner, "gpu")
    assert gpu.returncode == 1 and "sees no GPU" in gpu.stderr

    reproduced = job(runner, "reproduce", "origin/main", "pr1-more-trees", str(out))
    assert reproduced.returncode == 0, reproduced.stdout + reproduced.stderr
    assert (out / "ran.txt").read_text().split() == CHANGED_CHAIN
    head_log = (out / "head.log").read_text()
    for stage in ("download", "split", "balance", "train@custom_cnn"):
        assert f"Stage '{stage}' didn't change, skipping" in head_log
    # The unchanged network came from the remote, byte for byte what main pushed.
    for name in ("model.keras", "model.json"):
        assert (runner / "models/custom_cnn" / name).read_bytes() == (
            pull_request["main"] / "models/custom_cnn" / name).read_bytes()
    # The same stages ran again at the base, on this machine, in the same order.
    base_log = (out / "base.log").read_text()
    assert [line.split("'")[1] for line in base_log.splitlines() if line.startswith("Running stage")] == CHANGED_CHAIN
    # The workspace holds the pull request's results.
    params = yaml.safe_load((runner / "params.yaml").read_text())
    assert params["models"]["rf"]["grid"]["n_estimators"] != yaml.safe_load(
        run("git", "show", "origin/main:params.yaml", cwd=runner, stdout_only=True))["models"]["rf"]["grid"][
        "n_estimators"]

    pushed = job(runner, "push", "pr1-more-trees")
    assert pushed.returncode == 0, pushed.stdout + pushed.stderr
    refs = run("git", "ls-remote", str(origin), "refs/exps/*", cwd=root, stdout_only=True)
    assert refs.count("pr1-more-trees") == 2  # the experiment and its base

    reported = job(runner, "report", "pr1-more-trees", str(out))
    assert reported.returncode == 0, reported.stderr
    report = (out / "report.md").read_text()
    assert report.startswith("Stages rerun on this runner") and "train@rf" in report
    assert "| models.rf.grid.n_estimators |" in report
    headline = report.split("### Headline")[1].split("<details>")[0]
    assert "| metrics/headline.json | rf.test.roc_auc |" in headline
    assert "custom_cnn" not in headline  # its model did not change, so neither did its scores
    images = [line.split("(")[1].rstrip(")") for line in report.splitlines() if line.startswith("![")]
    assert "plots/metrics__plots__roc__rf.png" in images
    assert all((out / image).stat().st_size > 1000 for image in images)
    assert not any("custom_cnn" in image for image in images)


def test_a_fresh_clone_that_pulls_reruns_nothing(pull_request):
    clone_dir = clone(pull_request["origin"], pull_request["root"] / "fresh", "main", pull_request["storage"])
    run(sys.executable, "-m", "dvc", "pull", cwd=clone_dir)
    log = run(sys.executable, "-m", "dvc", "repro", cwd=clone_dir)
    assert "Running stage" not in log and "Data and pipelines are up to date." in log
    assert (clone_dir / "models" / "custom_cnn" / "model.keras").is_file()  # pulled, not retrained


def test_the_check_fails_fast_without_a_remote_or_credentials(pull_request, tmp_path: Path):
    repo = clone(pull_request["origin"], tmp_path / "checkout", "main", pull_request["storage"])
    run(sys.executable, "-m", "dvc", "remote", "modify", "--local", "--unset", "storage", "url", cwd=repo)
    no_keys = job(repo, "check", env={"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""})
    assert no_keys.returncode == 1
    assert "is s3://xraylab-dvc/cache, but AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY are not set" in no_keys.stderr
    run(sys.executable, "-m", "dvc", "remote", "default", "--unset", cwd=repo)
    no_remote = job(repo, "check")
    assert no_remote.returncode == 1 and "no default DVC remote" in no_remote.stderr
