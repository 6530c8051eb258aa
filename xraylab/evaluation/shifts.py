"""Altered copies of images, to measure how a model holds up when films differ from the ones it learnt on.

The official Kermany test images are shifted from the training images (exposure, contrast, sharpness);
a validation score on unaltered images overstates a model. These transforms run on the model-sized
[0, 1] image, deterministically (noise is seeded by the file path), so every run scores the same copies.
"""
from __future__ import annotations

import math

import tensorflow as tf

from xraylab.config import ShiftConfig


def apply(image: tf.Tensor, path: tf.Tensor, shift: ShiftConfig) -> tf.Tensor:
    """`image` (height, width, channels) in [0, 1] with `shift` applied, clipped back to [0, 1]."""
    if shift.contrast != 1.0:
        image = tf.image.adjust_contrast(image, shift.contrast)
    if shift.gamma != 1.0:
        image = tf.pow(tf.clip_by_value(image, 0.0, 1.0), shift.gamma)
    if shift.blur > 0:
        image = _gaussian_blur(image, shift.blur)
    if shift.noise > 0:
        seed = tf.stack([tf.strings.to_hash_bucket_fast(path, 2**31 - 1), tf.constant(0, tf.int64)])
        image = image + tf.random.stateless_normal(tf.shape(image), seed, stddev=shift.noise)
    return tf.clip_by_value(image, 0.0, 1.0)


def _gaussian_blur(image: tf.Tensor, sigma: float) -> tf.Tensor:
    radius = max(1, math.ceil(3 * sigma))
    offsets = tf.range(-radius, radius + 1, dtype=tf.float32)
    weights = tf.exp(-(offsets ** 2) / (2 * sigma ** 2))
    weights /= tf.reduce_sum(weights)
    channels = image.shape[-1]
    # Separable: one pass along the rows, one along the columns, edges padded by reflection.
    padded = tf.pad(image[None], [[0, 0], [radius, radius], [radius, radius], [0, 0]], mode="REFLECT")
    vertical = tf.tile(tf.reshape(weights, (-1, 1, 1, 1)), (1, 1, channels, 1))
    horizontal = tf.tile(tf.reshape(weights, (1, -1, 1, 1)), (1, 1, channels, 1))
    blurred = tf.nn.depthwise_conv2d(padded, vertical, strides=(1, 1, 1, 1), padding="VALID")
    blurred = tf.nn.depthwise_conv2d(blurred, horizontal, strides=(1, 1, 1, 1), padding="VALID")
    return blurred[0]
