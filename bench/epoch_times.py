"""Seconds per training epoch of every registry model at its params.yaml size, on this machine's CPU.

The embedded sample's balanced training split (data/splits/train_balanced.csv, from `dvc repro`) and its
validation split, fed by xraylab.pipeline as train@<model> feeds them, two epochs each from the same seed:
epoch 1 includes graph tracing, epoch 2 is the steady state. ImageNet weights are replaced by a random
initialisation (this machine cannot download them; the arithmetic is the same). Bottleneck models report
the one-off feature extraction and then an epoch of the head; classic models the whole grid search.
Run: python bench/epoch_times.py [MODEL ...]
"""
from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import keras  # noqa: E402
import typer  # noqa: E402
from timing import EpochTimer  # noqa: E402

from xraylab import config, determinism, models, pipeline
from xraylab.data import manifest# noqa: E402
from xraylab.config import ClassicConfig, TransferConfig  # noqa: E402
from xraylab.models import classic, registry, transfer  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
EPOCHS = 2


def network_seconds(name: str, cfg, train, val) -> str:
    determinism.seed_everything(0)
    model = models.build(name, cfg, 2, seed=0)
    bottleneck = isinstance(cfg, TransferConfig) and cfg.mode == "bottleneck"
    extraction = ""
    if bottleneck:
        extractor, model = transfer.bottleneck_parts(model)
        start = time.perf_counter()
        train_features = extractor.predict(pipeline.image_dataset(train, cfg.image_size, 3, 32), verbose=0)
        val_features = extractor.predict(pipeline.image_dataset(val, cfg.image_size, 3, 32), verbose=0)
        extraction = f"features {time.perf_counter() - start:6.1f} s once, then "
        train_data = pipeline.feature_dataset(train_features, train["label"].to_numpy(), cfg.batch_size, 0)
        val_data = pipeline.feature_dataset(val_features, val["label"].to_numpy(), cfg.batch_size)
    else:
        train_data = pipeline.image_dataset(train, cfg.image_size, cfg.channels, cfg.batch_size, shuffle_seed=0)
        val_data = pipeline.image_dataset(val, cfg.image_size, cfg.channels, cfg.batch_size)
    model.compile(optimizer=keras.optimizers.Adam(cfg.learning_rate), loss="binary_crossentropy")
    timer = EpochTimer()
    model.fit(train_data, validation_data=val_data, epochs=EPOCHS, callbacks=[timer], verbose=0)
    first, steady = timer.seconds
    return f"{extraction}{steady:6.1f} s/epoch (first epoch {first:.1f} s)"


def classic_seconds(name: str, cfg: ClassicConfig, train) -> str:
    start = time.perf_counter()
    pixels, labels = pipeline.flat_arrays(train, cfg.image_size)
    search = models.build(name, cfg, 2, seed=0)
    search.fit(pixels, labels, groups=train["patient_id"].to_numpy(), **classic.weight_argument(search, None))
    candidates = len(search.cv_results_["params"])
    return f"{time.perf_counter() - start:6.1f} s for the whole search ({candidates} candidates x {cfg.cv_folds} folds)"


def main(names: list[str] = typer.Argument(None, help="models to time; default: every registry model")) -> None:
    cfg = config.load(REPO / "params.yaml")
    train = manifest.read(REPO / "data" / "splits" / "train_balanced.csv")
    val = manifest.read(REPO / "data" / "splits" / "val.csv")
    print(f"{len(train)} balanced training and {len(val)} validation X-rays; size and batch from params.yaml")
    for name in names or registry.names():
        section = cfg.models[name]
        if isinstance(section, TransferConfig):
            section = dataclasses.replace(section, weights=None)
        if isinstance(section, ClassicConfig):
            figure = classic_seconds(name, section, train)
        else:
            figure = network_seconds(name, section, train, val)
        size = f"{section.image_size} px"
        print(f"{name:20s} {size:7s} {figure}", flush=True)


if __name__ == "__main__":
    typer.run(main)
