"""Augmentation recipes and class balance: planning (pandas) and applying a recipe to an image (tf.image ops).

The minority class is brought to parity with augmented copies, as in the MSc report (horizontal flip,
random zoom to 90%, brightness, saturation; contrast added for greyscale X-rays). Each copy's recipe is
written out with explicit amounts, so the balanced manifest is diffable and the training stream is the
same for the same params. The alternative, as in Keras' example, is to weight classes in the loss.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import tensorflow as tf
from sklearn.utils.class_weight import compute_class_weight

from xraylab.config import BalanceConfig

RECIPE_COLUMNS = ("flip", "zoom", "brightness", "contrast", "saturation")
IDENTITY = {"flip": 0, "zoom": 1.0, "brightness": 0.0, "contrast": 1.0, "saturation": 1.0}


def plan_balance(train: pd.DataFrame, cfg: BalanceConfig) -> pd.DataFrame:
    """Return `train` with an identity recipe per row, plus (for `augment`) copies of each minority class."""
    planned = train.assign(**IDENTITY)
    if cfg.method != "augment":
        return planned
    rng = np.random.default_rng(cfg.seed)
    counts = train["label"].value_counts().sort_index()
    copies = []
    for label, count in counts.items():
        members = train[train["label"] == label]
        sources = _cycle(len(members), int(counts.max() - count), rng)
        if len(sources) == 0:
            continue
        # Rounded so the CSV round trip gives back exactly the amounts that were planned.
        draw = lambda low, high: np.round(rng.uniform(low, high, len(sources)), 4)  # noqa: E731
        copies.append(members.iloc[sources].assign(
            flip=rng.integers(0, 2, len(sources)) if cfg.flip else 0,
            zoom=draw(cfg.min_zoom, 1.0),
            brightness=draw(-cfg.max_brightness, cfg.max_brightness),
            contrast=draw(1 - cfg.max_contrast, 1 + cfg.max_contrast),
            saturation=draw(1 - cfg.max_saturation, 1 + cfg.max_saturation),
        ))
    return pd.concat([planned, *copies], ignore_index=True)


def class_weights(train: pd.DataFrame, cfg: BalanceConfig, num_classes: int) -> dict[int, float]:
    """Loss weights per label: inversely proportional to class frequency for `class_weight`, else all 1."""
    labels = np.arange(num_classes)
    if cfg.method != "class_weight":
        return {int(label): 1.0 for label in labels}
    present = np.unique(train["label"])
    weights = compute_class_weight("balanced", classes=present, y=train["label"].to_numpy())
    by_label = dict(zip(present.tolist(), weights.tolist()))
    return {int(label): round(float(by_label.get(label, 1.0)), 6) for label in labels}


def _cycle(size: int, count: int, rng: np.random.Generator) -> np.ndarray:
    """`count` indices into `size` items, each used once per round, in shuffled rounds."""
    rounds = -(-count // size) if count else 0
    return np.concatenate([rng.permutation(size) for _ in range(rounds)] or [np.empty(0, int)])[:count]


def zoom_crop(image: tf.Tensor, zoom: tf.Tensor) -> tf.Tensor:
    """The central `zoom` fraction of each side (zoom 0.9 keeps the middle 90%); zoom 1 returns `image`.

    Applied before resizing to the model's size, so the crop keeps the decoded resolution and the image
    is resampled once.
    """
    size = tf.shape(image)[:2]
    crop = tf.maximum(tf.cast(tf.round(tf.cast(size, tf.float32) * zoom), tf.int32), 1)
    offset = (size - crop) // 2
    return tf.image.crop_to_bounding_box(image, offset[0], offset[1], crop[0], crop[1])


def apply_recipe(image: tf.Tensor, flip: tf.Tensor, brightness: tf.Tensor, contrast: tf.Tensor,
                 saturation: tf.Tensor) -> tf.Tensor:
    """Optional horizontal flip, brightness shift, contrast and (3-channel images) saturation factors.

    `image` is float32 in [0, 1], shape (height, width, channels), already at the model's size, so these
    element-wise ops touch few pixels; the result has the same shape and range.
    """
    image = tf.cond(flip > 0, lambda: tf.image.flip_left_right(image), lambda: image)
    image = image + brightness
    # Guarded: a factor of exactly 1 must leave identity rows bit-identical (the ops round otherwise).
    image = tf.cond(tf.not_equal(contrast, 1.0), lambda: tf.image.adjust_contrast(image, contrast), lambda: image)
    if image.shape[-1] == 3:
        image = tf.cond(tf.not_equal(saturation, 1.0), lambda: tf.image.adjust_saturation(image, saturation),
                        lambda: image)
    return tf.clip_by_value(image, 0.0, 1.0)
