"""Augmentation recipes: balance planning (pandas) and applying a recipe to an image (tf.image ops).

The minority class is brought to parity with augmented copies, as in the MSc report (horizontal flip,
random zoom to 90%, brightness). Each copy's recipe is written out with explicit amounts, so the balanced
manifest is diffable and the training stream is the same for the same params.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import tensorflow as tf

from xraylab.config import BalanceConfig

RECIPE_COLUMNS = ("flip", "zoom", "brightness")
IDENTITY = {"flip": 0, "zoom": 1.0, "brightness": 0.0}


def plan_balance(train: pd.DataFrame, cfg: BalanceConfig) -> pd.DataFrame:
    """Return `train` with an identity recipe per row, plus augmented copies of each minority class."""
    planned = train.assign(**IDENTITY)
    if cfg.method == "none":
        return planned
    rng = np.random.default_rng(cfg.seed)
    counts = train["label"].value_counts().sort_index()
    copies = []
    for label, count in counts.items():
        members = train[train["label"] == label]
        sources = _cycle(len(members), int(counts.max() - count), rng)
        if len(sources) == 0:
            continue
        copies.append(members.iloc[sources].assign(
            flip=rng.integers(0, 2, len(sources)) if cfg.flip else 0,
            # Rounded so the CSV round trip gives back exactly the amounts that were planned.
            zoom=np.round(rng.uniform(cfg.min_zoom, 1.0, len(sources)), 4),
            brightness=np.round(rng.uniform(-cfg.max_brightness, cfg.max_brightness, len(sources)), 4),
        ))
    return pd.concat([planned, *copies], ignore_index=True)


def _cycle(size: int, count: int, rng: np.random.Generator) -> np.ndarray:
    """`count` indices into `size` items, each used once per round, in shuffled rounds."""
    rounds = -(-count // size) if count else 0
    return np.concatenate([rng.permutation(size) for _ in range(rounds)] or [np.empty(0, int)])[:count]


def apply_recipe(image: tf.Tensor, flip: tf.Tensor, zoom: tf.Tensor, brightness: tf.Tensor) -> tf.Tensor:
    """Central zoom (crop to `zoom` of each side, back to the same size), optional flip, brightness shift.

    `image` is float32 in [0, 1], shape (height, width, channels); the result has the same shape and range.
    """
    image = tf.cond(zoom < 1.0, lambda: _zoom(image, zoom), lambda: image)
    image = tf.cond(flip > 0, lambda: tf.image.flip_left_right(image), lambda: image)
    return tf.clip_by_value(image + brightness, 0.0, 1.0)


def _zoom(image: tf.Tensor, zoom: tf.Tensor) -> tf.Tensor:
    size = tf.shape(image)[:2]
    crop = tf.maximum(tf.cast(tf.round(tf.cast(size, tf.float32) * zoom), tf.int32), 1)
    offset = (size - crop) // 2
    image = tf.image.crop_to_bounding_box(image, offset[0], offset[1], crop[0], crop[1])
    return tf.image.resize(image, size)
