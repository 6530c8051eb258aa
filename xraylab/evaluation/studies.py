"""Study-level scoring (MURA): a study is judged as a whole, by the mean probability of its images."""
from __future__ import annotations

import numpy as np
import pandas as pd

from xraylab.errors import UserError


def aggregate(frame: pd.DataFrame, probabilities: np.ndarray) -> pd.DataFrame:
    """One row per study_id, in first-seen order: its label and the mean probability of its images."""
    if "study_id" not in frame:
        raise UserError("study-level scores need a study_id column in the manifest (MURA source)")
    images = pd.DataFrame({"study_id": frame["study_id"].to_numpy(), "label": frame["label"].to_numpy(),
                           "probability": np.asarray(probabilities, dtype=np.float64)})
    grouped = images.groupby("study_id", sort=False)
    mixed = grouped["label"].nunique()
    if (mixed > 1).any():
        raise UserError(f"study {mixed[mixed > 1].index[0]} has images with different labels; a MURA study is "
                        "labelled as a whole")
    return grouped.agg(label=("label", "first"), probability=("probability", "mean")).reset_index()
