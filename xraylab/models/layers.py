"""Layers our networks carry inside them, so training, evaluation, export and the browser share them.

Normalisation is part of the saved model, so the exported model (and the web page) take the same [0, 1]
pixels the pipeline feeds and need no preprocessing of their own. Random augmentation wraps the model
only while it trains (xraylab.models.cnn.with_augmentation) and is never saved.
"""
from __future__ import annotations

import keras
import tensorflow as tf
from keras import layers, ops

from xraylab import perturbations
from xraylab.config import AugmentConfig


@keras.saving.register_keras_serializable(package="xraylab")
class Standardize(layers.Layer):
    """Each image to mean 0 and standard deviation 1 (tf.image.per_image_standardization's formula).

    Undoes any brightness and contrast change made to a whole film: the exposure differences between
    hospitals and machines that a network would otherwise learn as evidence.
    """

    def call(self, images):
        mean = ops.mean(images, axis=(1, 2, 3), keepdims=True)
        deviation = ops.std(images, axis=(1, 2, 3), keepdims=True)
        pixels = ops.cast(ops.prod(ops.shape(images)[1:]), images.dtype)
        # The floor keeps a uniform image finite, as per_image_standardization does.
        return (images - mean) / ops.maximum(deviation, ops.rsqrt(pixels))


@keras.saving.register_keras_serializable(package="xraylab")
class RandomGamma(layers.Layer):
    """While training, raises each image's [0, 1] pixels to a gamma with log(gamma) in [-strength, strength]."""

    def __init__(self, strength: float, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.strength = strength
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, images, training=None):
        if not training:
            return images
        batch = ops.shape(images)[0]
        log_gamma = keras.random.uniform((batch, 1, 1, 1), -self.strength, self.strength,
                                         seed=self.seed_generator)
        return perturbations.gamma(images, ops.exp(log_gamma), floor=1e-6)

    def get_config(self):
        return {**super().get_config(), "strength": self.strength, "seed": self.seed}


@keras.saving.register_keras_serializable(package="xraylab")
class RandomJpeg(layers.Layer):
    """While training, re-encodes each [0, 1] image as a JPEG at a quality drawn from [lowest, 95].

    The 224 px copies every model trains on are JPEGs (quality 75); an original film resized by the pipeline
    is not, and that difference alone moved the release model's probability by up to 0.09 (docs/results.md,
    "The same film at any size"). Compression artifacts should not be evidence.
    """

    def __init__(self, lowest: float, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.lowest = lowest
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, images, training=None):
        if not training:
            return images
        seeds = keras.random.randint((ops.shape(images)[0], 2), 0, 2**31 - 1, seed=self.seed_generator)
        # JPEG coding is TensorFlow's (no Keras op): one stateless draw per image, from that image's seed pair.
        return tf.map_fn(lambda pair: perturbations.jpeg(pair[0], int(self.lowest), pair[1]),
                         (images, tf.cast(seeds, tf.int32)), fn_output_signature=images.dtype)

    def get_config(self):
        return {**super().get_config(), "lowest": self.lowest, "seed": self.seed}


def augmentation(cfg: AugmentConfig) -> list[layers.Layer]:
    """The random layers `cfg` asks for, photometric first (on [0, 1] pixels), then geometric, then JPEG coding
    and sensor noise."""
    chosen = []
    if cfg.gamma:
        chosen.append(RandomGamma(cfg.gamma))
    if cfg.contrast:
        chosen.append(layers.RandomContrast(cfg.contrast, value_range=(0.0, 1.0)))
    if cfg.brightness:
        chosen.append(layers.RandomBrightness(cfg.brightness, value_range=(0.0, 1.0)))
    if cfg.zoom:
        chosen.append(layers.RandomZoom(cfg.zoom, fill_mode="constant"))
    if cfg.zoom_in:
        # Negative factors zoom in: the films of the official test split are framed tighter than the training
        # films (lungs filling the frame), and the normal ones among them were called pneumonia.
        chosen.append(layers.RandomZoom((-cfg.zoom_in, 0.0)))
    if cfg.rotation:
        chosen.append(layers.RandomRotation(cfg.rotation, fill_mode="constant"))
    if cfg.translate:
        chosen.append(layers.RandomTranslation(cfg.translate, cfg.translate, fill_mode="constant"))
    if cfg.jpeg:
        chosen.append(RandomJpeg(cfg.jpeg))
    if cfg.noise:
        chosen.append(layers.GaussianNoise(cfg.noise))
    return chosen
