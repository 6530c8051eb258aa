"""Every registry model builds, trains one epoch on a tiny synthetic set, saves, reloads and predicts."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from xraylab import config, saved
from xraylab.config import ClassicConfig, NetworkConfig, TrainConfig, TransferConfig
from xraylab.data import kermany, synthetic
from xraylab.training import train

CLASSES = ("NORMAL", "PNEUMONIA")
TINY = dict(epochs=1, batch_size=4, learning_rate=1e-3, dropout=0.2)
SCRATCH = {"custom_cnn": NetworkConfig(image_size=32, channels=1, filters=(4, 8), **TINY),
           "lenet5": NetworkConfig(image_size=32, channels=1, **TINY),
           "alexnet": NetworkConfig(image_size=64, channels=1, **TINY),
           "vgg16": NetworkConfig(image_size=32, channels=1, **TINY)}
TRANSFER_SIZES = {"mobilenet_v3_small": 32}
CLASSIC = {"rf": ClassicConfig(image_size=8, cv_folds=2, grid={"n_estimators": (5,)}),
           "svm": ClassicConfig(image_size=8, cv_folds=2, grid={"svc__C": (1.0,)})}


@pytest.fixture(scope="module")
def tiny_set(tmp_path_factory) -> pd.DataFrame:
    root = tmp_path_factory.mktemp("synthetic")
    synthetic.write_kermany(root, config.SyntheticConfig(count=12, pneumonia_fraction=0.5, min_size=80,
                                                         max_size=100, seed=0))
    return kermany.scan(root)


def fit_and_predict(name: str, cfg, frame: pd.DataFrame, out: Path) -> np.ndarray:
    train.fit(name, cfg, TrainConfig(models=(name,), seed=0, cache_images=False), train=frame, val=frame,
              class_names=CLASSES, class_weights={0: 1.0, 1: 1.0}, paths=train.TrainPaths.inside(out))
    model = saved.load(out / "model")
    assert model.meta.name == name and model.meta.channels == getattr(cfg, "channels", 1)
    probabilities = model.predict(frame)
    assert probabilities.shape == (len(frame),) and ((probabilities >= 0) & (probabilities <= 1)).all()
    return probabilities


# AlexNet and VGG16 take 13-18 s here: the fast lane leaves them to the full run.
BIG = {"alexnet", "vgg16"}


@pytest.mark.parametrize("name", [pytest.param(name, marks=[pytest.mark.slow] if name in BIG else [])
                                  for name in sorted(SCRATCH) + sorted(CLASSIC)])
def test_scratch_and_classic_models(name: str, tiny_set: pd.DataFrame, tmp_path: Path):
    fit_and_predict(name, {**SCRATCH, **CLASSIC}[name], tiny_set, tmp_path)


# Fine-tuning on the smallest backbone; the code is the same for every backbone. Bottleneck training of it fits,
# saves and predicts in tests/training/test_train.py and runs through the whole pipeline in
# tests/e2e/test_repro_three_class.py; each of the report's backbones builds, splits at its features and explains
# itself in tests/models/test_transfer.py.
TRANSFER_RUNS = [("mobilenet_v3_small", "finetune")]


@pytest.mark.slow
@pytest.mark.parametrize("name, mode", TRANSFER_RUNS)
def test_transfer_models(name: str, mode: str, tiny_set: pd.DataFrame, tmp_path: Path):
    cfg = TransferConfig(image_size=TRANSFER_SIZES[name], weights=None, mode=mode, **TINY)
    fit_and_predict(name, cfg, tiny_set, tmp_path)
