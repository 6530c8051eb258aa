"""Input pipelines from a manifest: tf.data batches for networks, flattened arrays for scikit-learn."""
from __future__ import annotations

import numpy as np
import pandas as pd
import tensorflow as tf

from xraylab.augment import IDENTITY, RECIPE_COLUMNS, apply_recipe


def decode(path: tf.Tensor, channels: int) -> tf.Tensor:
    """Read one file (JPEG, PNG, BMP, GIF) as float32 in [0, 1], `channels` deep, at its own size."""
    image = tf.io.decode_image(tf.io.read_file(path), channels=channels, expand_animations=False)
    return tf.image.convert_image_dtype(image, tf.float32)


def resize(image: tf.Tensor, image_size: int) -> tf.Tensor:
    # Bilinear with half-pixel centres and no antialiasing: TF.js's resizeBilinear(..., halfPixelCenters=true)
    # computes the same, and the browser must see the same pixels as training did.
    return tf.image.resize(image, (image_size, image_size), method="bilinear", antialias=False)


def image_dataset(frame: pd.DataFrame, image_size: int, channels: int, batch_size: int,
                  shuffle_seed: int | None = None) -> tf.data.Dataset:
    """Batches of (images, labels); rows carrying a recipe are augmented by it, the rest pass unchanged."""
    recipes = {column: frame[column].to_numpy() if column in frame else np.full(len(frame), IDENTITY[column])
               for column in RECIPE_COLUMNS}
    rows = tf.data.Dataset.from_tensor_slices((
        frame["path"].to_numpy(str),
        frame["label"].to_numpy(np.int32),
        recipes["flip"].astype(np.int32),
        recipes["zoom"].astype(np.float32),
        recipes["brightness"].astype(np.float32),
    ))
    if shuffle_seed is not None:
        rows = rows.shuffle(len(frame), seed=shuffle_seed, reshuffle_each_iteration=True)

    def prepare(path, label, flip, zoom, brightness):
        # Zoom before resizing, so the crop keeps the source's full resolution.
        image = apply_recipe(decode(path, channels), flip, zoom, brightness)
        return resize(image, image_size), label

    return (rows.map(prepare, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
            .batch(batch_size)
            .prefetch(tf.data.AUTOTUNE))


def flat_arrays(frame: pd.DataFrame, image_size: int, chunk_size: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """Greyscale pixels flattened to one row per image, decoded in chunks by the same tf.data path."""
    chunks = [(images.numpy().reshape(len(images), -1), labels.numpy())
              for images, labels in image_dataset(frame, image_size, channels=1, batch_size=chunk_size)]
    return np.concatenate([pixels for pixels, _ in chunks]), np.concatenate([labels for _, labels in chunks])
