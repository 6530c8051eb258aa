"""The pull-request job (.ci/pr-job, the script .github/workflows/cml.yml calls), end to end without GitHub.

As close to GitHub as this machine allows: `origin` is served over smart HTTP by `git http-backend` and demands a
token (tests/e2e/git_http.py); the runner's clone is configured as actions/checkout configures one (the token only
in the clone's local extraheader, no global git config); the DVC remote is the committed `s3://xraylab-dvc/cache`
on a real S3 API on 127.0.0.1 that checks credentials (moto, tests/e2e/s3_server.py), reached through the pinned
dvc-s3. "main" is the session's shared pipeline run, pushed to both; a pull-request branch changes one model's
params; fresh clones play the runner and run the job's own steps. Nothing is copied from the workflow.
What cannot run here: GitHub itself, `cml` (not installable from these registries) and a GPU.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import git_http
import s3_server
from fresh_repo import commit, dvc_env, edit_params, run

# One xdist group: the tests share the module's origin, S3 server and pull request (`pull_request`).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("pr-job")]

# The chain a change to models.rf reruns: check (params.yaml changed), the model, and what reads every model.
CHANGED_CHAIN = ["check", "train@rf", "evaluate", "gradcam", "convert"]
TOKEN = "ghs_pr-job-token"  # what GitHub gives the job as GITHUB_TOKEN
EXPERIMENT = "pr1-more-trees"
RUNNER = {"XRAYLAB_PR_RUNNER": "self-hosted:cml-gpu"}


def job(repo: Path, *arguments: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(repo / ".ci" / "pr-job"), *arguments], cwd=repo, capture_output=True,
                          text=True, timeout=1200, env={**dvc_env(), **(env or {})})


@pytest.fixture(scope="module")
def pull_request(reproduced, tmp_path_factory) -> dict:
    """origin (HTTP, token) with main, its results pushed to S3, and a branch `more-trees` that changes models.rf."""
    root = tmp_path_factory.mktemp("pr-job")
    served = root / "served"
    run("git", "init", "-q", "--bare", str(served / "origin.git"), cwd=root)
    # No global git config for anything the job runs: actions/checkout's token lives in the clone alone.
    home = root / "home"
    home.mkdir()
    with s3_server.serving() as s3, git_http.serving(served, TOKEN) as base:
        url = f"{base}/origin.git"
        env = {**s3.env(), "HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1"}
        main = reproduced.copy(root / "main")
        run("git", "branch", "-M", "main", cwd=main)
        # The author's clone pushes with the token in its URL.
        run("git", "remote", "add", "origin", url.replace("http://", f"http://x-access-token:{TOKEN}@"), cwd=main)
        point_at(s3, main)
        run("git", "push", "-q", "origin", "main", cwd=main)
        subprocess.run([sys.executable, "-m", "dvc", "push", "-q", "--run-cache"], cwd=main, check=True,
                       env={**dvc_env(), **env}, capture_output=True, timeout=1200)
        trees = yaml.safe_load((main / "params.yaml").read_text())["models"]["rf"]["grid"]["n_estimators"]
        run("git", "checkout", "-q", "-b", "more-trees", cwd=main)
        edit_params(main, lambda params: params["models"]["rf"]["grid"].update(n_estimators=[trees[0] * 2]))
        commit(main, "rf: twice the trees")
        run("git", "push", "-q", "origin", "more-trees", cwd=main)
        yield {"root": root, "url": url, "served": served, "s3": s3, "env": env, "main": main}


def point_at(s3: s3_server.S3, repo: Path) -> None:
    """The committed remote (s3://xraylab-dvc/cache), at this S3 API instead of AWS's: the one local setting."""
    run(sys.executable, "-m", "dvc", "remote", "modify", "--local", "storage", "endpointurl", s3.endpoint, cwd=repo)


def runner_clone(pull_request: dict, name: str, branch: str = "more-trees") -> Path:
    clone = git_http.checkout_clone(pull_request["url"], TOKEN, branch, pull_request["root"] / name)
    point_at(pull_request["s3"], clone)
    return clone


def origin_refs(pull_request: dict) -> dict[str, str]:
    listing = run("git", "for-each-ref", "--format=%(refname) %(objectname)", "refs/exps/",
                  cwd=pull_request["served"] / "origin.git", stdout_only=True)
    return {line.split()[0].rsplit("/", 1)[1]: line.split()[1] for line in listing.splitlines()}


def test_the_job_reruns_only_the_changed_chain_pushes_with_the_token_and_reports(pull_request):
    env, out = pull_request["env"], pull_request["root"] / "out"
    runner = runner_clone(pull_request, "runner")
    assert git_http.basic_header(TOKEN) in run("git", "config", "--local", "--list", cwd=runner, stdout_only=True)

    checked = job(runner, "check", env={**env, **RUNNER})
    assert checked.returncode == 0 and "is reachable" in checked.stdout, checked.stderr
    # This machine has no GPU: the job's GPU step must fail, naming why, before any training.
    gpu = job(runner, "gpu", env=env)
    assert gpu.returncode == 1 and "sees no GPU" in gpu.stderr

    reproduced = job(runner, "reproduce", "origin/main", EXPERIMENT, str(out), env=env)
    assert reproduced.returncode == 0, reproduced.stdout + reproduced.stderr
    assert (out / "ran.txt").read_text().split() == CHANGED_CHAIN
    head_log = (out / "head.log").read_text()
    for stage in ("download", "split", "balance", "train@custom_cnn"):
        assert f"Stage '{stage}' didn't change, skipping" in head_log
    # The unchanged network came from the S3 remote, byte for byte what main pushed.
    for name in ("model.keras", "model.json"):
        assert (runner / "models/custom_cnn" / name).read_bytes() == (
            pull_request["main"] / "models/custom_cnn" / name).read_bytes()
    # The same stages ran again at the base, on this machine, in the same order.
    base_log = (out / "base.log").read_text()
    assert [line.split("'")[1] for line in base_log.splitlines() if line.startswith("Running stage")] == CHANGED_CHAIN

    # The push as it was: git itself authenticates with the checkout's header, dulwich (dvc exp push) does not.
    assert "refs/heads/main" in run("git", "ls-remote", "origin", cwd=runner, stdout_only=True)
    unprepared = job(runner, "push", EXPERIMENT, env=env)
    assert unprepared.returncode != 0 and "Authentication failed" in unprepared.stderr
    assert origin_refs(pull_request) == {}
    prepared = job(runner, "prepare", env={**env, "REPO_TOKEN": TOKEN})
    assert prepared.returncode == 0, prepared.stderr
    assert "extraheader" not in run("git", "config", "--local", "--list", cwd=runner, stdout_only=True)
    pushed = job(runner, "push", EXPERIMENT, env=env)
    assert pushed.returncode == 0, pushed.stdout + pushed.stderr
    assert set(origin_refs(pull_request)) == {EXPERIMENT, f"{EXPERIMENT}-base"}
    again = job(runner, "push", EXPERIMENT, env=env)  # the same experiments once more: nothing to do, no error
    assert again.returncode == 0, again.stderr

    reported = job(runner, "report", EXPERIMENT, str(out), env={**env, "STEP_OUTCOMES": "gpu=success "
                   "reproduce=success prepare=success push=success"})
    assert reported.returncode == 0, reported.stderr
    report = (out / "report.md").read_text()
    assert "Failed on the runner" not in report
    assert "both sides were rerun on this runner" in report and "train@rf" in report
    assert "| models.rf.grid.n_estimators |" in report
    headline = report.split("### Headline")[1].split("### Beyond noise")[0]
    assert "| metrics/headline.json | rf.test.roc_auc |" in headline
    assert "custom_cnn" not in headline  # its model did not change, so neither did its scores
    paired = report.split("### Beyond noise")[1].split("<details>")[0]
    assert "| rf | test (213) | ROC AUC |" in paired and "| rf | test (213) | accuracy |" in paired
    assert "Same predictions on both sides: custom_cnn." in paired
    images = [line.split("(")[1].rstrip(")") for line in report.splitlines() if line.startswith("![")]
    assert "plots/metrics__plots__roc__rf.png" in images
    assert all((out / image).stat().st_size > 1000 for image in images)
    assert not any("custom_cnn" in image for image in images)
    comparison = yaml.safe_load((out / "paired.json").read_text())
    assert list(comparison["models"]) == ["rf"] and comparison["head"] == EXPERIMENT
    # What the comment job posts: the report as written (nothing failed), then cml comment update.
    posted = job(runner, "comment", str(out), env={"JOB_RESULTS": "check=success launch-runner=skipped "
                                                                   "reproduce=success"})
    assert posted.returncode == 0 and (out / "report.md").read_text() == report
    # The rendered example docs/pull-request-comment.md shows is this report.
    (pull_request["root"] / "example-comment.md").write_text(report)


def test_committed_results_are_compared_as_stored_and_a_rerun_pushes_again(pull_request):
    """This repository's habit: the author commits dvc.lock with the results and pushes the outputs, so nothing
    reruns on the runner; the report compares the stored results and says so. Then "Re-run all jobs": a fresh
    runner at the same commit pushes experiments of the same names again, replacing origin's."""
    env, root = pull_request["env"], pull_request["root"]
    author = root / "runner"  # the first test's runner holds the pull request's results: commit them as the author
    assert origin_refs(pull_request), "runs after the first test"
    run("git", "checkout", "-q", "-b", "more-trees-run", cwd=author)
    commit(author, "rf: twice the trees, with its results")
    subprocess.run([sys.executable, "-m", "dvc", "push", "-q"], cwd=author, check=True, env={**dvc_env(), **env},
                   capture_output=True, timeout=1200)
    run("git", "push", "-q", "origin", "more-trees-run", cwd=author)

    name, pushed_commits = "pr2-more-trees-run", []
    runner = runner_clone(pull_request, "rerun", "more-trees-run")
    for attempt in ("first", "again"):
        out = root / f"out-{attempt}"
        if attempt == "again":
            # "Re-run all jobs" on a fresh runner: no experiment of this name here, one on origin. Removing the local
            # one stands for the fresh runner (a new clone would only pull the same outputs again, for minutes).
            run(sys.executable, "-m", "dvc", "exp", "remove", name, cwd=runner)
        reproduced = job(runner, "reproduce", "origin/main", name, str(out), env=env)
        assert reproduced.returncode == 0, reproduced.stdout + reproduced.stderr
        assert (out / "ran.txt").read_text() == "" and "no stage reran" in reproduced.stdout
        assert "Running stage" not in (out / "head.log").read_text()
        assert job(runner, "prepare", env={**env, "REPO_TOKEN": TOKEN}).returncode == 0  # twice: idempotent too
        pushed = job(runner, "push", name, env=env)
        assert pushed.returncode == 0, pushed.stdout + pushed.stderr
        local = run("git", "for-each-ref", "--format=%(objectname) %(refname)", "refs/exps/", cwd=runner,
                    stdout_only=True)
        pushed_commits.append(next(line.split()[0] for line in local.splitlines() if line.endswith(f"/{name}")))
        assert origin_refs(pull_request)[name] == pushed_commits[-1]
    assert pushed_commits[0] != pushed_commits[1]  # the re-run's experiment replaced the first one on origin
    # Its outputs are on the remote.
    status = subprocess.run([sys.executable, "-m", "dvc", "status", "--cloud", "train@rf"], cwd=runner,
                            capture_output=True, text=True, env={**dvc_env(), **env}, timeout=600)
    assert status.returncode == 0 and "in sync" in status.stdout, status.stdout + status.stderr

    reported = job(runner, "report", name, str(out), env={**env, "STEP_OUTCOMES": "gpu=failure "
                   "reproduce=success prepare=success push=success"})
    assert reported.returncode == 0, reported.stderr
    report = (out / "report.md").read_text()
    assert "**Failed on the runner: gpu**" in report
    assert "no stage reran on this runner" in report and "changes no stage" not in report
    base = (out / "base.txt").read_text().strip()
    assert f"(`{base[:7]}`) as committed there" in report
    assert "| models.rf.grid.n_estimators |" in report
    assert "| rf | test (213) | ROC AUC |" in report.split("### Beyond noise")[1]


def test_a_fresh_clone_that_pulls_reruns_nothing(pull_request):
    clone_dir = runner_clone(pull_request, "fresh", branch="main")
    env = {**dvc_env(), **pull_request["env"]}
    subprocess.run([sys.executable, "-m", "dvc", "pull", "-q"], cwd=clone_dir, check=True, env=env, timeout=1200)
    log = subprocess.run([sys.executable, "-m", "dvc", "repro"], cwd=clone_dir, capture_output=True, text=True,
                         env=env, timeout=1200).stdout
    assert "Running stage" not in log and "Data and pipelines are up to date." in log
    assert (clone_dir / "models" / "custom_cnn" / "model.keras").is_file()  # pulled, not retrained


def test_the_check_fails_fast_in_one_line(pull_request, tmp_path: Path):
    env = pull_request["env"]
    repo = runner_clone(pull_request, "checkout", branch="main")
    unset = job(repo, "check", env={**env, "XRAYLAB_PR_RUNNER": ""})
    assert unset.returncode == 1 and unset.stderr.startswith("pr-job: XRAYLAB_PR_RUNNER is not set")
    bad_keys = job(repo, "check", env={**env, **RUNNER, "AWS_SECRET_ACCESS_KEY": "not-the-secret"})
    assert bad_keys.returncode == 1
    (line,) = bad_keys.stderr.strip().splitlines()
    assert line.startswith("pr-job: the DVC remote 'storage' (s3://xraylab-dvc/cache) cannot be read with these "
                           "credentials: ")
    unknown_key = job(repo, "check", env={**env, **RUNNER, "AWS_ACCESS_KEY_ID": "AKIANOSUCHKEY"})
    assert unknown_key.returncode == 1 and len(unknown_key.stderr.strip().splitlines()) == 1
    no_keys = job(repo, "check", env={**env, **RUNNER, "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""})
    assert no_keys.returncode == 1
    assert "is s3://xraylab-dvc/cache, but AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY are not set" in no_keys.stderr
    run(sys.executable, "-m", "dvc", "remote", "default", "--unset", cwd=repo)
    no_remote = job(repo, "check", env={**env, **RUNNER})
    assert no_remote.returncode == 1 and "no default DVC remote" in no_remote.stderr
