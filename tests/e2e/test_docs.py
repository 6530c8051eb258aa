"""Every command in the README's and docs/' shell blocks, run in order in a fresh repository.

The commands run as written, with bash (`xraylab` lines without shell syntax through its entry point in this
process: `run_in_process`), from the repository root, on the embedded sample with every model
shrunk (so they finish in seconds; the scores are not the point), in a copy of the session's shared pipeline
run (tests/conftest.py `reproduced`, which `dvc repro`-ed the same params). Where the docs name a reader's own data
(`my-films/`, `path/to/chest_xray/train`, the path profiles/release.yaml ships, ...), this test puts a small
real-image copy (a synthetic MURA folder for MURA, which cannot be shipped). A command that cannot run here is
listed in NOT_RUN with the reason; a research
experiment whose code other tests run is validated instead (VALIDATED, with where). The test fails if a listed
command is no longer in the docs; a new command runs.
"""
from __future__ import annotations

import contextlib
import glob
import json
import re
import shlex
import shutil
import socket
import subprocess
import time
import traceback
import urllib.request
from pathlib import Path

import pytest
import yaml

from conftest import REPO, SAMPLE, sample_images
from fresh_repo import commit, dvc_env, run
from xraylab.data import synthetic

DOCUMENTS = ("README.md", *sorted(str(path.relative_to(REPO)) for path in (REPO / "docs").glob("*.md")))
# Two runs, each a pytest-xdist group of its own (spread over the workers) in its own copy of the shared pipeline
# run: the experiments of reproducing.md, and every other command (the README, the guide, the results). Each
# part's commands depend only on each other (every experiment names the params it changes).
RESEARCH = "docs/reproducing.md"
PARTS = {
    "docs": lambda document, section: document == RESEARCH,
    "readme": lambda document, section: document != RESEARCH,
}
INSTALL = "pip install -r requirements.txt && "  # this environment was installed from it already
NOT_RUN = {
    "pip install -r requirements.txt && python -m pytest": "the test command: this test is part of its run",
    'python -m pytest -m "not slow"': "the fast lane: its tests are part of the same run as this one",
}
# Experiments of the research docs whose pipeline another end-to-end run already executes: `validate_experiment`
# checks them instead (DVC's own code applies each `-S`, every value of a sweep, to params.yaml; xraylab's schema
# validates the result; every data folder named must exist). Running them cost about ten minutes of the suite.
VALIDATED = {
    (RESEARCH, "dvc exp run -n msc-comparison"): "each model fits, saves, reloads and predicts in "
                                                 "tests/models/test_zoo.py; a local folder's pipeline: the release "
                                                 "profile's run below; several models through evaluate, gradcam and "
                                                 "convert: the shared pipeline run",
    (RESEARCH, "dvc exp run -n transfer-vs-scratch"): "vgg16 in tests/models/test_zoo.py, vgg16_imagenet in "
                                                      "tests/models/test_transfer.py; a transfer network's "
                                                      "pipeline: tests/e2e/test_repro_three_class.py",
    (RESEARCH, "dvc exp run -n bottleneck"): "a transfer network's pipeline: tests/e2e/test_repro_three_class.py; "
                                             "each backbone's build, feature split and Grad-CAM: "
                                             "tests/models/test_transfer.py (the run took six minutes)",
    (RESEARCH, "dvc exp run --queue"): "the bottleneck sweep: the guide's sweep runs the same queue",
    (RESEARCH, "dvc exp run -n lite-bottleneck"): "tests/e2e/test_repro_three_class.py runs efficientnet_lite0 as a "
                                                  "bottleneck with its ImageNet weights through every stage; Lite1 "
                                                  "and Lite2 are ported exactly (tests/models/test_efficientnet_lite.py)",
    (RESEARCH, "dvc exp run -n lite0-finetune"): "warm-up phases, their order and their resume: "
                                                 "tests/training/test_train.py; the rest is the bottleneck run's",
    (RESEARCH, "dvc exp run -n mura"): "tests/e2e/test_repro_mura.py runs the MURA pipeline to evaluate",
    (RESEARCH, "dvc exp run -n batch-normal2"): "a labels CSV of the local source: tests/data/test_local.py; the "
                                                "rest is the release profile's pipeline",
    ("docs/results.md", "dvc exp run -n three-class-release"): "tests/e2e/test_repro_three_class.py runs it",
    ("docs/guide.md", "dvc exp run -S data.source=local"): "a local folder's pipeline: the release profile's run",
    ("docs/guide.md", "dvc exp run -S 'train.models=[efficientnet_lite0]'"): (
        "tests/e2e/test_repro_three_class.py runs efficientnet_lite0 with its ImageNet weights through every stage "
        "and the page (at 32 px; at 224 px the run takes minutes)"),
    ("docs/results.md", "dvc exp run -S data.source=local"): "the same, for one model",
}


def validated(document: str, command: str) -> str | None:
    """Why `command` of `document` is validated rather than run (VALIDATED), or None."""
    return next((reason for (where, prefix), reason in VALIDATED.items()
                 if where == document and command.startswith(prefix)), None)


def validate_experiment(command: str, repo: Path, scratch: Path) -> int:
    """A documented `dvc exp run` checked without running it; returns how many parameter sets it stands for."""
    from dvc.utils import hydra

    from xraylab import config

    words = shlex.split(command.replace("$PWD", str(repo)))
    overrides = [words[index + 1] for index, word in enumerate(words) if word in ("-S", "--set-param")]
    combinations = hydra.get_hydra_sweeps({"params.yaml": overrides})  # as `dvc exp run` expands a sweep
    for combination in combinations:
        params = scratch / "params.yaml"
        shutil.copyfile(repo / "params.yaml", params)
        hydra.apply_overrides(params, combination["params.yaml"])
        cfg = config.load(params)
        folders = {"local": [cfg.data.local.path, cfg.data.local.labels_csv], "mura": [cfg.data.mura.path]}
        for folder in [*folders.get(cfg.data.source, []), *(entry.path for entry in cfg.evaluate.external.values())]:
            assert folder is None or (repo / folder).exists(), f"`{command}` names {folder}, which is not there"
    return len(combinations)


def commands(document: Path) -> list[tuple[str, str]]:
    """(section, command) of each line of a markdown file's ```bash blocks, the section being the `## ` heading above
    it: continuation lines joined, comments dropped."""
    found, section = [], ""
    for part in re.split(r"(```bash\n.*?```)", document.read_text(), flags=re.DOTALL):
        if not part.startswith("```bash"):
            headings = re.findall(r"^## (.+)$", part, flags=re.MULTILINE)
            section = headings[-1].strip() if headings else section
            continue
        for line in part.removeprefix("```bash\n").removesuffix("```").replace("\\\n", " ").splitlines():
            line = re.sub(r"\s+#.*$", "", line).strip()
            if line and not line.startswith("#"):
                found.append((section, re.sub(r"\s+", " ", line)))
    return found


def shared_data(root: Path) -> None:
    """What the docs expect beside the checkout, in miniature: Kermany's training split, the target films (from
    the sample's test split) and MURA."""
    kermany = root / "data" / "kermany-train-224"
    normal = sorted((SAMPLE / "train" / "NORMAL").glob("*.jpeg"))
    films = {"NORMAL": [image for image in normal if image.name.startswith("IM-")][:30] +  # both acquisition
                       [image for image in normal if image.name.startswith("NORMAL2-")][:30],  # batches
             "PNEUMONIA": sample_images("train", "PNEUMONIA", 60)}
    for name, images in films.items():
        (kermany / name).mkdir(parents=True)
        for image in images:
            shutil.copyfile(image, kermany / name / image.name)
    for name in ("NORMAL", "PNEUMONIA"):
        (root / "data" / "kermany-test-dev" / name).mkdir(parents=True)
        for image in sample_images("test", name, 12):
            shutil.copyfile(image, root / "data" / "kermany-test-dev" / name / image.name)
    synthetic.write_mura(root / "data" / "MURA-v1.1", patients=24, seed=0)


def placeholder_data(repo: Path, shared: Path) -> None:
    """The folders the README and the guide name as a reader's own (a folder with `NORMAL/` and `PNEUMONIA/`
    inside), inside the repository as written: the small copies `shared_data` made."""
    for name, source in (("my-films", "kermany-test-dev"), ("path/to/chest_xray/train", "kermany-train-224"),
                         ("path/to/target-films", "kermany-test-dev"), ("path/to/MURA-v1.1", "MURA-v1.1")):
        shutil.copytree(shared / "data" / source, repo / name)


def shrink_release_profile(repo: Path) -> None:
    """The release profile's network at a test's size and length; its recipe (normalisation, augmentation,
    four blocks) is kept, so `xraylab profile ... --run` and `xraylab release` run the same code."""
    path = repo / "profiles" / "release.yaml"
    profile = yaml.safe_load(path.read_text())
    profile["models"]["custom_cnn"].update(image_size=32, epochs=2)
    path.write_text(yaml.safe_dump(profile, sort_keys=False))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve_docs(command: str, repo: Path) -> None:
    """The README's local web server: start it, fetch the page, stop it."""
    port = free_port()
    server = subprocess.Popen(["bash", "-c", command.replace("8000", str(port))], cwd=repo,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html", timeout=2).read().decode()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail(f"{command} served nothing")
        assert "xraylab chest X-ray demo" in page
    finally:
        server.terminate()
        server.wait()


SHELL_SYNTAX = re.compile(r"[|&;<>$`(){}\\]")


def run_in_process(command: str, repo: Path) -> subprocess.CompletedProcess:
    """An `xraylab ...` line without shell syntax, run through the console script's own entry point
    (xraylab.commands.app) in this process, from the repository root, its words globbed as bash would.

    Each of them, run by bash, spent most of its ~8 seconds importing TensorFlow again: a dozen of them were a
    minute and a half of the suite. What the shell adds to such a line is word splitting and globbing, done here
    the same way; `python -m xraylab` and the console script itself run in the end-to-end tests' subprocesses.
    """
    from typer.testing import CliRunner

    from xraylab.commands import app

    words = []
    for word in shlex.split(command)[1:]:
        matches = sorted(glob.glob(word, root_dir=repo)) if glob.has_magic(word) else []
        words.extend(matches or [word])  # bash leaves a pattern that matches nothing as it is
    with contextlib.chdir(repo):
        result = CliRunner().invoke(app, words)
    failure = "".join(traceback.format_exception(result.exception)) if result.exit_code and result.exception else ""
    return subprocess.CompletedProcess(command, result.exit_code, result.output + failure, "")


def run_documented(command: str, repo: Path, log: Path) -> subprocess.CompletedProcess:
    """Run a documented command with bash in `repo`; its output goes through a file, not a pipe.

    `dvc queue start` leaves worker processes behind that inherit its output: with a pipe, the test waited for the
    last worker to close it, and a worker that lingered idle once held the test for 20 minutes after its
    experiments had succeeded. `wait_for_queue` is what waits for the queued runs.
    """
    if command.startswith("xraylab ") and not SHELL_SYNTAX.search(command):
        return run_in_process(command, repo)
    with log.open("w") as output:
        result = subprocess.run(["bash", "-c", command], cwd=repo, stdout=output, stderr=subprocess.STDOUT,
                                text=True, timeout=1500, env=dvc_env())
    return subprocess.CompletedProcess(result.args, result.returncode, log.read_text(), "")


def wait_for_queue(repo: Path) -> None:
    """What the docs tell the reader to do after `dvc queue start`: wait until every run says Success."""
    deadline = time.monotonic() + 1200
    while any(word in run("dvc", "queue", "status", cwd=repo) for word in ("Queued", "Running")):
        assert time.monotonic() < deadline, "the queue did not finish in 20 minutes"
        time.sleep(2)
    status = run("dvc", "queue", "status", cwd=repo)
    assert "Failed" not in status, status


def swept_values(command: str) -> dict[str, list]:
    """{params key: values} of a `dvc exp run --queue -S key=a,b` command's comma-separated sweeps."""
    sweeps = {}
    for key, values in re.findall(r"-S '?([\w.]+)=([^\s']+)", command):
        if "," in values and not values.startswith("["):
            sweeps[key] = [yaml.safe_load(value) for value in values.split(",")]
    return sweeps


def workspace(repo: Path) -> tuple[str, str, str]:
    """What a queued experiment must leave alone: git's view of the work tree, params.yaml and dvc.lock."""
    return (run("git", "status", "--porcelain", cwd=repo), (repo / "params.yaml").read_text(),
            (repo / "dvc.lock").read_text())


def check_sweep(repo: Path, sweeps: dict[str, list]) -> None:
    """The queued sweep's experiments: one per value, each with its params and a leaderboard of its own."""
    shown = json.loads(run("dvc", "exp", "show", "--json", cwd=repo, stdout_only=True))
    experiments = [exp["revs"][0]["data"] for row in shown for exp in row.get("experiments") or []]
    for key, values in sweeps.items():
        found = []
        for data in experiments:
            setting = data["params"]["params.yaml"]["data"]
            for part in key.split("."):
                setting = setting.get(part, {}) if isinstance(setting, dict) else {}
            found.append(setting)
        assert all(value in found for value in values), f"{key}: queued {values}, experiments have {found}"
    for data in experiments:
        board = data["metrics"]["metrics/leaderboard.json"]["data"]
        assert all(0.0 <= scores["roc_auc"] <= 1.0 for scores in board["test"].values()
                   if scores.get("roc_auc") is not None)


def documented_commands(part=lambda document, section: True) -> list[tuple[str, str]]:
    """(document, command) in reading order, for the sections `part` selects."""
    return [(document, command) for document in DOCUMENTS for section, command in commands(REPO / document)
            if part(document, section)]


def test_the_readme_is_short_and_opens_with_the_two_commands():
    lines = (REPO / "README.md").read_text().splitlines()
    assert len(lines) <= 150, "the README is for a newcomer: move details to docs/ (guide.md, troubleshooting.md)"
    first = "\n".join(lines[:40])
    assert "pip install -r requirements.txt && dvc repro" in first
    assert "pip install -r requirements.txt && python -m pytest" in first
    for document in DOCUMENTS:  # a path of our machines, not a reader's
        assert "shared/data" not in (REPO / document).read_text(), f"{document} names ../shared/data"


def test_commands_left_out_are_still_documented():
    documented = documented_commands()
    assert any(document == "docs/guide.md" for document, _ in documented_commands(PARTS["readme"]))
    assert sum(len(documented_commands(part)) for part in PARTS.values()) == len(documented)  # each in one part
    assert len(documented) > 20
    stale = set(NOT_RUN) - {command for _, command in documented}
    assert not stale, f"NOT_RUN lists commands the docs no longer have: {stale}"
    unused = [key for key in VALIDATED if not any(document == key[0] and command.startswith(key[1])
                                                   for document, command in documented)]
    assert not unused, f"VALIDATED lists commands the docs no longer have: {unused}"


@pytest.mark.slow
@pytest.mark.parametrize("part", [pytest.param(name, marks=pytest.mark.xdist_group(f"docs-{name}"))
                                  for name in PARTS])
def test_every_documented_command_runs(part: str, reproduced, tmp_path: Path):
    shared_data(tmp_path / "shared")
    # The session's shared run, made with these shrunk models: the README's `dvc repro` finds it up to date.
    repo = reproduced.copy(tmp_path / "xraylab")
    shrink_release_profile(repo)
    commit(repo, "the release profile shrunk")
    run("git", "branch", "-M", "main", cwd=repo)  # `xraylab report --base main` compares with it
    placeholder_data(repo, tmp_path / "shared")
    for name in ("path/to/xray.jpeg", "xray.jpeg"):  # the README's example file names
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(sample_images("test", "PNEUMONIA", 1)[0], repo / name)

    ran, sweeps = set(), {}
    for document, command in documented_commands(PARTS[part]):
        if command in NOT_RUN or command in ran:  # the guide repeats a few of the README's commands
            continue
        ran.add(command)
        if command.startswith("python -m http.server"):
            serve_docs(command, repo)
            continue
        if validated(document, command):
            print(f"validated, {validate_experiment(command, repo, tmp_path)} parameter set(s): {command}")
            continue
        started = time.monotonic()
        command = command.removeprefix(INSTALL)
        if command.startswith("dvc exp run --queue"):
            sweeps = swept_values(command)
        if command.startswith("dvc queue start"):
            before = workspace(repo)
        result = run_documented(command, repo, tmp_path / "output.log")
        assert result.returncode == 0, f"{document}: `{command}` failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        if command.startswith("dvc queue start"):
            # The docs' promise: queued runs go on in their own workspaces and leave this one as it was.
            wait_for_queue(repo)
            assert workspace(repo) == before, f"{document}: the queued experiments changed the workspace"
            check_sweep(repo, sweeps)
        print(f"{time.monotonic() - started:6.1f} s  {document}: {command}")
        if command == "dvc repro":
            commit(repo, "the pipeline's outputs")  # experiments compare with a committed baseline
