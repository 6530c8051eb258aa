"""The MURA v1.1 musculoskeletal set: labels are per study (normal / abnormal), images inherit them.

Layout: MURA-v1.1/{train,valid}_image_paths.csv list image paths such as
`MURA-v1.1/train/XR_SHOULDER/patient00001/study1_positive/image1.png`, and
MURA-v1.1/{train,valid}_labeled_studies.csv give `study folder/,label`. MURA's own test set is hidden,
so its `valid` split plays the part of the test split here.
"""
from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from xraylab.errors import UserError

CLASS_NAMES = ("normal", "abnormal")
SPLITS = {"train": "train", "valid": "test"}


class MuraLayoutError(UserError):
    pass


def scan(root: Path) -> pd.DataFrame:
    """Images of a MURA-v1.1 folder with label, patient, study and body part, in the CSVs' order."""
    root = Path(root)
    if not root.is_dir():
        raise MuraLayoutError(f"MURA folder {root} not found (data.mura.path)")
    rows = []
    for split, source_split in SPLITS.items():
        labels = {study.rstrip("/"): int(label) for study, label in _read(root / f"{split}_labeled_studies.csv")}
        for (image,) in _read(root / f"{split}_image_paths.csv"):
            # Paths in the CSVs start with the folder's own name.
            relative = Path(*Path(image).parts[1:])
            study_dir = str(Path(image).parent)
            if study_dir not in labels:
                raise MuraLayoutError(f"image {image} belongs to no study of {split}_labeled_studies.csv")
            body_part, patient, study = relative.parts[1:4]
            rows.append({"path": str(root / relative), "relative": str(relative), "label": labels[study_dir],
                         "patient_id": patient, "source_split": source_split,
                         "study_id": f"{patient}/{body_part}/{study}", "body_part": body_part})
    return pd.DataFrame(rows)


def _read(path: Path) -> list[list[str]]:
    if not path.is_file():
        raise MuraLayoutError(f"{path.name} not found in {path.parent}: is data.mura.path the MURA-v1.1 folder?")
    with path.open(newline="") as stream:
        return [row for row in csv.reader(stream) if row]
