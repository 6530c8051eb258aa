"""Where in the image a network's decision comes from, and what its first layer looks for.

Grad-CAM (Selvaraju et al. 2017) weighs the last convolution's feature maps by their gradients: cheap,
one pass, at the resolution of that layer. Occlusion sensitivity (Zeiler and Fergus 2014) greys out one
patch at a time and measures how much the explained probability drops: model-agnostic and exact about
what a region contributes, at the cost of one prediction per patch position. Both maps come back at
the image's size with values in [0, 1], 1 where the evidence is strongest.
"""
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


def gradcam_layer(model: keras.Model) -> str:
    """The layer whose feature maps Grad-CAM weighs unless one is named (gradcam.layer).

    Where the network ends in global average pooling and a dense layer (custom_cnn, every transfer network), the
    maps that pooling reads: for custom_cnn its last convolution, for a keras.applications backbone its last
    block's output (after the activation, as Keras's own Grad-CAM example takes it). On them Grad-CAM has the
    closed form of `grad_cam_graph`, which the web page computes too. Otherwise the last convolution.
    """
    pooled = _pooled_layer(model)
    return pooled if pooled is not None else last_conv_layer(model)


def _pooled_layer(model: keras.Model) -> str | None:
    """The layer feeding the head's global average pooling, when what follows it is the head `dense_head`
    accepts; None for any other head."""
    pooling = [layer for layer in model.layers if isinstance(layer, keras.layers.GlobalAveragePooling2D)]
    if not pooling:
        return None
    name = pooling[-1].input._keras_history.operation.name
    return name if dense_head(model, name) is not None else None


def first_conv_layer(model: keras.Model) -> keras.layers.Layer:
    """The first 2-D convolution: the layer whose filters and activations are shown to people."""
    for layer in model.layers:
        if isinstance(layer, CONVOLUTIONS):
            return layer
    raise ValueError(f"model {model.name} has no Conv2D layer")


def grad_cam(model: keras.Model, images: np.ndarray, layer_name: str | None = None) -> np.ndarray:
    """Heat-maps of shape (N, height, width) in [0, 1], one per image, at the images' own size.

    For a single sigmoid output the map explains the predicted class: the gradient of p where p >= 0.5,
    of 1 - p otherwise (the MSc report's adaptation of Grad-CAM to one output unit). For softmax heads it
    explains the arg-max class. Networks with a global-average-pooling + dense head get the closed form
    of `grad_cam_graph` (the same maps, and what the web demo computes); others a gradient tape.
    """
    layer = model.get_layer(layer_name or gradcam_layer(model))
    images = tf.convert_to_tensor(images, tf.float32)
    if dense_head(model, layer.name) is not None:
        return grad_cam_graph(model, layer.name)(images)[1].numpy()
    return grad_cam_tape(model, images, layer.name)


def grad_cam_tape(model: keras.Model, images: np.ndarray, layer_name: str) -> np.ndarray:
    """Grad-CAM by automatic differentiation: any architecture, on the CPU or GPU (not in TF.js)."""
    probe = keras.Model(model.inputs, [model.get_layer(layer_name).output, model.output])
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
    weighted = tf.reduce_sum(channel_weights * feature_maps, axis=-1, keepdims=True)
    return _finish(weighted, images.shape[1:3]).numpy()


def dense_head(model: keras.Model, layer_name: str) -> keras.layers.Dense | None:
    """The output layer, when all that follows `layer_name` is global average pooling, dropout and that layer.

    For such a head Grad-CAM has a closed form, which `grad_cam_graph` computes without gradient ops.
    """
    names = [layer.name for layer in model.layers]
    after = model.layers[names.index(layer_name) + 1:]
    kinds = [type(layer) for layer in after if not isinstance(layer, keras.layers.Dropout)]
    if kinds != [keras.layers.GlobalAveragePooling2D, keras.layers.Dense]:
        return None
    return after[-1]


def grad_cam_graph(model: keras.Model, layer_name: str | None = None):
    """A function images → (outputs, heat-maps) giving what `grad_cam` gives, built from plain tensor ops.

    TF.js graph models cannot run gradient ops (SigmoidGrad, StridedSliceGrad…), so the web export needs
    Grad-CAM without a gradient tape. With a global-average-pooling + dense head the gradient is known:
    for a sigmoid unit p = s(w·mean(A) + b), dp/dA_k = p(1 - p) w_k / (H W) at every position, and the
    map is relu(Σ_k ±w_k A_k) after dropping the positive factor p(1 - p)/(H W), which the final scaling
    to a peak of 1 removes anyway (that is CAM, Zhou et al. 2016). For a softmax head and arg-max class c,
    dp_c/dA_k ∝ p_c (w_ck - Σ_j p_j w_jk). Raises ValueError for any other head.
    """
    layer = model.get_layer(layer_name or gradcam_layer(model))
    head = dense_head(model, layer.name)
    if head is None:
        raise ValueError(f"model {model.name}: what follows {layer.name} is not global average pooling and a "
                         "dense layer, so Grad-CAM has no closed form for it")
    # Named, or Keras numbers it from a global counter and the exported graph differs from run to run.
    probe = keras.Model(model.inputs, [layer.output, model.output], name=f"{model.name}_grad_cam")

    def maps(images: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        feature_maps, outputs = probe(images, training=False)
        # float32 throughout: under mixed precision the feature maps are float16, the head's weights float32
        feature_maps, outputs = tf.cast(feature_maps, tf.float32), tf.cast(outputs, tf.float32)
        kernel = tf.cast(tf.transpose(head.kernel), tf.float32)  # (classes, channels)
        if outputs.shape[-1] == 1:
            # explaining p where p >= 0.5 and 1 - p otherwise flips the gradient's sign
            weights = tf.where(outputs >= 0.5, 1.0, -1.0) * kernel
        else:
            chosen = tf.one_hot(tf.argmax(outputs, axis=-1), outputs.shape[-1])
            weights = tf.matmul(chosen - outputs, kernel)
        weighted = tf.reduce_sum(feature_maps * weights[:, None, None, :], axis=-1, keepdims=True)
        return outputs, _finish(weighted, images.shape[1:3])

    return maps


def _finish(weighted: tf.Tensor, size) -> tf.Tensor:
    """Grad-CAM's last steps: relu, resize to the image, scale each map to a peak of 1."""
    maps = tf.image.resize(tf.nn.relu(weighted), size)[..., 0]
    peak = tf.reduce_max(maps, axis=(1, 2), keepdims=True)
    # A map with no positive evidence anywhere stays all zero rather than dividing by zero.
    return tf.math.divide_no_nan(maps, peak)


def occlusion(model: keras.Model, images: np.ndarray, patch: int, stride: int,
              batch_size: int = 64) -> np.ndarray:
    """Occlusion sensitivity maps (N, height, width) in [0, 1] for the class each image is predicted as.

    Each `patch` x `patch` square, every `stride` pixels, is set to the image's mean grey; a pixel's value
    is the mean drop of the explained probability over the squares covering it, floored at zero (a square
    whose removal raises the probability is not evidence for the class).
    """
    images = np.asarray(images, np.float32)
    height, width = images.shape[1:3]
    if not 0 < patch <= min(height, width) or stride < 1:
        raise ValueError(f"occlusion patch must be in [1, {min(height, width)}] and stride >= 1, "
                         f"got patch {patch}, stride {stride}")
    corners = [(top, left) for top in _starts(height, patch, stride) for left in _starts(width, patch, stride)]
    maps = np.zeros(images.shape[:3], np.float32)
    for index, image in enumerate(images):
        occluded = np.repeat(image[None], len(corners), axis=0)
        for copy, (top, left) in zip(occluded, corners):
            copy[top:top + patch, left:left + patch] = image.mean()
        outputs = model.predict(np.concatenate([image[None], occluded]), batch_size=batch_size, verbose=0)
        explained = _explained(outputs)
        drops = explained[0] - explained[1:]
        total, coverage = np.zeros((height, width)), np.zeros((height, width))
        for drop, (top, left) in zip(drops, corners):
            total[top:top + patch, left:left + patch] += drop
            coverage[top:top + patch, left:left + patch] += 1
        heatmap = np.maximum(total / coverage, 0.0)
        maps[index] = heatmap / heatmap.max() if heatmap.max() > 0 else heatmap
    return maps


def activations(model: keras.Model, image: np.ndarray) -> np.ndarray:
    """The first convolution's feature maps for one image: (height, width, filters)."""
    layer = first_conv_layer(model)
    probe = keras.Model(model.inputs, layer.output)
    return np.asarray(probe(np.asarray(image, np.float32)[None], training=False))[0]


def _explained(outputs: np.ndarray) -> np.ndarray:
    """The probability of the class predicted for the first row, for every row (Grad-CAM's choice too)."""
    outputs = np.asarray(outputs, np.float64)
    if outputs.shape[1] == 1:
        return outputs[:, 0] if outputs[0, 0] >= 0.5 else 1.0 - outputs[:, 0]
    return outputs[:, int(np.argmax(outputs[0]))]


def _starts(length: int, patch: int, stride: int) -> list[int]:
    starts = list(range(0, length - patch + 1, stride))
    if starts[-1] != length - patch:  # the last square reaches the far edge, so every pixel is covered
        starts.append(length - patch)
    return starts
