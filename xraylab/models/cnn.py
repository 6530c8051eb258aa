"""Convolutional networks trained from scratch."""
from __future__ import annotations

import keras
from keras import layers

from xraylab.config import NetworkConfig
from xraylab.models.registry import register


@register("custom_cnn", NetworkConfig)
def custom_cnn(cfg: NetworkConfig, num_classes: int, seed: int) -> keras.Model:
    """Small conv/BN/pool blocks, a last conv layer for Grad-CAM, global average pooling, dropout, head.

    Sized to train in minutes on a 2-core CPU; the default workhorse of the pipeline.
    """
    del seed  # Keras initialisers draw from the global seed set by xraylab.determinism.
    image = keras.Input((cfg.image_size, cfg.image_size, cfg.channels), name="image")
    features = image
    for filters in cfg.filters:
        features = layers.Conv2D(filters, 3, padding="same", use_bias=False)(features)
        # momentum 0.9, not 0.99: with ~30 steps an epoch the slow default leaves the inference-time
        # statistics far from the batch statistics for the first epochs, and validation collapses.
        features = layers.BatchNormalization(momentum=0.9)(features)
        features = layers.ReLU()(features)
        features = layers.MaxPooling2D()(features)
    features = layers.Conv2D(cfg.filters[-1], 3, padding="same", activation="relu", name="last_conv")(features)
    features = layers.GlobalAveragePooling2D()(features)
    features = layers.Dropout(cfg.dropout)(features)
    return keras.Model(image, head(features, num_classes), name="custom_cnn")


def head(features: keras.KerasTensor, num_classes: int) -> keras.KerasTensor:
    """One sigmoid unit for two classes (the MSc report's choice), softmax otherwise."""
    if num_classes == 2:
        return layers.Dense(1, activation="sigmoid", name="probability")(features)
    return layers.Dense(num_classes, activation="softmax", name="probability")(features)
