"""Convolutional networks trained from scratch: the research's LeNet-5, AlexNet and VGG16, and our small CNN."""
from __future__ import annotations

import keras
from keras import layers

from xraylab.config import NetworkConfig
from xraylab.errors import UserError
from xraylab.models.layers import Standardize, augmentation
from xraylab.models.registry import register


@register("custom_cnn", NetworkConfig)
def custom_cnn(cfg: NetworkConfig, num_classes: int, seed: int) -> keras.Model:
    """Small conv/BN/pool blocks, a last conv layer for Grad-CAM, global average pooling, dropout, head.

    Sized to train in minutes on a 2-core CPU; the default workhorse of the pipeline.
    """
    del seed  # Keras initialisers draw from the global seed set by xraylab.determinism.
    if cfg.filters is None:
        raise UserError("models.custom_cnn.filters is missing: the conv widths, e.g. [16, 32, 64]")
    image, features = _input(cfg)
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


@register("lenet5", NetworkConfig)
def lenet5(cfg: NetworkConfig, num_classes: int, seed: int) -> keras.Model:
    """LeNet-5 as the MSc report ran it: 6 and 16 5x5 convolutions with ReLU and pooling, dense 120 and 84."""
    del seed
    image, prepared = _input(cfg)
    features = layers.Conv2D(6, 5, activation="relu", padding="same")(prepared)
    features = layers.MaxPooling2D()(features)
    features = layers.Conv2D(16, 5, activation="relu", name="last_conv")(features)
    features = layers.MaxPooling2D()(features)
    features = layers.Flatten()(features)
    features = layers.Dense(120, activation="relu")(features)
    features = layers.Dense(84, activation="relu")(features)
    features = layers.Dropout(cfg.dropout)(features)
    return keras.Model(image, head(features, num_classes), name="lenet5")


@register("alexnet", NetworkConfig)
def alexnet(cfg: NetworkConfig, num_classes: int, seed: int) -> keras.Model:
    """AlexNet (Krizhevsky et al. 2012) with batch normalisation in place of local response normalisation."""
    del seed
    image, prepared = _input(cfg)
    features = layers.Conv2D(96, 11, strides=4, activation="relu", padding="same")(prepared)
    features = layers.MaxPooling2D(3, strides=2, padding="same")(layers.BatchNormalization()(features))
    features = layers.Conv2D(256, 5, activation="relu", padding="same")(features)
    features = layers.MaxPooling2D(3, strides=2, padding="same")(layers.BatchNormalization()(features))
    features = layers.Conv2D(384, 3, activation="relu", padding="same")(features)
    features = layers.Conv2D(384, 3, activation="relu", padding="same")(features)
    features = layers.Conv2D(256, 3, activation="relu", padding="same", name="last_conv")(features)
    features = layers.MaxPooling2D(3, strides=2, padding="same")(features)
    features = layers.Flatten()(features)
    for _ in range(2):
        features = layers.Dropout(cfg.dropout)(layers.Dense(4096, activation="relu")(features))
    return keras.Model(image, head(features, num_classes), name="alexnet")


@register("vgg16", NetworkConfig)
def vgg16(cfg: NetworkConfig, num_classes: int, seed: int) -> keras.Model:
    """VGG16's convolutional layers from random initialisation, with the GAP → dropout → dense head."""
    del seed
    image, prepared = _input(cfg)
    backbone = keras.applications.VGG16(include_top=False, weights=None, input_tensor=prepared)
    features = layers.GlobalAveragePooling2D()(backbone.output)
    features = layers.Dropout(cfg.dropout)(features)
    return keras.Model(image, head(features, num_classes), name="vgg16")


def _input(cfg: NetworkConfig) -> tuple[keras.KerasTensor, keras.KerasTensor]:
    """The image input, and what the first layer sees: the image normalised as params ask."""
    image = keras.Input((cfg.image_size, cfg.image_size, cfg.channels), name="image")
    if cfg.normalize == "standardize":
        return image, Standardize(name="standardize")(image)
    return image, image


def with_augmentation(model: keras.Model, cfg: NetworkConfig) -> keras.Model:
    """`model` behind the random layers `cfg.augment` asks for: the model to fit, sharing `model`'s weights.

    The augmentation stays outside the saved model, so evaluation, export and the browser never carry
    random layers (their seed updates do not convert to TF.js); `model` itself is what gets saved.
    """
    chosen = augmentation(cfg.augment)
    if not chosen:
        return model
    image = keras.Input(model.input.shape[1:], name="image")
    augmented = image
    for layer in chosen:
        augmented = layer(augmented)
    return keras.Model(image, model(augmented), name=f"{model.name}_augmented")


def head(features: keras.KerasTensor, num_classes: int) -> keras.KerasTensor:
    """One sigmoid unit for two classes (the MSc report's choice), softmax otherwise.

    float32 even under mixed precision: probabilities near 0 and 1 need the precision.
    """
    if num_classes == 2:
        return layers.Dense(1, activation="sigmoid", dtype="float32", name="probability")(features)
    return layers.Dense(num_classes, activation="softmax", dtype="float32", name="probability")(features)
