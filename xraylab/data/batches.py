"""Acquisition batches of the Kermany films, and labels that hold one batch out as the test split.

The official NORMAL films come in two batches, named IM-NNNN-… and NORMAL2-IM-NNNN-…; PNEUMONIA films are
personN_…. A model validated on a random patient split has seen both batches; with one NORMAL batch held
out whole, its test specificity says how it does on normal films acquired elsewhere, the kind of shift
that breaks models on the official test split.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from xraylab.data import kermany
from xraylab.errors import UserError

BATCHES = ("IM", "NORMAL2")


def batch(file_name: str) -> str:
    """IM or NORMAL2 for a NORMAL film, person for a PNEUMONIA film."""
    if file_name.startswith("NORMAL2-IM-"):
        return "NORMAL2"
    if file_name.startswith("IM-"):
        return "IM"
    return "person"


def holding_out(root: Path, held_out: str, pneumonia_fraction: float, seed: int) -> pd.DataFrame:
    """A labels table (path relative to `root`, label, patient_id, split) for `data.local.labels_csv`.

    split is "test" for every NORMAL film of batch `held_out` and for a `pneumonia_fraction` of the
    PNEUMONIA patients (drawn with `seed`), so the test split has both classes; the rest is left to the
    split stage (""), which carves train and validation out of it by patient.
    """
    if held_out not in BATCHES:
        raise UserError(f"unknown batch {held_out!r}: expected one of {', '.join(BATCHES)}")
    if not 0 < pneumonia_fraction < 1:
        raise UserError(f"pneumonia fraction must be between 0 and 1, got {pneumonia_fraction}")
    films = kermany.scan(root)
    films["batch"] = [batch(Path(path).name) for path in films["path"]]
    if not (films["batch"] == held_out).any():
        raise UserError(f"no NORMAL film of batch {held_out} under {root}")
    patients = sorted(films.loc[films["batch"] == "person", "patient_id"].unique())
    chosen = set(np.random.default_rng(seed).permutation(patients)[:round(pneumonia_fraction * len(patients))])
    test = (films["batch"] == held_out) | films["patient_id"].isin(chosen)
    names = kermany.CLASS_NAMES["binary"]
    return pd.DataFrame({"path": films["relative"], "label": [names[value] for value in films["label"]],
                         "patient_id": films["patient_id"], "split": np.where(test, "test", "")})
