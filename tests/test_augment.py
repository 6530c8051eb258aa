import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

from xraylab import augment
from xraylab.config import BalanceConfig

CFG = BalanceConfig(method="augment", seed=3, flip=True, min_zoom=0.9, max_brightness=0.1)


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
    originals = balanced.iloc[: len(train)]
    assert (originals["zoom"] == 1.0).all() and (originals["flip"] == 0).all()


def test_plan_is_deterministic_for_a_seed_and_differs_for_another():
    train = imbalanced()
    first = augment.plan_balance(train, CFG)
    pd.testing.assert_frame_equal(first, augment.plan_balance(train, CFG))
    other = augment.plan_balance(train, BalanceConfig(**{**CFG.__dict__, "seed": 4}))
    assert not first.equals(other)


def test_method_none_adds_nothing():
    train = imbalanced()
    plain = augment.plan_balance(train, BalanceConfig(**{**CFG.__dict__, "method": "none"}))
    assert len(plain) == len(train)


def gradient_image() -> tf.Tensor:
    columns = np.linspace(0, 1, 40, dtype=np.float32)
    return tf.constant(np.tile(columns, (30, 1))[..., None])


def test_identity_recipe_leaves_the_image_unchanged():
    image = gradient_image()
    out = augment.apply_recipe(image, tf.constant(0), tf.constant(1.0), tf.constant(0.0))
    np.testing.assert_array_equal(out.numpy(), image.numpy())


def test_flip_zoom_brightness_keep_shape_and_range():
    image = gradient_image()
    flipped = augment.apply_recipe(image, tf.constant(1), tf.constant(1.0), tf.constant(0.0)).numpy()
    np.testing.assert_array_equal(flipped, image.numpy()[:, ::-1])
    zoomed = augment.apply_recipe(image, tf.constant(0), tf.constant(0.5), tf.constant(0.0)).numpy()
    assert zoomed.shape == (30, 40, 1)
    # Zooming into the middle half of a 0→1 ramp spreads about 0.25→0.75 over the width.
    assert zoomed[0, 0, 0] == pytest.approx(0.25, abs=0.03) and zoomed[0, -1, 0] == pytest.approx(0.75, abs=0.03)
    brighter = augment.apply_recipe(image, tf.constant(0), tf.constant(1.0), tf.constant(0.3)).numpy()
    assert brighter.max() == 1.0 and brighter.min() == pytest.approx(0.3)
