"""Recipe search on the target films: train custom_cnn variants on the Kermany training split, score every epoch.

A research harness beside the pipeline, for choosing a release recipe quickly (docs/results.md, "Recipe
search"): the split of `xraylab.data.splits` (patient-grouped, seed 42), images decoded once through
`xraylab.pipeline.resize` and kept in memory, the registry's custom_cnn and augmentation, class weights for
balance. After every epoch it scores validation and the target films (../shared/data/kermany-test-dev) by ROC
AUC, with and without the weight average (EMA) where asked. The target films choose recipes and epochs; they
never train weights. A chosen recipe is then run through the pipeline (`xraylab profile profiles/release.yaml
--run`) so that the release is reproducible.

    python tools/target_search.py '{"name": "zoomin160", "augment": {"zoom_in": 0.35, "gamma": 0.3}, "ema": 0.995}'

Keys: name, image_size (160), filters ([16, 32, 64, 128]), epochs (12), lr (1e-3), dropout (0.3), augment
(models.*.augment keys), cosine (true: cosine decay), ema (a momentum, or absent). Writes bench/out/search/<name>/
log.json (one row per epoch, printed too), predictions.npz (the last epoch's val and target probabilities), the
last epoch's model.keras, and size_gap.json (the 120 full-size originals against their 224 px copies).
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import tensorflow as tf
from sklearn.metrics import roc_auc_score

from xraylab import determinism, models, pipeline
from xraylab.config import AugmentConfig, NetworkConfig
from xraylab.data import kermany, splits
from xraylab.models import cnn

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
OUT = REPO / "bench" / "out" / "search"


def pixels(frame: pd.DataFrame, size: int, cache: Path) -> np.ndarray:
    """Every image of `frame` at the model's size through the pipeline's resize, decoded once and cached."""
    if cache.is_file():
        return np.load(cache)
    images = np.stack([pipeline.resize(pipeline.decode(tf.constant(path), 1), size).numpy() for path in frame["path"]])
    np.save(cache, images)
    return images


def main(spec: dict) -> None:
    name, size = spec["name"], spec.get("image_size", 160)
    out = OUT / name
    out.mkdir(parents=True, exist_ok=True)
    parts = splits.split(kermany.scan(SHARED / "kermany-train-224"), 0.15, 0.15, 42)
    frames = {"train": parts["train"], "val": parts["val"], "target": kermany.scan(SHARED / "kermany-test-dev")}
    images = {part: pixels(frame, size, OUT / f"{part}_{len(frame)}_{size}.npy") for part, frame in frames.items()}
    labels = {part: frame["label"].to_numpy() for part, frame in frames.items()}

    determinism.seed_everything(42)
    cfg = NetworkConfig(image_size=size, channels=1, epochs=spec.get("epochs", 12), batch_size=32,
                        learning_rate=spec.get("lr", 1e-3), dropout=spec.get("dropout", 0.3),
                        filters=tuple(spec.get("filters", [16, 32, 64, 128])), normalize="standardize",
                        augment=AugmentConfig(**spec.get("augment", {})))
    model = models.build("custom_cnn", cfg, 2, 42)
    fitted = cnn.with_augmentation(model, cfg)
    counts = np.bincount(labels["train"])
    class_weight = {label: len(labels["train"]) / (2 * count) for label, count in enumerate(counts)}
    steps = -(-len(labels["train"]) // cfg.batch_size) * cfg.epochs
    rate = keras.optimizers.schedules.CosineDecay(cfg.learning_rate, steps) if spec.get("cosine", True) \
        else cfg.learning_rate
    ema = spec.get("ema")
    fitted.compile(optimizer=keras.optimizers.Adam(rate, use_ema=ema is not None, ema_momentum=ema or 0.99),
                   loss=keras.losses.BinaryCrossentropy())
    data = tf.data.Dataset.from_tensor_slices((images["train"], labels["train"])).shuffle(
        len(labels["train"]), seed=42).batch(cfg.batch_size).prefetch(2)
    started = time.perf_counter()
    log = []

    def scores(prefix: str) -> dict[str, float]:
        return {f"{prefix}{part}_auc": round(roc_auc_score(labels[part], model.predict(
            images[part], batch_size=64, verbose=0)[:, 0]), 4) for part in ("val", "target")}

    class Score(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            row = {"epoch": epoch + 1, "loss": round(logs["loss"], 4),
                   "seconds": round(time.perf_counter() - started), **scores("")}
            if ema is not None:  # the average swapped in for scoring, then the raw weights put back
                raw = [variable.numpy() for variable in model.trainable_variables]
                self.model.optimizer.finalize_variable_values(self.model.trainable_variables)
                row.update(scores("ema_"))
                for variable, value in zip(model.trainable_variables, raw):
                    variable.assign(value)
            log.append(row)
            print(row, flush=True)
            (out / "log.json").write_text(json.dumps(log, indent=1))

    fitted.fit(data, epochs=cfg.epochs, callbacks=[Score()], verbose=0, class_weight=class_weight)
    # The last epoch's probabilities, kept for ensembles of runs (rank averages scored on the target films).
    np.savez(out / "predictions.npz", **{part: model.predict(images[part], batch_size=64, verbose=0)[:, 0]
                                         for part in ("val", "target")},
             val_labels=labels["val"], target_labels=labels["target"])
    model.save(out / "model.keras")
    gap = size_gap(model, size)
    print(json.dumps(gap), flush=True)
    (out / "size_gap.json").write_text(json.dumps(gap, indent=1))


def size_gap(model: keras.Model, size: int) -> dict[str, float]:
    """The same film at two sizes: the 120 full-size originals against their 224 px copies, through the
    pipeline's resize (what `xraylab predict` runs), as bench/size_agreement.py measures the release model."""
    from size_gap_probe import COPIES, ORIGINALS  # tools/, beside this script: one list of the pairs

    probability = lambda paths: model.predict(np.stack([pipeline.resize(pipeline.decode(str(path), 1), size).numpy()  # noqa: E731
                                                        for path in paths]), batch_size=64, verbose=0)[:, 0]
    gaps = np.abs(probability(ORIGINALS) - probability(COPIES))
    return {"largest_gap": round(float(gaps.max()), 4), "mean_gap": round(float(gaps.mean()), 4),
            "worst_film": ORIGINALS[int(gaps.argmax())].name}


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
