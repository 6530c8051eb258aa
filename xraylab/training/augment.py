"""Augmentation recipes applied to an image (tf.image ops): the recipes `xraylab.data.balance` plans per row of the
balanced manifest, and the zoom crop that training augmentation shares with them.
"""
from __future__ import annotations

from typing import Mapping

import tensorflow as tf


def zoom_crop(image: tf.Tensor, zoom: tf.Tensor) -> tf.Tensor:
    """The central `zoom` fraction of each side (zoom 0.9 keeps the middle 90%); zoom 1 returns `image`.

    Applied before resizing to the model's size, so the crop keeps the decoded resolution and the image
    is resampled once.
    """
    size = tf.shape(image)[:2]
    crop = tf.maximum(tf.cast(tf.round(tf.cast(size, tf.float32) * zoom), tf.int32), 1)
    offset = (size - crop) // 2
    return tf.image.crop_to_bounding_box(image, offset[0], offset[1], crop[0], crop[1])


def apply_recipe(image: tf.Tensor, recipe: Mapping[str, tf.Tensor]) -> tf.Tensor:
    """A row's recipe (`xraylab.data.balance.Recipe`, by name): optional horizontal flip, brightness shift,
    contrast and (3-channel images) saturation factors; its zoom is applied before resizing (`zoom_crop`).

    `image` is float32 in [0, 1], shape (height, width, channels), already at the model's size, so these
    element-wise ops touch few pixels; the result has the same shape and range.
    """
    flip, brightness, contrast, saturation = (recipe[name] for name in ("flip", "brightness", "contrast",
                                                                        "saturation"))
    image = tf.cond(flip > 0, lambda: tf.image.flip_left_right(image), lambda: image)
    image = image + brightness
    # Guarded: a factor of exactly 1 must leave identity rows bit-identical (the ops round otherwise).
    image = tf.cond(tf.not_equal(contrast, 1.0), lambda: tf.image.adjust_contrast(image, contrast), lambda: image)
    if image.shape[-1] == 3:
        image = tf.cond(tf.not_equal(saturation, 1.0), lambda: tf.image.adjust_saturation(image, saturation),
                        lambda: image)
    return tf.clip_by_value(image, 0.0, 1.0)
