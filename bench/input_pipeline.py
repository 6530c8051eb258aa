"""Images/s of xraylab's tf.data pipeline against the decode limit and the research reports' Keras loaders.

On one synthetic set of full-size JPEGs (bench/fullsize.py), 224 × 224 greyscale, batches of 32:
  decode limit   tf.io.decode_jpeg + tf.image.resize in a tight eager loop over the same files, full-size decode
  scaled limit   the same loop decoding at the libjpeg scale xraylab picks (decode_jpeg ratio=4 here)
  ours           xraylab.pipeline.image_dataset (scaled decode, parallel map, prefetch), first pass, no cache
  ours, cached   the same with train.cache_images: the second pass, what every epoch after the first costs
  from_directory keras.utils.image_dataset_from_directory
  generator      ImageDataGenerator-style loading (keras.utils.load_img + img_to_array per file in Python,
                 which is what ImageDataGenerator.flow_from_directory does; Keras 3 removed the class itself)
Targets (issue): ours >= 0.9x the decode limit and >= 2x the Keras loaders. Run: python bench/input_pipeline.py
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402
from fullsize import ensure_set  # noqa: E402

from xraylab import pipeline# noqa: E402

COUNT, SIZE, BATCH = 400, 224, 32


def decode_limit(paths: list[str], ratio: int = 1) -> None:
    for path in paths:
        image = tf.io.decode_jpeg(tf.io.read_file(path), channels=1, ratio=ratio)
        tf.image.resize(image, (SIZE, SIZE)).numpy()


def ours(frame, cache: bool = False) -> None:
    dataset = pipeline.image_dataset(frame, SIZE, 1, BATCH, cache=cache)
    for _ in range(2 if cache else 1):  # with the cache, the second pass is what later epochs cost
        start = time.perf_counter()
        for images, _ in dataset:
            images.numpy()
    return time.perf_counter() - start


def from_directory(root: Path) -> None:
    dataset = keras.utils.image_dataset_from_directory(root, labels="inferred", color_mode="grayscale",
                                                       image_size=(SIZE, SIZE), batch_size=BATCH, shuffle=False,
                                                       verbose=False)
    for images, _ in dataset:
        images.numpy()


def generator(paths: list[str]) -> None:
    for start in range(0, len(paths), BATCH):
        batch = [keras.utils.img_to_array(keras.utils.load_img(path, color_mode="grayscale",
                                                               target_size=(SIZE, SIZE))) / 255.0
                 for path in paths[start:start + BATCH]]
        np.stack(batch)


def images_per_second(run) -> float:
    timings = []
    for _ in range(2):
        start = time.perf_counter()
        seconds = run()
        timings.append(seconds if seconds is not None else time.perf_counter() - start)
    return COUNT / min(timings)


def main() -> None:
    frame = ensure_set(COUNT)
    paths = frame["path"].tolist()
    root = Path(paths[0]).parents[1]
    decode_limit(paths[:BATCH])  # warm the file cache and TensorFlow's kernels
    decode_limit(paths)
    rates = {
        "decode limit": images_per_second(lambda: decode_limit(paths)),
        "scaled decode limit": images_per_second(lambda: decode_limit(paths, ratio=4)),
        "ours (tf.data)": images_per_second(lambda: ours(frame)),
        "ours, cached (epoch 2+)": images_per_second(lambda: ours(frame, cache=True)),
        "image_dataset_from_directory": images_per_second(lambda: from_directory(root)),
        "ImageDataGenerator-style": images_per_second(lambda: generator(paths)),
    }
    print(f"{COUNT} synthetic full-size JPEGs (1000-1400 px) → {SIZE}x{SIZE} greyscale, best of 2 passes")
    for name, rate in rates.items():
        print(f"{name:30s} {rate:8.1f} images/s")
    print(f"ours / decode limit             {rates['ours (tf.data)'] / rates['decode limit']:.2f}x")
    print(f"ours / scaled decode limit      {rates['ours (tf.data)'] / rates['scaled decode limit']:.2f}x")
    print(f"ours / image_dataset_from_dir   {rates['ours (tf.data)'] / rates['image_dataset_from_directory']:.2f}x")
    print(f"ours / ImageDataGenerator-style {rates['ours (tf.data)'] / rates['ImageDataGenerator-style']:.2f}x")
    for loader in ("image_dataset_from_directory", "ImageDataGenerator-style"):
        print(f"ours cached / {loader:28s} {rates['ours, cached (epoch 2+)'] / rates[loader]:.1f}x")


if __name__ == "__main__":
    main()
