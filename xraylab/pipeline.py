"""Input pipelines from a manifest: tf.data batches for networks, flattened arrays for scikit-learn."""
from __future__ import annotations

import numpy as np
import pandas as pd
import tensorflow as tf

from xraylab import perturbations
from xraylab.config import ShiftConfig
from xraylab.data.balance import IDENTITY, RECIPE_COLUMNS
from xraylab.evaluation import shifts
from xraylab.training.augment import apply_recipe

JPEG_SCALES = (1, 2, 4, 8)  # the reduced sizes libjpeg can decode to directly
# libjpeg's accurate integer IDCT, as Pillow and the browsers decode: TensorFlow's default, the fast one, differs
# from them by up to 19 grey levels, which moved EfficientNet-Lite0's probability by up to 0.11 between
# `xraylab predict` and the page on the sample's films. With it the three decode the same pixels (#37).
DCT_METHOD = "INTEGER_ACCURATE"


def decode(path: tf.Tensor, channels: int, min_side: tf.Tensor | float | None = None) -> tf.Tensor:
    """Read one file (JPEG, PNG, BMP, GIF) as uint8, `channels` deep.

    With `min_side`, a JPEG is decoded at the smallest of 1/1, 1/2, 1/4, 1/8 scale whose shorter side
    keeps at least `min_side` pixels: libjpeg scales in the DCT domain, skipping most of the work of a
    full-size decode (a 1,300 px X-ray for a 224 px model decodes at 1/4), and the reduced image is closer
    to an area average than a full decode resized bilinearly. Other formats decode in full.
    """
    data = tf.io.read_file(path)
    jpeg = (lambda: tf.io.decode_jpeg(data, channels=channels, dct_method=DCT_METHOD)) if min_side is None else \
        (lambda: _decode_jpeg_scaled(data, channels, min_side))
    return tf.cond(tf.equal(tf.strings.substr(data, 0, 2), b"\xff\xd8"), jpeg,
                   lambda: tf.io.decode_image(data, channels=channels, expand_animations=False))


def _decode_jpeg_scaled(data: tf.Tensor, channels: int, min_side: tf.Tensor | float) -> tf.Tensor:
    shorter = tf.cast(tf.reduce_min(tf.io.extract_jpeg_shape(data)[:2]), tf.float32)
    fits = [tf.cast(shorter / scale >= tf.cast(min_side, tf.float32), tf.int32) for scale in JPEG_SCALES[1:]]
    # `ratio` is an attribute of the op, not an input: one branch per scale.
    branches = [lambda scale=scale: tf.io.decode_jpeg(data, channels=channels, ratio=scale, dct_method=DCT_METHOD)
                for scale in JPEG_SCALES]
    return tf.switch_case(tf.add_n(fits), branches)


FILM_SIZE = 224  # the side of the copies every model is trained on (the public 224 × 224 Kermany redistribution)


def resize(image: tf.Tensor, image_size: int) -> tf.Tensor:
    """A decoded uint8 image at the model's square size, as float32 in [0, 1].

    As if in two antialiased steps, so that an original film and its 224 px copy give the model the same
    pixels: first to the 224 × 224 film the training copies are (squashed, as the redistribution did), then to
    `image_size`. A plain bilinear resize of a 2,000 px original samples every ninth pixel and moved the release
    model's probability by up to 0.76 against the copy (docs/results.md); this path stays within a few
    hundredths. docs/app.js computes the same.
    """
    shape = tf.shape(image)
    return tf.einsum("ih,hwc,jw->ijc", film_weights(shape[0], image_size), tf.cast(image, tf.float32),
                     film_weights(shape[1], image_size)) / 255.0


def film_weights(length: tf.Tensor, size: int) -> tf.Tensor:
    """(size, length) weights of both steps of `resize` along one axis: `length` to 224, then 224 to `size`.

    Both steps are linear, so their product is one matrix and the image is resampled once: the second step
    no longer multiplies a 224 × 224 intermediate (2.5x fewer operations for a 224 px film at 128 px).
    """
    return tf.matmul(triangle_weights(FILM_SIZE, size), triangle_weights(length, FILM_SIZE))


def triangle_weights(length: tf.Tensor | int, size: int) -> tf.Tensor:
    """(size, length) weights resampling `length` pixels to `size` with a triangle (bilinear) filter.

    Widened by the scale when shrinking, so every input pixel counts (the antialiasing of PIL's BILINEAR,
    which the 224 px copies were made with: the closest of six filters to them, RMS 3.3 grey levels);
    rows sum to 1. At equal sizes the matrix is the identity.
    """
    scale = tf.cast(length, tf.float32) / size
    centres = (tf.range(size, dtype=tf.float32) + 0.5) * scale
    positions = tf.range(length, dtype=tf.float32) + 0.5
    weights = tf.nn.relu(1.0 - tf.abs(positions[None, :] - centres[:, None]) / tf.maximum(scale, 1.0))
    return weights / tf.reduce_sum(weights, axis=1, keepdims=True)


def image_dataset(frame: pd.DataFrame, image_size: int, channels: int, batch_size: int,
                  shuffle_seed: int | None = None, cache: bool = False,
                  epoch: tf.Variable | None = None, shift: ShiftConfig | None = None) -> tf.data.Dataset:
    """Batches of (images, labels); rows carrying a recipe are augmented by it, the rest pass unchanged.

    Recipes are fixed per row, so caching after augmentation keeps every epoch's stream the same; with
    `cache` each file is decoded once. The shuffle permutes rows, before or after the cache alike.
    With `epoch` (set by training before each epoch), each epoch's order depends only on the seed and the
    epoch number, so a run resumed at epoch k sees the order an uninterrupted run saw there.
    With `shift`, every image is altered by it after resizing (xraylab.evaluation.shifts), for robustness checks.
    """
    # Each recipe step by its name: a column cannot be taken for another.
    recipe = {column: (frame[column].to_numpy() if column in frame else np.full(len(frame), IDENTITY[column]))
              .astype(np.int32 if column == "flip" else np.float32) for column in RECIPE_COLUMNS}
    rows = tf.data.Dataset.from_tensor_slices((frame["path"].to_numpy(str), frame["label"].to_numpy(np.int32),
                                               recipe))

    def prepare(path, label, recipe):
        # Only the crop works at full size; decoding keeps enough pixels for it, the rest runs on small images.
        zoom = recipe["zoom"]
        image = perturbations.zoom(decode(path, channels, min_side=max(image_size, FILM_SIZE) / zoom), zoom)
        image = apply_recipe(resize(image, image_size), recipe)
        return (image if shift is None else shifts.apply(image, path, shift)), label

    if cache:
        images = rows.map(prepare, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True).cache()
        if shuffle_seed is not None:
            images = _shuffle(images, len(frame), shuffle_seed, epoch)
    else:
        if shuffle_seed is not None:
            rows = _shuffle(rows, len(frame), shuffle_seed, epoch)
        images = rows.map(prepare, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return images.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def feature_dataset(features: np.ndarray, labels: np.ndarray, batch_size: int, shuffle_seed: int | None = None,
                    epoch: tf.Variable | None = None) -> tf.data.Dataset:
    """Batches of (features, labels) from arrays already in memory, e.g. a frozen backbone's outputs."""
    rows = tf.data.Dataset.from_tensor_slices((features, labels.astype(np.int32)))
    if shuffle_seed is not None:
        rows = _shuffle(rows, len(labels), shuffle_seed, epoch)
    return rows.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def _shuffle(rows: tf.data.Dataset, count: int, seed: int, epoch: tf.Variable | None) -> tf.data.Dataset:
    if epoch is None:
        return rows.shuffle(count, seed=seed, reshuffle_each_iteration=True)
    # Epoch e's order is the e-th permutation of a seeded reshuffling stream, skipped to over rows (or
    # cached images), never decoding. flat_map runs its function as each epoch's iterator starts, so it
    # reads the epoch set just before, and builds the stream anew: a stream built once outside would share
    # its seed generator between epochs, and each epoch would start from where the last one left it.
    # (A tensor seed of `seed + epoch` would be simpler, but TF cannot compare tensor seeds when the
    # global seed is 0.)
    def epoch_rows(_: tf.Tensor) -> tf.data.Dataset:
        permutations = rows.shuffle(count, seed=seed, reshuffle_each_iteration=True).repeat()
        return permutations.skip(epoch.read_value() * count).take(count)

    return tf.data.Dataset.from_tensors(0).flat_map(epoch_rows).apply(
        tf.data.experimental.assert_cardinality(count))  # so Keras knows the steps of an epoch


def flat_arrays(frame: pd.DataFrame, image_size: int, chunk_size: int = 256,
                shift: ShiftConfig | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Greyscale pixels flattened to one row per image, decoded chunk by chunk by the same tf.data path.

    The result is allocated once and filled in place, so peak memory stays near the final array's size.
    """
    pixels = np.empty((len(frame), image_size * image_size), np.float32)
    labels = np.empty(len(frame), np.int32)
    start = 0
    for images, chunk_labels in image_dataset(frame, image_size, channels=1, batch_size=chunk_size, shift=shift):
        stop = start + len(chunk_labels)
        pixels[start:stop] = images.numpy().reshape(len(chunk_labels), -1)
        labels[start:stop] = chunk_labels.numpy()
        start = stop
    return pixels, labels
