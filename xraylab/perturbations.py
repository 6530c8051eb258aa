"""Image perturbations, one vocabulary: each name is one change of a [0, 1] image by an amount, made by one
function here. Balancing plans an amount per copied row (`xraylab.data.balance.Recipe`), training augmentation
draws amounts per image and epoch (`AugmentConfig`: a strength is the half-width of the range drawn from), and
evaluation applies fixed amounts to validation films (`ShiftConfig`, `xraylab.evaluation.shifts`).

| name | amount | balance | augment | shifts |
|---|---|---|---|---|
| flip | 1: mirrored left to right | yes | – | – |
| zoom | the central fraction of each side kept | yes | zoom, zoom_in (Keras RandomZoom) | – |
| brightness | added to every pixel | yes | yes (Keras RandomBrightness) | – |
| contrast | factor around the image's mean | yes | yes (Keras RandomContrast) | yes |
| saturation | factor, 3-channel images | yes | – | – |
| gamma | exponent on the pixels (> 1 darkens) | – | yes (log-gamma drawn) | yes |
| blur | Gaussian sigma in pixels | – | – | yes |
| noise | deviation of added Gaussian noise | – | yes (Keras GaussianNoise) | yes |
| jpeg | JPEG quality the image is re-coded at | – | yes (quality drawn) | – |

Rotation and translation exist only as augmentation (Keras layers). Every function takes and returns one image
(height, width, channels) or a batch, float32, and leaves clipping to [0, 1] to its caller unless it says so.
"""
from __future__ import annotations

import math

import tensorflow as tf


def flip(image: tf.Tensor, on: tf.Tensor) -> tf.Tensor:
    return tf.cond(on > 0, lambda: tf.image.flip_left_right(image), lambda: image)


def zoom(image: tf.Tensor, fraction: tf.Tensor) -> tf.Tensor:
    """The central `fraction` of each side (0.9 keeps the middle 90%); 1 returns `image`.

    Applied before resizing to the model's size, so the crop keeps the decoded resolution and the image
    is resampled once.
    """
    size = tf.shape(image)[:2]
    crop = tf.maximum(tf.cast(tf.round(tf.cast(size, tf.float32) * fraction), tf.int32), 1)
    offset = (size - crop) // 2
    return tf.image.crop_to_bounding_box(image, offset[0], offset[1], crop[0], crop[1])


def brightness(image: tf.Tensor, offset: tf.Tensor) -> tf.Tensor:
    return image + offset


def contrast(image: tf.Tensor, factor: tf.Tensor) -> tf.Tensor:
    # Guarded: a factor of exactly 1 must leave the image bit-identical (the op rounds otherwise).
    return tf.cond(tf.not_equal(factor, 1.0), lambda: tf.image.adjust_contrast(image, factor), lambda: image)


def saturation(image: tf.Tensor, factor: tf.Tensor) -> tf.Tensor:
    """Greyscale images are returned as they are."""
    if image.shape[-1] != 3:
        return image
    return tf.cond(tf.not_equal(factor, 1.0), lambda: tf.image.adjust_saturation(image, factor), lambda: image)


def gamma(image: tf.Tensor, exponent: tf.Tensor, floor: float = 0.0) -> tf.Tensor:
    """Pixels raised to `exponent`, after clipping to [floor, 1] (a floor above 0 keeps gradients finite)."""
    return tf.pow(tf.clip_by_value(image, floor, 1.0), exponent)


def blur(image: tf.Tensor, sigma: float) -> tf.Tensor:
    """A separable Gaussian of `sigma` pixels, edges padded by reflection."""
    radius = max(1, math.ceil(3 * sigma))
    offsets = tf.range(-radius, radius + 1, dtype=tf.float32)
    weights = tf.exp(-(offsets ** 2) / (2 * sigma ** 2))
    weights /= tf.reduce_sum(weights)
    channels = image.shape[-1]
    padded = tf.pad(image[None], [[0, 0], [radius, radius], [radius, radius], [0, 0]], mode="REFLECT")
    vertical = tf.tile(tf.reshape(weights, (-1, 1, 1, 1)), (1, 1, channels, 1))
    horizontal = tf.tile(tf.reshape(weights, (1, -1, 1, 1)), (1, 1, channels, 1))
    blurred = tf.nn.depthwise_conv2d(padded, vertical, strides=(1, 1, 1, 1), padding="VALID")
    blurred = tf.nn.depthwise_conv2d(blurred, horizontal, strides=(1, 1, 1, 1), padding="VALID")
    return blurred[0]


def noise(image: tf.Tensor, deviation: float, seed: tf.Tensor) -> tf.Tensor:
    """Gaussian noise from a stateless `seed` (a pair of int64), so the same seed gives the same noise."""
    return image + tf.random.stateless_normal(tf.shape(image), seed, stddev=deviation)


def jpeg(image: tf.Tensor, lowest: int, seed: tf.Tensor) -> tf.Tensor:
    """The image re-coded as a JPEG at a quality drawn from [lowest, 95] by a stateless `seed` (a pair of int32)."""
    return tf.image.stateless_random_jpeg_quality(image, lowest, 95, seed)
