"""Patient-grouped, stratified train / val / test splits.

Several Kermany images belong to one child; an image-level split leaks that child between train and test
and flatters every score. Every split here keeps all images of a patient together.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedGroupKFold

from xraylab.data import manifest
from xraylab.errors import UserError


class LeakageError(UserError):
    """A patient appears in two splits."""


def split(raw: pd.DataFrame, val_fraction: float, test_fraction: float, seed: int) -> dict[str, pd.DataFrame]:
    """Split a raw manifest into train / val / test.

    The source's own test split is kept where it has one (so scores compare with published ones);
    otherwise test is carved out like val. Val always comes out of the training pool.
    """
    columns = list(manifest.IMAGE_COLUMNS) + [column for column in manifest.STUDY_COLUMNS if column in raw]
    source_test = raw["source_split"] == "test"
    if source_test.any():
        test = raw.loc[source_test, columns]
        pool = raw.loc[~source_test, columns]
        # A child in the source's test split must not be trained on: drop it from the pool.
        pool = pool[~pool["patient_id"].isin(set(test["patient_id"]))]
    else:
        pool, test = _holdout(raw[columns], test_fraction, seed)
    train, val = _holdout(pool, val_fraction, seed)
    splits = {"train": train, "val": val, "test": test}
    check_disjoint(splits)
    return {name: frame.reset_index(drop=True) for name, frame in splits.items()}


def _holdout(frame: pd.DataFrame, fraction: float, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Hold out about `fraction` of `frame` by patient, keeping class ratios: one fold of round(1/fraction)."""
    folds = max(2, round(1 / fraction))
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    keep, held = next(splitter.split(np.zeros(len(frame)), frame["label"], groups=frame["patient_id"]))
    return frame.iloc[np.sort(keep)], frame.iloc[np.sort(held)]


def check_disjoint(splits: dict[str, pd.DataFrame]) -> None:
    names = list(splits)
    for index, first in enumerate(names):
        for second in names[index + 1:]:
            shared = set(splits[first]["patient_id"]) & set(splits[second]["patient_id"])
            if shared:
                raise LeakageError(f"{len(shared)} patients appear in both {first} and {second}, "
                                   f"e.g. {sorted(shared)[:3]}")


def class_counts(splits: dict[str, pd.DataFrame], class_names: tuple[str, ...]) -> dict[str, dict[str, int]]:
    """Images per class and patients per split, for the split stage's metrics."""
    counts = {}
    for name, frame in splits.items():
        per_class = frame["label"].value_counts()
        counts[name] = {class_name: int(per_class.get(label, 0)) for label, class_name in enumerate(class_names)}
        counts[name]["patients"] = int(frame["patient_id"].nunique())
    return counts
