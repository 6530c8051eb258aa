"""Recipes applied to images: flips, zoom crops, brightness and contrast."""
import numpy as np
import pytest
import tensorflow as tf

from xraylab import perturbations
from xraylab.data import balance
from xraylab.training import augment


def gradient_image() -> tf.Tensor:
    columns = np.linspace(0, 1, 40, dtype=np.float32)
    return tf.constant(np.tile(columns, (30, 1))[..., None])


def recipe(image: tf.Tensor, **amounts) -> np.ndarray:
    steps = balance.Recipe(**amounts)
    return augment.apply_recipe(image, {name: tf.constant(getattr(steps, name)) for name in balance.RECIPE_COLUMNS}
                                ).numpy()


def test_identity_recipe_leaves_the_image_bit_identical():
    for image in (gradient_image(), tf.concat([gradient_image()] * 3, axis=-1)):
        np.testing.assert_array_equal(recipe(image), image.numpy())
        np.testing.assert_array_equal(perturbations.zoom(image, tf.constant(1.0)).numpy(), image.numpy())


def test_zoom_keeps_the_centre():
    image = gradient_image()  # 30 x 40, a 0→1 ramp across the width
    cropped = perturbations.zoom(image, tf.constant(0.5)).numpy()
    assert cropped.shape == (15, 20, 1)
    np.testing.assert_array_equal(cropped, image.numpy()[7:22, 10:30])


def test_each_recipe_step_keeps_shape_and_range():
    image = gradient_image()
    np.testing.assert_array_equal(recipe(image, flip=1), image.numpy()[:, ::-1])
    brighter = recipe(image, brightness=0.3)
    assert brighter.max() == 1.0 and brighter.min() == pytest.approx(0.3)
    flatter = recipe(image, contrast=0.5)
    assert flatter.std() == pytest.approx(image.numpy().std() * 0.5, rel=1e-4)
    colour = tf.stack([gradient_image()[..., 0], tf.fill((30, 40), 0.5), tf.fill((30, 40), 0.2)], axis=-1)
    duller = recipe(colour, saturation=0.5)
    assert duller.shape == (30, 40, 3) and 0 <= duller.min() and duller.max() <= 1
    assert np.ptp(duller, axis=-1).mean() < np.ptp(colour.numpy(), axis=-1).mean()


def test_the_recipe_is_read_by_name_not_by_position():
    """Brightness and contrast given in another order still land on their own steps."""
    image = gradient_image()
    steps = {"contrast": tf.constant(0.5), "saturation": tf.constant(1.0), "brightness": tf.constant(0.1),
             "zoom": tf.constant(1.0), "flip": tf.constant(0)}
    assert list(steps) != list(balance.RECIPE_COLUMNS)
    np.testing.assert_array_equal(augment.apply_recipe(image, steps).numpy(), recipe(image, contrast=0.5,
                                                                                      brightness=0.1))
    assert balance.RECIPE_COLUMNS == ("flip", "zoom", "brightness", "contrast", "saturation")  # the CSV's columns
