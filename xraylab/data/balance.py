"""Class balance, planned: the training manifest with an explicit augmentation recipe per row, and loss weights.

The minority class is brought to parity with augmented copies, as in the MSc report (horizontal flip,
random zoom to 90%, brightness, saturation; contrast added for greyscale X-rays). Each copy's recipe is
written out with explicit amounts, so the balanced manifest is diffable and the training stream is the
same for the same params. The alternative, as in Keras' example, is to weight classes in the loss.
`xraylab.training.augment` applies a recipe to an image; this module needs no TensorFlow, so the balance stage
starts in a second rather than in eight.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.utils.class_weight import compute_class_weight

from xraylab import atomic
from xraylab.config import BalanceConfig
from xraylab.errors import UserError



@dataclass(frozen=True)
class Recipe:
    """One row's augmentation, by name: planned here, written as manifest columns, applied by
    `xraylab.training.augment.apply_recipe` with the perturbations of the same names (`xraylab.perturbations`).
    The defaults change nothing."""

    flip: int = 0            # 1: mirrored left to right
    zoom: float = 1.0        # the central fraction of each side kept
    brightness: float = 0.0  # added to [0, 1] pixels
    contrast: float = 1.0    # factor around the image's mean
    saturation: float = 1.0  # factor, for 3-channel images


RECIPE_COLUMNS = tuple(field.name for field in fields(Recipe))
IDENTITY = asdict(Recipe())


def plan_balance(train: pd.DataFrame, cfg: BalanceConfig) -> pd.DataFrame:
    """Return `train` with an identity recipe per row, plus (for `augment`) copies of each minority class."""
    planned = train.assign(**IDENTITY)
    if cfg.method != "augment":
        return planned
    rng = np.random.default_rng(cfg.seed)
    counts = train["label"].value_counts().sort_index()
    copies = []
    for label, count in counts.items():
        members = train[train["label"] == label]
        sources = _cycle(len(members), int(counts.max() - count), rng)
        if len(sources) == 0:
            continue
        # Rounded so the CSV round trip gives back exactly the amounts that were planned.
        draw = lambda low, high: np.round(rng.uniform(low, high, len(sources)), 4)  # noqa: E731
        copies.append(members.iloc[sources].assign(
            flip=rng.integers(0, 2, len(sources)) if cfg.flip else 0,
            zoom=draw(cfg.min_zoom, 1.0),
            brightness=draw(-cfg.max_brightness, cfg.max_brightness),
            contrast=draw(1 - cfg.max_contrast, 1 + cfg.max_contrast),
            saturation=draw(1 - cfg.max_saturation, 1 + cfg.max_saturation),
        ))
    return pd.concat([planned, *copies], ignore_index=True)


def class_weights(train: pd.DataFrame, cfg: BalanceConfig, num_classes: int) -> dict[int, float]:
    """Loss weights per label: inversely proportional to class frequency for `class_weight`, else all 1."""
    labels = np.arange(num_classes)
    if cfg.method != "class_weight":
        return {int(label): 1.0 for label in labels}
    present = np.unique(train["label"])
    weights = compute_class_weight("balanced", classes=present, y=train["label"].to_numpy())
    by_label = dict(zip(present.tolist(), weights.tolist()))
    return {int(label): round(float(by_label.get(label, 1.0)), 6) for label in labels}


WEIGHTS_FILE = "class_weights.json"  # in the splits folder, beside the balanced manifest


def write_class_weights(path: Path, weights: dict[int, float]) -> None:
    # JSON keys are strings: the label numbers go in as text and come back as ints in `read_class_weights`.
    atomic.write_json(path, {str(label): weight for label, weight in weights.items()})


def read_class_weights(path: Path) -> dict[int, float]:
    """The balance stage's loss weights by label."""
    if not Path(path).is_file():
        raise UserError(f"{path} not found; run `dvc repro balance` first")
    return {int(label): float(weight) for label, weight in json.loads(Path(path).read_text()).items()}


def _cycle(size: int, count: int, rng: np.random.Generator) -> np.ndarray:
    """`count` indices into `size` items, each used once per round, in shuffled rounds."""
    rounds = -(-count // size) if count else 0
    return np.concatenate([rng.permutation(size) for _ in range(rounds)] or [np.empty(0, int)])[:count]
