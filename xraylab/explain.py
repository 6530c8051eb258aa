"""Grad-CAM heat-maps: where in the image a network's decision comes from (Selvaraju et al. 2017)."""
from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf


CONVOLUTIONS = (keras.layers.Conv2D, keras.layers.SeparableConv2D, keras.layers.DepthwiseConv2D)


def last_conv_layer(model: keras.Model) -> str:
    """Name of the last 2-D convolution (plain, separable or depthwise), whose feature maps Grad-CAM weighs."""
    for layer in reversed(model.layers):
        if isinstance(layer, CONVOLUTIONS):
            return layer.name
    raise ValueError(f"model {model.name} has no Conv2D layer, so Grad-CAM does not apply to it")


def grad_cam(model: keras.Model, images: np.ndarray, layer_name: str | None = None) -> np.ndarray:
    """Heat-maps of shape (N, height, width) in [0, 1], one per image, at the images' own size.

    For a single sigmoid output the map explains the predicted class: the gradient of p where p >= 0.5,
    of 1 - p otherwise (the MSc report's adaptation of Grad-CAM to one output unit). For softmax heads it
    explains the arg-max class.
    """
    layer = model.get_layer(layer_name or last_conv_layer(model))
    probe = keras.Model(model.inputs, [layer.output, model.output])
    images = tf.convert_to_tensor(images, tf.float32)
    with tf.GradientTape() as tape:
        feature_maps, outputs = probe(images, training=False)
        if outputs.shape[-1] == 1:
            positive = outputs[:, 0]
            explained = tf.where(positive >= 0.5, positive, 1.0 - positive)
        else:
            explained = tf.reduce_max(outputs, axis=-1)
    gradients = tape.gradient(explained, feature_maps)
    channel_weights = tf.reduce_mean(gradients, axis=(1, 2), keepdims=True)
    maps = tf.nn.relu(tf.reduce_sum(channel_weights * feature_maps, axis=-1, keepdims=True))
    maps = tf.image.resize(maps, images.shape[1:3])[..., 0]
    peak = tf.reduce_max(maps, axis=(1, 2), keepdims=True)
    # A map with no positive evidence anywhere stays all zero rather than dividing by zero.
    return tf.math.divide_no_nan(maps, peak).numpy()
