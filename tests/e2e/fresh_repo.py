"""A fresh git repository holding what this one tracks, for end-to-end runs of `dvc` on the embedded sample."""
from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

from conftest import REPO, sample_images

# What earlier runs committed: a fresh repository must produce these itself.
COMMITTED_OUTPUTS = ("dvc.lock", "metrics", "docs/model")


def run(*command: str, cwd: Path, timeout: int = 1200, stdout_only: bool = False) -> str:
    """Run `command`, fail the test if it fails; returns what it printed (stderr too unless `stdout_only`)."""
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=dvc_env())
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout if stdout_only else result.stdout + result.stderr


def dvc_env() -> dict[str, str]:
    return {**os.environ, "DVC_NO_ANALYTICS": "1"}


def tracked_copy(target: Path) -> None:
    """Copy what git tracks (as a fresh clone would have it), without outputs of earlier runs."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    for name in filter(None, files.decode().split("\0")):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target / name)


def edit_params(repo: Path, edit) -> None:
    """Apply `edit(params)` to the repository's params.yaml."""
    params = yaml.safe_load((repo / "params.yaml").read_text())
    edit(params)
    (repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))


def tiny(params: dict) -> None:
    params["models"]["custom_cnn"].update(image_size=32, epochs=2, filters=[4, 8])
    params["models"]["rf"].update(image_size=12, cv_folds=2, grid={"n_estimators": [10], "max_depth": [None]})
    # One film per outcome, occluded in 16 px squares side by side: the occlusion maps' cost is one prediction
    # per square position (4 at 32 px, 25 at 75 px, against 9 and 81 at the default stride of 8).
    params["gradcam"].update(per_outcome=1, occlusion_patch=16, occlusion_stride=16)
    # Intervals are checked by the unit tests; here they only need to exist (the bootstrap is most of evaluate).
    params["evaluate"]["bootstrap_resamples"] = 20


def shrink_every_model(params: dict) -> None:
    """`tiny`, and every other model of the zoo shrunk too, for runs that train them (the docs' experiments)."""
    tiny(params)
    for name, section in params["models"].items():
        if section["type"] == "network" and name != "custom_cnn":
            section.update(image_size=64 if name == "alexnet" else 32, epochs=1)
        elif section["type"] == "transfer":
            # No ImageNet weights offline: random backbones exercise the same code.
            section.update(image_size=75, epochs=1, weights=None)
        elif section["type"] == "classic":
            section.update(image_size=12, cv_folds=2)
    params["models"]["svm"]["grid"] = {"svc__C": [1], "svc__gamma": ["scale"]}
    params["evaluate"]["shifts"] = dict(list(params["evaluate"]["shifts"].items())[:1])


def fresh_repo(target: Path, edit=tiny) -> Path:
    """A committed git + DVC repository at `target` with params changed by `edit`, nothing run yet."""
    tracked_copy(target)
    for path in COMMITTED_OUTPUTS:
        output = target / path
        if output.is_dir():
            shutil.rmtree(output)
        elif output.exists():
            output.unlink()
    edit_params(target, edit)
    run("git", "init", "-q", cwd=target)
    # DVC commits experiments itself and needs an identity for it.
    run("git", "config", "user.name", "test", cwd=target)
    run("git", "config", "user.email", "test@example.com", cwd=target)
    commit(target, "copy")
    return target


def commit(repo: Path, message: str) -> None:
    run("git", "add", "-A", cwd=repo)
    run("git", "commit", "-qm", message, cwd=repo)


@dataclass(frozen=True)
class Reproduced:
    """A fresh repository after one whole `dvc repro`, committed; tests work on copies of it."""
    repo: Path
    log: str  # what that `dvc repro` printed

    def copy(self, target: Path) -> Path:
        """A copy of the repository (git history and DVC cache included) at `target`, to change freely."""
        shutil.copytree(self.repo, target, symlinks=True)
        return target


def external_films(target: Path) -> Path:
    """10 real test films per class from the embedded sample, in the Kermany layout: an external set."""
    for class_name in ("NORMAL", "PNEUMONIA"):
        (target / class_name).mkdir(parents=True)
        for image in sample_images("test", class_name, 10):
            shutil.copyfile(image, target / class_name / image.name)
    return target


def real_mura(root: Path, patients: dict[str, int]) -> Path:
    """A MURA-v1.1 folder of real X-ray files: the embedded sample's chest films as PNGs in MURA's layout
    (`<split>/XR_<BODY>/patient<n>/study<k>_{positive,negative}/image<i>.png` and its four CSVs), abnormal
    studies from pneumonia films, normal ones from normal films; 1-2 studies a patient, 1-3 images a study.
    `patients`: how many in train and in valid. MURA itself needs a registration and cannot be shipped."""
    from PIL import Image

    films = {True: iter(sample_images("train", "PNEUMONIA", 400)), False: iter(sample_images("train", "NORMAL", 400))}
    number = 0
    for split, count in patients.items():
        image_rows, study_rows = [], []
        for patient in range(count):
            number += 1
            body = ("XR_WRIST", "XR_ELBOW", "XR_SHOULDER")[number % 3]
            for study in range(1, 2 + number % 2):
                abnormal = (number + study) % 5 < 2  # 2 in 5 studies abnormal, as in MURA
                folder = f"{split}/{body}/patient{number:05d}/study{study}_{'positive' if abnormal else 'negative'}"
                (root / folder).mkdir(parents=True)
                for image in range(1, 2 + (number + study) % 3):
                    with Image.open(next(films[abnormal])) as film:
                        film.convert("L").save(root / folder / f"image{image}.png")
                    image_rows.append(f"{root.name}/{folder}/image{image}.png")
                study_rows.append(f"{root.name}/{folder}/,{int(abnormal)}")
        (root / f"{split}_image_paths.csv").write_text("\n".join(image_rows) + "\n")
        (root / f"{split}_labeled_studies.csv").write_text("\n".join(study_rows) + "\n")
    return root


def reproduce(root: Path) -> Reproduced:
    """The shared pipeline run of the end-to-end tests: every model shrunk, the films of `external_films`
    scored as the external set `films` (calibrated on itself), `dvc repro`, and its outputs committed."""
    films = external_films(root / "films")

    def edit(params: dict) -> None:
        shrink_every_model(params)
        params["evaluate"]["external"] = {"films": {"path": str(films), "calibrate": "youden"}}

    repo = fresh_repo(root / "xraylab", edit)
    log = run("dvc", "repro", cwd=repo)
    commit(repo, "the pipeline's outputs")
    return Reproduced(repo, log)
