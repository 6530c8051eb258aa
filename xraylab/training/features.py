"""Bottleneck features: a frozen backbone's outputs for a manifest, extracted once and kept on disk.

With the backbone frozen, every epoch would compute the same features again; the head trains on these
instead. A file is reused only while everything that decides its numbers is unchanged: the backbone and
its weights, the input size, the manifest rows, the image bytes and the code that prepares pixels.
"""
from __future__ import annotations

import hashlib
import inspect
from pathlib import Path

import keras
import numpy as np
import pandas as pd

from xraylab import atomic, pipeline
from xraylab.data import balance, manifest
from xraylab.training import augment

EXTRACT_BATCH = 32


def cached(extractor: keras.Model, frame: pd.DataFrame, image_size: int, split: str,
           features_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    """(features, labels) for the rows of `frame`, from `features_dir/<split>.npz` when still valid."""
    path = Path(features_dir) / f"{split}.npz"
    key = _key(extractor, frame, image_size)
    if path.is_file():
        with np.load(path) as stored:
            if str(stored["key"]) == key:
                print(f"train: {split} features from {path}")
                return stored["features"], stored["labels"]
    print(f"train: extracting {split} features of {len(frame)} images into {path}")
    images = pipeline.image_dataset(frame, image_size, channels=3, batch_size=EXTRACT_BATCH)
    features = extractor.predict(images, verbose=0).astype(np.float32)
    labels = frame["label"].to_numpy(np.int32)
    with atomic.writing(path) as temp:
        with open(temp, "wb") as handle:
            np.savez(handle, features=features, labels=labels, key=np.array(key))
    return features, labels


def _key(extractor: keras.Model, frame: pd.DataFrame, image_size: int) -> str:
    # The backbone is identified by its weights themselves, whether ImageNet's, a file's or a seeded init.
    digest = hashlib.sha256()
    for part in (extractor.name, str(image_size), manifest.digest(frame),
                 inspect.getsource(pipeline), inspect.getsource(augment), inspect.getsource(balance)):
        digest.update(part.encode() + b"\0")
    for weights in extractor.get_weights():
        digest.update(np.ascontiguousarray(weights).tobytes())
    for file in frame["path"]:
        digest.update(Path(file).read_bytes())
    return digest.hexdigest()
