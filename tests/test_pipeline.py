from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import tensorflow as tf
from PIL import Image

from conftest import FULLSIZE, TRAIN_224

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


def test_cached_stream_equals_the_uncached_one(tiny_manifest: pd.DataFrame):
    recipes = tiny_manifest.assign(flip=[0, 1] * 8, zoom=0.9, brightness=0.05, contrast=1.1, saturation=1.0)
    plain_dataset = pipeline.image_dataset(recipes, 32, 1, 4, shuffle_seed=3)
    cached_dataset = pipeline.image_dataset(recipes, 32, 1, 4, shuffle_seed=3, cache=True)
    for _ in range(2):  # two epochs, reshuffled alike; the second reads the cache
        plain, cached = batches(plain_dataset), batches(cached_dataset)
        for (a_images, a_labels), (b_images, b_labels) in zip(plain, cached):
            np.testing.assert_array_equal(a_images, b_images)
            np.testing.assert_array_equal(a_labels, b_labels)


@pytest.mark.parametrize("cache", [False, True])
def test_each_epoch_order_depends_only_on_the_epoch_number(tiny_manifest: pd.DataFrame, cache: bool):
    # A run resumed at epoch 2 builds its dataset afresh and must see what an uninterrupted run saw there.
    def orders(epochs: list[int]) -> list[list[str]]:
        epoch = tf.Variable(0, dtype=tf.int64)
        dataset = pipeline.image_dataset(tiny_manifest.assign(label=range(16)), 16, 1, 16, shuffle_seed=5,
                                         cache=cache, epoch=epoch)
        seen = []
        for number in epochs:
            epoch.assign(number)
            seen.append([int(label) for _, labels in dataset for label in labels])
        return seen

    uninterrupted = orders([0, 1, 2, 3])
    assert orders([2, 3]) == uninterrupted[2:]
    assert all(sorted(order) == list(range(16)) for order in uninterrupted)
    assert len({tuple(order) for order in uninterrupted}) == 4  # a new order every epoch


def test_feature_batches_follow_the_same_epoch_orders():
    features = np.arange(32, dtype=np.float32).reshape(16, 2)
    epoch = tf.Variable(3, dtype=tf.int64)
    first = [batch.numpy() for batch, _ in pipeline.feature_dataset(features, np.zeros(16), 4, 5, epoch)]
    again = [batch.numpy() for batch, _ in pipeline.feature_dataset(features, np.zeros(16), 4, 5, epoch)]
    np.testing.assert_array_equal(np.concatenate(first), np.concatenate(again))
    assert sorted(np.concatenate(first)[:, 0]) == list(range(0, 32, 2))


def test_flat_arrays_match_the_image_path(tiny_manifest: pd.DataFrame):
    pixels, labels = pipeline.flat_arrays(tiny_manifest, image_size=16, chunk_size=6)
    assert pixels.shape == (16, 256)
    images = np.concatenate([images for images, _ in batches(pipeline.image_dataset(tiny_manifest, 16, 1, 16))])
    np.testing.assert_array_equal(pixels, images.reshape(16, -1))
    np.testing.assert_array_equal(labels, tiny_manifest["label"])


@pytest.mark.parametrize("min_side, expected_shape", [(None, (800, 640)), (640, (800, 640)), (300, (400, 320)),
                                                      (160, (200, 160)), (10, (100, 80))])
def test_jpeg_decodes_at_the_smallest_scale_that_keeps_min_side(tmp_path: Path, min_side, expected_shape):
    big = Image.open(sorted(Path("data/sample/train/NORMAL").glob("*.jpeg"))[0]).resize((640, 800))
    big.save(tmp_path / "big.jpeg", quality=95)
    image = pipeline.decode(str(tmp_path / "big.jpeg"), 1, min_side=min_side).numpy()
    assert image.shape == (*expected_shape, 1) and image.dtype == np.uint8


def test_a_jpeg_decodes_to_the_pixels_pillow_and_the_browsers_read(tiny_manifest: pd.DataFrame):
    # Pillow and Chromium decode with libjpeg's accurate IDCT; TensorFlow's default, the fast one, gave other
    # pixels (up to 19 grey levels) and the page another probability than `xraylab predict`.
    for path in [*tiny_manifest["path"][:4], *sorted(FULLSIZE.glob("*/*.jpeg"))[:2]]:
        pillow = np.asarray(Image.open(path).convert("L"))
        np.testing.assert_array_equal(pipeline.decode(tf.constant(str(path)), 1).numpy()[..., 0], pillow)


def test_scaled_decode_leaves_small_images_and_pngs_alone(tmp_path: Path, tiny_manifest: pd.DataFrame):
    path = tiny_manifest["path"][0]  # 224 px: a model of 128 px still needs the full decode
    np.testing.assert_array_equal(pipeline.decode(path, 1, min_side=128.0).numpy(), pipeline.decode(path, 1).numpy())
    Image.open(path).save(tmp_path / "x.png")
    assert pipeline.decode(str(tmp_path / "x.png"), 3, min_side=20.0).shape == (224, 224, 3)


def test_resize_is_pils_antialiased_bilinear_and_leaves_a_224_film_unchanged(tmp_path: Path):
    film = Image.open(sorted(Path("data/sample/train/PNEUMONIA").glob("*.jpeg"))[0]).convert("L").resize((896, 1000))
    # Film grain: the fine detail of a real original, which a plain bilinear resize aliases.
    grain = np.random.default_rng(0).normal(0, 20, (1000, 896))
    big = Image.fromarray(np.clip(np.asarray(film, np.float64) + grain, 0, 255).astype(np.uint8))
    big.save(tmp_path / "big.png")
    pil = np.asarray(big.resize((224, 224), Image.BILINEAR), np.float32) / 255  # how the 224 px copies were made
    ours = pipeline.resize(pipeline.decode(str(tmp_path / "big.png"), 1), 224).numpy()[..., 0]
    plain = tf.image.resize(pipeline.decode(str(tmp_path / "big.png"), 1), (224, 224)).numpy()[..., 0] / 255
    assert np.abs(ours - pil).mean() < 1 / 255 < np.abs(plain - pil).mean()
    copy = pipeline.decode(str(sorted(Path("data/sample/train/NORMAL").glob("*.jpeg"))[0]), 1)
    np.testing.assert_allclose(pipeline.resize(copy, 224).numpy(), copy.numpy() / 255, atol=1e-6)


def test_triangle_weights_sum_to_one_and_are_the_identity_at_equal_sizes():
    weights = pipeline.triangle_weights(tf.constant(2000), 224).numpy()
    assert weights.shape == (224, 2000) and np.allclose(weights.sum(axis=1), 1, atol=1e-5)
    # A shrink of 8.9x averages 17-18 pixels into each output pixel (fewer at the borders, where the image ends).
    assert (weights[1:-1] > 0).sum(axis=1).min() >= 17
    np.testing.assert_array_equal(pipeline.triangle_weights(tf.constant(224), 224).numpy(), np.eye(224))


@pytest.mark.skipif(not FULLSIZE.is_dir(), reason=f"{FULLSIZE} (real originals beside the checkout) is missing")
def test_an_original_film_and_its_224_copy_give_the_model_the_same_pixels():
    originals = sorted(FULLSIZE.glob("*/*.jpeg"))[:6]
    for original in originals:
        copy = TRAIN_224 / original.parent.name / original.name
        ours = [pipeline.resize(pipeline.decode(str(path), 1, min_side=224), 160).numpy() for path in (original, copy)]
        plain = [tf.image.resize(pipeline.decode(str(path), 1), (160, 160)).numpy() / 255 for path in (original, copy)]
        # Left: JPEG re-compression of the copy, a grey level or two; a plain resize aliases by many more.
        assert np.abs(ours[0] - ours[1]).mean() < 0.01 < np.abs(plain[0] - plain[1]).mean(), original.name
