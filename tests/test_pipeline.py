import numpy as np
import pandas as pd

from xraylab import pipeline


def batches(dataset):
    return [(images.numpy(), labels.numpy()) for images, labels in dataset]


def test_batches_have_the_model_shape_range_and_labels(tiny_manifest: pd.DataFrame):
    data = batches(pipeline.image_dataset(tiny_manifest, image_size=64, channels=1, batch_size=5))
    assert [images.shape for images, _ in data] == [(5, 64, 64, 1)] * 3 + [(1, 64, 64, 1)]
    images = np.concatenate([images for images, _ in data])
    assert images.dtype == np.float32 and 0 <= images.min() and images.max() <= 1 and images.std() > 0.05
    np.testing.assert_array_equal(np.concatenate([labels for _, labels in data]), tiny_manifest["label"])


def test_three_channels_and_recipes(tiny_manifest: pd.DataFrame):
    recipes = tiny_manifest.assign(flip=1, zoom=1.0, brightness=0.0)
    flipped = batches(pipeline.image_dataset(recipes.iloc[:2], 32, channels=3, batch_size=2))[0][0]
    plain = batches(pipeline.image_dataset(tiny_manifest.iloc[:2], 32, channels=3, batch_size=2))[0][0]
    assert plain.shape == (2, 32, 32, 3)
    np.testing.assert_allclose(flipped, plain[:, :, ::-1], atol=1e-6)


def test_same_seed_same_stream(tiny_manifest: pd.DataFrame):
    first = batches(pipeline.image_dataset(tiny_manifest, 32, 1, 4, shuffle_seed=7))
    again = batches(pipeline.image_dataset(tiny_manifest, 32, 1, 4, shuffle_seed=7))
    for (a_images, a_labels), (b_images, b_labels) in zip(first, again):
        np.testing.assert_array_equal(a_images, b_images)
        np.testing.assert_array_equal(a_labels, b_labels)
    unshuffled = np.concatenate([labels for _, labels in batches(pipeline.image_dataset(tiny_manifest, 32, 1, 4))])
    shuffled = np.concatenate([labels for _, labels in first])
    assert sorted(shuffled) == sorted(unshuffled) and list(shuffled) != list(unshuffled)


def test_flat_arrays_match_the_image_path(tiny_manifest: pd.DataFrame):
    pixels, labels = pipeline.flat_arrays(tiny_manifest, image_size=16, chunk_size=6)
    assert pixels.shape == (16, 256)
    images = np.concatenate([images for images, _ in batches(pipeline.image_dataset(tiny_manifest, 16, 1, 16))])
    np.testing.assert_array_equal(pixels, images.reshape(16, -1))
    np.testing.assert_array_equal(labels, tiny_manifest["label"])
