"""Head against base on the same films: a paired bootstrap of the difference in ROC AUC and accuracy.

A metric diff on a couple of hundred test films cannot tell a real gain from a lucky split: two models scored on
the same films err on many of the same ones, so the spread of the *difference* is what decides. Each resample draws
films with replacement once and scores both revisions on that same draw (`bootstrap.draws`); the interval is the
middle `confidence` share of the resampled differences, and a change counts as beyond noise only when that interval
excludes 0.

Inputs are the rows of metrics/predictions/<model>.csv (`scoring.predictions_frame`) of one split or external set,
one frame per revision; rows are matched by film path, so both sides must have scored the same films.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from xraylab.errors import UserError
from xraylab.evaluation import bootstrap, metrics

SCORES = ("roc_auc", "accuracy")


@dataclass(frozen=True)
class PairedDifference:
    """head − base of one score on one set of films, with its paired-bootstrap interval."""

    score: str
    films: int
    base: float
    head: float
    difference: float
    interval: tuple[float, float] | None  # None where no resample held both classes (an AUC of one class)

    @property
    def beyond_noise(self) -> bool:
        return self.interval is not None and (self.interval[0] > 0 or self.interval[1] < 0)


def compare(base: pd.DataFrame, head: pd.DataFrame, resamples: int, seed: int,
            confidence: float) -> list[PairedDifference]:
    """The paired differences of `SCORES` between two revisions' predictions of the same films."""
    paired = _matched(base, head)
    positive = paired["label"].to_numpy() != 0
    sides = {side: (paired[f"probability_{side}"].to_numpy(dtype=np.float64),
                    paired[f"predicted_positive_{side}"].to_numpy() == 1) for side in ("base", "head")}
    whole = np.ones((1, len(paired)))
    observed = {side: _scores(positive, *values, whole) for side, values in sides.items()}
    rng = np.random.default_rng(seed)
    differences: dict[str, list[np.ndarray]] = {score: [] for score in SCORES}
    for start in range(0, resamples, bootstrap.CHUNK):
        rows = rng.integers(0, len(paired), (min(bootstrap.CHUNK, resamples - start), len(paired)))
        weights = bootstrap.draws(rows, len(paired)).astype(np.float64)
        head_scores, base_scores = (_scores(positive, *sides[side], weights) for side in ("head", "base"))
        for score in SCORES:
            differences[score].append(head_scores[score] - base_scores[score])
    tail = (1 - confidence) / 2
    result = []
    for score in SCORES:
        values = np.concatenate(differences[score])
        values = values[~np.isnan(values)]
        interval = ((_rounded(np.quantile(values, tail)), _rounded(np.quantile(values, 1 - tail)))
                    if len(values) else None)
        base_value, head_value = float(observed["base"][score][0]), float(observed["head"][score][0])
        result.append(PairedDifference(score, len(paired), _rounded(base_value), _rounded(head_value),
                                       _rounded(head_value - base_value), interval))
    return result


def _matched(base: pd.DataFrame, head: pd.DataFrame) -> pd.DataFrame:
    """One row per film with both revisions' probability and call; the films must be the same on both sides."""
    for side, frame in (("base", base), ("head", head)):
        if frame["path"].duplicated().any():
            raise UserError(f"the {side} predictions list a film twice; cannot pair them")
    if set(base["path"]) != set(head["path"]):
        raise UserError(f"base and head scored different films ({len(base)} and {len(head)}, "
                        f"{len(set(base['path']) & set(head['path']))} in common); a paired comparison needs the same")
    columns = ["path", "label", "probability", "predicted_positive"]
    paired = base[columns].merge(head[columns], on="path", suffixes=("_base", "_head"))
    if (paired["label_base"] != paired["label_head"]).any():
        raise UserError("base and head give some films different labels; a paired comparison needs the same labels")
    return paired.rename(columns={"label_base": "label"}).drop(columns="label_head")


def _scores(positive: np.ndarray, probabilities: np.ndarray, called: np.ndarray,
            weights: np.ndarray) -> dict[str, np.ndarray]:
    """ROC AUC and accuracy per row of `weights` (the films' draw counts); AUC NaN where a row holds one class."""
    positives, negatives = weights @ positive, weights @ ~positive
    roc_auc, _ = bootstrap.ranking_scores(probabilities, positive, weights, positives, negatives)
    return {"roc_auc": np.where((positives > 0) & (negatives > 0), roc_auc, np.nan),
            "accuracy": weights @ (called == positive) / weights.sum(axis=1)}


def _rounded(value: float) -> float:
    return round(float(value), metrics.DIGITS)
