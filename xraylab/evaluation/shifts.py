"""Altered copies of images, to measure how a model holds up when films differ from the ones it learnt on.

The official Kermany test images are shifted from the training images (exposure, contrast, sharpness);
a validation score on unaltered images overstates a model. These transforms run on the model-sized
[0, 1] image, deterministically (noise is seeded by the file path), so every run scores the same copies.
"""
from __future__ import annotations

import tensorflow as tf

from xraylab import perturbations
from xraylab.config import ShiftConfig


def apply(image: tf.Tensor, path: tf.Tensor, shift: ShiftConfig) -> tf.Tensor:
    """`image` (height, width, channels) in [0, 1] with `shift` applied, clipped back to [0, 1]."""
    if shift.contrast != 1.0:
        image = perturbations.contrast(image, shift.contrast)
    if shift.gamma != 1.0:
        image = perturbations.gamma(image, shift.gamma)
    if shift.blur > 0:
        image = perturbations.blur(image, shift.blur)
    if shift.noise > 0:
        seed = tf.stack([tf.strings.to_hash_bucket_fast(path, 2**31 - 1), tf.constant(0, tf.int64)])
        image = perturbations.noise(image, shift.noise, seed)
    return tf.clip_by_value(image, 0.0, 1.0)
