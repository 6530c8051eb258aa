"""Input-path levers for "the same film at any size", measured on the release model without training.

For each lever, the release model's largest and mean probability gap between the 120 full-size originals in
../shared/data/kermany-fullsize/ and their 224 px copies, the labels that flip at its threshold, and its ROC AUC
on the target films (../shared/data/kermany-test-dev/), so a lever that closes the gap by blinding the model shows.

    python tools/size_gap_probe.py blur:0.5 blur:1.0 jpeg:75

Levers: `none` (the pipeline as it is), `blur:<sigma>` (a Gaussian of that many model pixels folded into the
resize matrices, as the page could fold it in too), `jpeg:<quality>` (the 224 px film coded as a JPEG at that
quality before the last resize, as the copies were). Results: docs/results.md, "The same film at any size".
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import tensorflow as tf
from sklearn.metrics import roc_auc_score

from xraylab import pipeline
from xraylab.serve import release

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
ORIGINALS = sorted((SHARED / "kermany-fullsize").glob("*/*.jpeg"))
COPIES = [SHARED / "kermany-train-224" / path.parent.name / path.name for path in ORIGINALS]
TARGET = sorted((SHARED / "kermany-test-dev").glob("*/*.jpeg"))
PLAIN_RESIZE = pipeline.resize


def blurred(sigma: float):
    def resize(image: tf.Tensor, image_size: int) -> tf.Tensor:
        index = np.arange(image_size, dtype=np.float32)
        gaussian = np.exp(-0.5 * ((index[:, None] - index[None, :]) / sigma) ** 2)
        gaussian = tf.constant(gaussian / gaussian.sum(axis=1, keepdims=True))
        shape = tf.shape(image)
        rows = tf.matmul(gaussian, pipeline.film_weights(shape[0], image_size))
        columns = tf.matmul(gaussian, pipeline.film_weights(shape[1], image_size))
        return tf.einsum("ih,hwc,jw->ijc", rows, tf.cast(image, tf.float32), columns) / 255.0
    return resize


def jpeg_coded(quality: int):
    def resize(image: tf.Tensor, image_size: int) -> tf.Tensor:
        shape, weights = tf.shape(image), pipeline.triangle_weights
        film = tf.einsum("ih,hwc,jw->ijc", weights(shape[0], pipeline.FILM_SIZE), tf.cast(image, tf.float32),
                         weights(shape[1], pipeline.FILM_SIZE))
        film = tf.cast(tf.clip_by_value(tf.round(film), 0, 255), tf.uint8)
        film = tf.io.decode_jpeg(tf.io.encode_jpeg(film, quality=quality), channels=1)
        film = tf.ensure_shape(tf.cast(film, tf.float32), [pipeline.FILM_SIZE, pipeline.FILM_SIZE, 1])
        last = weights(pipeline.FILM_SIZE, image_size)
        return tf.einsum("ih,hwc,jw->ijc", last, film, last) / 255.0
    return resize


def lever(spec: str):
    name, _, value = spec.partition(":")
    if name == "none":
        return PLAIN_RESIZE
    if name == "blur":
        return blurred(float(value))
    if name == "jpeg":
        return jpeg_coded(int(value))
    raise SystemExit(f"unknown lever {spec!r}: none, blur:<sigma> or jpeg:<quality>")


def main(specs: list[str]) -> None:
    model, meta = release.load()
    threshold = float(meta["threshold"])
    frame = lambda paths: pd.DataFrame({"path": [str(path) for path in paths], "label": 0})  # noqa: E731
    labels = np.array([path.parent.name == "PNEUMONIA" for path in TARGET])
    for spec in specs or ["none"]:
        pipeline.resize = lever(spec)
        originals, copies = model.predict(frame(ORIGINALS)), model.predict(frame(COPIES))
        gaps = np.abs(originals - copies)
        flips = int(((originals >= threshold) != (copies >= threshold)).sum())
        target_auc = roc_auc_score(labels, model.predict(frame(TARGET)))
        print(f"{spec:10} largest gap {gaps.max():.4f} ({ORIGINALS[int(gaps.argmax())].name}), mean "
              f"{gaps.mean():.4f}, flips {flips} of {len(gaps)}; target AUC {target_auc:.4f}", flush=True)
    pipeline.resize = PLAIN_RESIZE


if __name__ == "__main__":
    main(sys.argv[1:])
