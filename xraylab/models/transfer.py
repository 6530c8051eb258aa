"""keras.applications backbones with a GAP → dropout → dense head (the Udacity report's bottleneck head).

ImageNet weights are never downloaded: `weights: imagenet` reads the file Keras would have cached in
~/.keras/models/, and fails with its name if it is not there. Inputs arrive as [0, 1] RGB; each backbone's
own preprocessing is a layer inside the model, so the exported model (and the browser) take the same input.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import keras
from keras import layers

from xraylab.config import TransferConfig
from xraylab.errors import UserError
from xraylab.models.cnn import head
from xraylab.models.registry import register

KERAS_CACHE = Path("~/.keras/models")
# ImageNet channel means (B, G, R) that "caffe"-style backbones subtract. Inputs are greyscale X-rays
# repeated to three channels, so the RGB → BGR flip of that style changes nothing and is left out.
CAFFE_MEANS = (103.939, 116.779, 123.68)
FEATURES_LAYER = "features"  # the pooled backbone output the head reads


@dataclass(frozen=True)
class Backbone:
    build: Callable[..., keras.Model]
    imagenet_file: str  # the no-top weights file name in the Keras cache
    preprocessing: str  # "caffe": 0-255 minus channel means; "tf": scaled to [-1, 1]
    min_size: int


BACKBONES = {
    "vgg16_imagenet": Backbone(keras.applications.VGG16,
                               "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5", "caffe", 32),
    "resnet50": Backbone(keras.applications.ResNet50,
                         "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5", "caffe", 32),
    "inception_v3": Backbone(keras.applications.InceptionV3,
                             "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5", "tf", 75),
    "xception": Backbone(keras.applications.Xception,
                         "xception_weights_tf_dim_ordering_tf_kernels_notop.h5", "tf", 71),
    "inception_resnet_v2": Backbone(keras.applications.InceptionResNetV2,
                                    "inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5", "tf", 75),
    # The CPU-friendly modern net; include_preprocessing=False because ours is the layer below.
    "mobilenet_v3_small": Backbone(lambda **kwargs: keras.applications.MobileNetV3Small(
                                       include_preprocessing=False, **kwargs),
                                   "weights_mobilenet_v3_small_224_1.0_float_no_top_v2.h5", "tf", 32),
}


def weights_path(name: str, weights: str | None, cache: Path = KERAS_CACHE) -> str | None:
    """What to hand keras.applications as `weights`: None, or a file that exists."""
    if weights is None:
        return None
    if weights == "imagenet":
        path = Path(cache).expanduser() / BACKBONES[name].imagenet_file
        if not path.is_file():
            raise UserError(f"ImageNet weights for {name} not found at {path}; place the file there "
                            f"(this machine cannot download it) or set models.{name}.weights: null")
        return str(path)
    if not Path(weights).is_file():
        raise UserError(f"models.{name}.weights file {weights} not found")
    return weights


def build_transfer(name: str, cfg: TransferConfig, num_classes: int, cache: Path = KERAS_CACHE) -> keras.Model:
    backbone = BACKBONES[name]
    if cfg.image_size < backbone.min_size:
        raise UserError(f"models.{name}.image_size must be at least {backbone.min_size} for this backbone, "
                        f"got {cfg.image_size}")
    image = keras.Input((cfg.image_size, cfg.image_size, 3), name="image")
    if backbone.preprocessing == "caffe":
        prepared = layers.Normalization(mean=CAFFE_MEANS, variance=(1.0, 1.0, 1.0))(layers.Rescaling(255.0)(image))
    else:
        prepared = layers.Rescaling(2.0, offset=-1.0)(image)
    base = backbone.build(include_top=False, weights=weights_path(name, cfg.weights, cache), input_tensor=prepared)
    if cfg.mode == "bottleneck":
        base.trainable = False  # the backbone is a fixed feature extractor; only the head learns
    features = layers.GlobalAveragePooling2D(name=FEATURES_LAYER)(base.output)
    features = layers.Dropout(cfg.dropout)(features)
    return keras.Model(image, head(features, num_classes), name=name)


def bottleneck_parts(model: keras.Model) -> tuple[keras.Model, keras.Model]:
    """Split a transfer model at its pooled features: (image → features, features → probability).

    The parts share the model's layers, so fitting the head on features extracted once trains the
    head of `model` itself; with the backbone frozen, that is the same fit as on images, epochs cheaper.
    """
    pooled = model.get_layer(FEATURES_LAYER)
    extractor = keras.Model(model.input, pooled.output, name=f"{model.name}_features")
    features = keras.Input(pooled.output.shape[1:], name="features")
    output = features
    for layer in model.layers[model.layers.index(pooled) + 1:]:  # dropout, then the dense head
        output = layer(output)
    return extractor, keras.Model(features, output, name=f"{model.name}_head")


def _register(name: str) -> None:
    @register(name, TransferConfig)
    def builder(cfg: TransferConfig, num_classes: int, seed: int) -> keras.Model:
        del seed
        return build_transfer(name, cfg, num_classes)


for _name in BACKBONES:
    _register(_name)
