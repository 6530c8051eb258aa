import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

from xraylab import augment
from xraylab.config import BalanceConfig

CFG = BalanceConfig(method="augment", seed=3, flip=True, min_zoom=0.9, max_brightness=0.1, max_contrast=0.2,
                    max_saturation=0.3)


def imbalanced(normal: int = 5, pneumonia: int = 17) -> pd.DataFrame:
    labels = [0] * normal + [1] * pneumonia
    return pd.DataFrame({"path": [f"{i}.jpeg" for i in range(len(labels))], "label": labels,
                         "patient_id": [f"p{i}" for i in range(len(labels))]})


def test_minority_reaches_parity_with_recipes_in_range():
    train = imbalanced()
    balanced = augment.plan_balance(train, CFG)
    assert balanced["label"].value_counts().to_dict() == {0: 17, 1: 17}
    copies = balanced.iloc[len(train):]
    assert (copies["label"] == 0).all()
    assert set(copies["path"]) <= set(train.loc[train["label"] == 0, "path"])
    # Each minority image is used about equally: 12 copies of 5 sources → 2 or 3 each.
    assert set(copies["path"].value_counts()) <= {2, 3}
    assert copies["zoom"].between(0.9, 1.0).all()
    assert copies["brightness"].abs().max() <= 0.1
    assert set(copies["flip"]) <= {0, 1}
    assert copies["contrast"].between(0.8, 1.2).all() and copies["saturation"].between(0.7, 1.3).all()
    originals = balanced.iloc[: len(train)]
    assert (originals[list(augment.RECIPE_COLUMNS)] == pd.Series(augment.IDENTITY)).all().all()


def test_plan_is_deterministic_for_a_seed_and_differs_for_another():
    train = imbalanced()
    first = augment.plan_balance(train, CFG)
    pd.testing.assert_frame_equal(first, augment.plan_balance(train, CFG))
    other = augment.plan_balance(train, BalanceConfig(**{**CFG.__dict__, "seed": 4}))
    assert not first.equals(other)


def test_other_methods_add_no_rows():
    train = imbalanced()
    for method in ("none", "class_weight"):
        assert len(augment.plan_balance(train, BalanceConfig(**{**CFG.__dict__, "method": method}))) == len(train)


def test_class_weights_only_for_the_class_weight_method():
    train = imbalanced(normal=5, pneumonia=15)
    weighted = augment.class_weights(train, BalanceConfig(**{**CFG.__dict__, "method": "class_weight"}), 2)
    # scikit-learn's "balanced": n_samples / (n_classes * count) → 20 / (2 * 5) and 20 / (2 * 15).
    assert weighted == {0: 2.0, 1: pytest.approx(0.666667)}
    assert augment.class_weights(train, CFG, 3) == {0: 1.0, 1: 1.0, 2: 1.0}


def gradient_image() -> tf.Tensor:
    columns = np.linspace(0, 1, 40, dtype=np.float32)
    return tf.constant(np.tile(columns, (30, 1))[..., None])


def recipe(image: tf.Tensor, **amounts) -> np.ndarray:
    values = {**augment.IDENTITY, **amounts}
    steps = [name for name in augment.RECIPE_COLUMNS if name != "zoom"]
    return augment.apply_recipe(image, *(tf.constant(values[name]) for name in steps)).numpy()


def test_identity_recipe_leaves_the_image_bit_identical():
    for image in (gradient_image(), tf.concat([gradient_image()] * 3, axis=-1)):
        np.testing.assert_array_equal(recipe(image), image.numpy())
        np.testing.assert_array_equal(augment.zoom_crop(image, tf.constant(1.0)).numpy(), image.numpy())


def test_zoom_keeps_the_centre():
    image = gradient_image()  # 30 x 40, a 0→1 ramp across the width
    cropped = augment.zoom_crop(image, tf.constant(0.5)).numpy()
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
