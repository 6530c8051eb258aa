"""Balance planning: minority copies with explicit recipes, and loss weights."""
import pandas as pd
import pytest

from xraylab.config import BalanceConfig
from xraylab.data import balance

CFG = BalanceConfig(method="augment", seed=3, flip=True, min_zoom=0.9, max_brightness=0.1, max_contrast=0.2,
                    max_saturation=0.3)


def imbalanced(normal: int = 5, pneumonia: int = 17) -> pd.DataFrame:
    labels = [0] * normal + [1] * pneumonia
    return pd.DataFrame({"path": [f"{i}.jpeg" for i in range(len(labels))], "label": labels,
                         "patient_id": [f"p{i}" for i in range(len(labels))]})


def test_minority_reaches_parity_with_recipes_in_range():
    train = imbalanced()
    balanced = balance.plan_balance(train, CFG)
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
    assert (originals[list(balance.RECIPE_COLUMNS)] == pd.Series(balance.IDENTITY)).all().all()


def test_plan_is_deterministic_for_a_seed_and_differs_for_another():
    train = imbalanced()
    first = balance.plan_balance(train, CFG)
    pd.testing.assert_frame_equal(first, balance.plan_balance(train, CFG))
    other = balance.plan_balance(train, BalanceConfig(**{**CFG.__dict__, "seed": 4}))
    assert not first.equals(other)


def test_other_methods_add_no_rows():
    train = imbalanced()
    for method in ("none", "class_weight"):
        assert len(balance.plan_balance(train, BalanceConfig(**{**CFG.__dict__, "method": method}))) == len(train)


def test_class_weights_only_for_the_class_weight_method():
    train = imbalanced(normal=5, pneumonia=15)
    weighted = balance.class_weights(train, BalanceConfig(**{**CFG.__dict__, "method": "class_weight"}), 2)
    # scikit-learn's "balanced": n_samples / (n_classes * count) → 20 / (2 * 5) and 20 / (2 * 15).
    assert weighted == {0: 2.0, 1: pytest.approx(0.666667)}
    assert balance.class_weights(train, CFG, 3) == {0: 1.0, 1: 1.0, 2: 1.0}
