"""A training epoch fed by xraylab's pipeline against `fit` on the same images held in memory.

custom_cnn (default params) on the embedded sample's 783 real training X-rays at 128 px greyscale, batch 32.
Each way trains 3 epochs from the same seed; the figure is the median epoch after the first (the first
includes tracing and, for the pipeline, decoding before the cache is filled).
  in-memory   model.fit(numpy arrays)  (images decoded beforehand, outside the timing)
  pipeline    model.fit(xraylab.pipeline.image_dataset(..., cache=True)), as train@custom_cnn runs it
  uncached    the same without train.cache_images: every epoch decodes every JPEG
Target (issue): pipeline <= 1.1x in-memory. Run: python bench/train_step.py
"""
from __future__ import annotations

import statistics
import sys
from pathlib import Path

import keras
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import EpochTimer  # noqa: E402

from xraylab import config, determinism, models, pipeline# noqa: E402
from xraylab.data import kermany  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
EPOCHS = 5


def epoch_seconds(cfg: config.NetworkConfig, data, labels=None) -> float:
    determinism.seed_everything(0)
    model = models.build("custom_cnn", cfg, 2, seed=0)
    model.compile(optimizer=keras.optimizers.Adam(cfg.learning_rate), loss="binary_crossentropy")
    timer = EpochTimer()
    if labels is None:
        model.fit(data, epochs=EPOCHS, callbacks=[timer], verbose=0)
    else:
        model.fit(data, labels, batch_size=cfg.batch_size, epochs=EPOCHS, callbacks=[timer], verbose=0,
                  shuffle=True)
    return statistics.median(timer.seconds[1:])


def main() -> None:
    cfg = config.load(REPO / "params.yaml").models["custom_cnn"]
    frame = kermany.scan(REPO / "data" / "sample")
    frame = frame[frame["source_split"] == "train"].reset_index(drop=True)
    images = np.concatenate([batch.numpy() for batch, _ in pipeline.image_dataset(frame, cfg.image_size, 1, 256)])
    labels = frame["label"].to_numpy(np.float32)

    uncached = epoch_seconds(cfg, pipeline.image_dataset(frame, cfg.image_size, 1, cfg.batch_size, shuffle_seed=0))
    in_memory = epoch_seconds(cfg, images, labels)
    cached = epoch_seconds(cfg, pipeline.image_dataset(frame, cfg.image_size, 1, cfg.batch_size, shuffle_seed=0,
                                                       cache=True))
    print(f"custom_cnn, {len(frame)} real X-rays at {cfg.image_size} px, batch {cfg.batch_size}, "
          f"median of epochs 2-{EPOCHS}")
    print(f"in-memory arrays    {in_memory:6.2f} s/epoch")
    print(f"pipeline, cached    {cached:6.2f} s/epoch   ratio {cached / in_memory:.2f}x")
    print(f"pipeline, uncached  {uncached:6.2f} s/epoch   ratio {uncached / in_memory:.2f}x")


if __name__ == "__main__":
    main()
