"""Shared fixtures: small, real inputs built from the embedded sample of Kermany X-rays."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
from filelock import FileLock

from scheduling import SHARED_RUN, SHARED_RUN_DONE, LongestFirst, shared_run_built
from xraylab.atomic import write_text as atomic_write

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "sample"
# Real data laid beside the checkout (../shared/data, see its README): full-size originals and the 224 px copies.
SHARED_DATA = REPO.parent / "shared" / "data"
FULLSIZE = SHARED_DATA / "kermany-fullsize"
TRAIN_224 = SHARED_DATA / "kermany-train-224"


def sample_images(split: str, class_name: str, count: int) -> list[Path]:
    """The first `count` real images of one class and split of the embedded sample, in name order."""
    return sorted((SAMPLE / split / class_name).glob("*.jpeg"))[:count]


def page_meta(model: str, image_size: int = 32, channels: int = 1) -> dict:
    """The least meta.json that xraylab.serve.contract accepts for a network (export.to_tfjs adds `heatmap` and
    `gate`): a made-up threshold and no scores."""
    return {"model": model, "class_names": ["NORMAL", "PNEUMONIA"], "image_size": image_size, "channels": channels,
            "threshold": 0.5, "threshold_rule": "0.5", "confidence": 0.95, "val": {"scores": {}, "interval": {}},
            "data_source": "sample", "revision": None}


@pytest.fixture
def tiny_kermany(tmp_path: Path) -> Path:
    """A Kermany-layout folder of 24 real X-rays: 6 per class in train and in test."""
    root = tmp_path / "kermany"
    for split in ("train", "test"):
        for class_name in ("NORMAL", "PNEUMONIA"):
            target = root / split / class_name
            target.mkdir(parents=True)
            for image in sample_images(split, class_name, 6):
                shutil.copyfile(image, target / image.name)
    return root


@pytest.fixture
def tiny_manifest() -> pd.DataFrame:
    """A manifest of 16 real training images (8 per class), paths pointing into the embedded sample."""
    rows = []
    for label, class_name in enumerate(("NORMAL", "PNEUMONIA")):
        for image in sample_images("train", class_name, 8):
            rows.append({"path": str(image), "label": label, "patient_id": image.stem})
    return pd.DataFrame(rows)


@pytest.fixture(scope="session")
def quick_params(tmp_path_factory) -> Path:
    """The repository's params.yaml with 100 bootstrap resamples instead of 1,000, for commands that score."""
    import yaml

    params = yaml.safe_load((REPO / "params.yaml").read_text())
    params["evaluate"]["bootstrap_resamples"] = 100
    path = tmp_path_factory.mktemp("params") / "params.yaml"
    path.write_text(yaml.safe_dump(params, sort_keys=False))
    return path


@pytest.fixture(scope="session")
def sample_gate():
    """The chest-film gate as the pipeline fits it for custom_cnn (128 px, grey, params.yaml's gate section), on the
    sample's training films; every eighth film stands for the validation split that picks its thresholds."""
    from xraylab import config
    from xraylab.serve import gate

    films = [{"path": str(image), "label": 0} for name in ("NORMAL", "PNEUMONIA")
             for image in sorted((SAMPLE / "train" / name).glob("*.jpeg"))]
    val = pd.DataFrame(films[::8])
    train = pd.DataFrame([film for index, film in enumerate(films) if index % 8])
    cfg = config.load(REPO / "params.yaml").gate
    return gate.fit(train, val, 128, 1, cfg.size, cfg.components, cfg.keep, cfg.margin)


@pytest.fixture(scope="session")
def workspace(tmp_path_factory) -> Path:
    """models/custom_cnn trained on 16 real X-rays, its gate (gates/custom_cnn.json, fitted on the same films) and
    the evaluate outputs predict reads (threshold 0.5)."""
    from xraylab.config import NetworkConfig, TrainConfig
    from xraylab.serve import gate
    from xraylab.training import train

    root = tmp_path_factory.mktemp("workspace")
    rows = [{"path": str(image), "label": label, "patient_id": image.stem}
            for label, name in enumerate(("NORMAL", "PNEUMONIA")) for image in sample_images("train", name, 8)]
    paths = train.TrainPaths(root / "models" / "custom_cnn", root / "metrics" / "train" / "custom_cnn",
                             root / "backup", root / "features")
    network = NetworkConfig(image_size=32, channels=1, epochs=1, batch_size=8, learning_rate=1e-3, dropout=0.0,
                            filters=(4, 8))
    train.fit("custom_cnn", network, TrainConfig(models=("custom_cnn",), seed=0, cache_images=False),
              pd.DataFrame(rows), pd.DataFrame(rows), ("NORMAL", "PNEUMONIA"), {0: 1.0, 1: 1.0}, paths)
    gate.fit(pd.DataFrame(rows), pd.DataFrame(rows[::4]), 32, 1, 16, 4, 0.995, 1.15).write(
        root / "gates" / "custom_cnn.json")
    (root / "metrics" / "eval").mkdir(parents=True)
    scores = {"scores": {"accuracy": 0.5, "roc_auc": 0.5}, "interval": {}}
    (root / "metrics" / "eval" / "custom_cnn.json").write_text(json.dumps(
        {"kind": "network", "threshold": 0.5, "threshold_rule": "youden", "confidence": 0.95, "val": scores,
         "test": scores, "test_confusion": [[4, 4], [4, 4]]}))
    (root / "metrics" / "split.json").write_text(json.dumps({"train": {"NORMAL": 8, "PNEUMONIA": 8, "patients": 16}}))
    (root / "metrics" / "leaderboard.json").write_text(json.dumps({"select_metric": "roc_auc",
                                                                    "best_network": "custom_cnn",
                                                                    "best_model": "custom_cnn"}))
    return root


@pytest.fixture(scope="session")
def reproduced(tmp_path_factory, worker_id: str):
    """One whole `dvc repro` on the embedded sample with shrunk models, shared by the end-to-end tests, which
    each work on a copy (`reproduced.copy(path)`): the pipeline runs once per test run, not once a test.

    Under pytest-xdist each worker has a session of its own; the first worker to ask runs the pipeline in the
    run's shared temporary folder and the others wait for it, rather than each running it at the same time on
    the same cores.
    """
    from fresh_repo import Reproduced, reproduce  # tests/e2e/fresh_repo.py: on sys.path for the tests that ask

    if worker_id == "master":  # no xdist
        return reproduce(tmp_path_factory.mktemp("reproduced"))
    root = tmp_path_factory.getbasetemp().parent / SHARED_RUN
    with FileLock(f"{root}.lock"):
        if root.exists() and not shared_run_built(root.parent):
            pytest.fail(f"the shared pipeline run in {root} failed in another worker: see that worker's error")
        if not root.exists():
            root.mkdir()
            made = reproduce(root)
            atomic_write(root / SHARED_RUN_DONE, made.log)  # last: its presence says the run is complete
            return made
    return Reproduced(root / "xraylab", (root / SHARED_RUN_DONE).read_text())


# Browsers the site test drives, first found first: Debian's chromium (here, .ci/run installs it), then the Google
# Chrome that GitHub's Ubuntu runner image ships (test.yml). Playwright downloads none of its own.
BROWSERS = ("chromium", "google-chrome", "google-chrome-stable")


# The demo page in headless Chromium (tests/browser.py drives it): one browser per test module.
@pytest.fixture(scope="module")
def chromium_path() -> str:
    path = next(filter(None, map(shutil.which, BROWSERS)), None)
    if path is None:
        message = f"no browser found ({', '.join(BROWSERS)}); apt-get install chromium for the site test"
        # On CI the demo must not go untested silently: test.yml sets XRAYLAB_REQUIRE_BROWSER.
        if os.environ.get("XRAYLAB_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="module")
def browser(chromium_path: str):
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=["--no-sandbox"])
        yield browser
        browser.close()


def pytest_xdist_make_scheduler(config, log):
    """Long end-to-end runs spread over the workers longest first (tests/scheduling.py)."""
    if config.getvalue("dist") != "loadgroup":
        return None
    return LongestFirst(config, log)
