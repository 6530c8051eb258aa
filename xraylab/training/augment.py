"""Augmentation recipes applied to an image: the recipes `xraylab.data.balance` plans per row of the balanced
manifest, made of the perturbations of `xraylab.perturbations`.
"""
from __future__ import annotations

from typing import Mapping

import tensorflow as tf

from xraylab import perturbations


def apply_recipe(image: tf.Tensor, recipe: Mapping[str, tf.Tensor]) -> tf.Tensor:
    """A row's recipe (`xraylab.data.balance.Recipe`, by name): optional horizontal flip, brightness shift,
    contrast and (3-channel images) saturation factors; its zoom is applied before resizing
    (`perturbations.zoom`).

    `image` is float32 in [0, 1], shape (height, width, channels), already at the model's size, so these
    element-wise ops touch few pixels; the result has the same shape and range.
    """
    image = perturbations.flip(image, recipe["flip"])
    image = perturbations.brightness(image, recipe["brightness"])
    image = perturbations.contrast(image, recipe["contrast"])
    image = perturbations.saturation(image, recipe["saturation"])
    return tf.clip_by_value(image, 0.0, 1.0)
