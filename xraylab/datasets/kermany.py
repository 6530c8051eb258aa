"""The Kermany et al. 2018 chest X-ray layout: {train,val,test}/{NORMAL,PNEUMONIA}/*.jpeg.

Class names and how patient ids are read from file names live here and nowhere else.
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from xraylab.errors import UserError

CLASS_NAMES = ("NORMAL", "PNEUMONIA")
SOURCE_SPLITS = ("train", "val", "test")
IMAGE_SUFFIXES = (".jpeg", ".jpg", ".png")

# person1008_bacteria_2939.jpeg → person1008; IM-0117-0001.jpeg → IM-0117;
# NORMAL2-IM-0012-0001.jpeg → NORMAL2-IM-0012. Several images of one child share the id.
_PATIENT_PATTERNS = (
    re.compile(r"^(person\d+)_"),
    re.compile(r"^((?:NORMAL2-)?IM-\d+)-"),
)


class LayoutError(UserError):
    """A folder does not have the Kermany layout, or a file name carries no patient id."""


def patient_id(file_name: str) -> str:
    for pattern in _PATIENT_PATTERNS:
        match = pattern.match(file_name)
        if match:
            return match.group(1)
    raise LayoutError(f"cannot read a patient id from file name {file_name!r}: expected "
                      "personN_..., IM-NNNN-... or NORMAL2-IM-NNNN-...")


def scan(root: Path) -> pd.DataFrame:
    """List the images under `root` with label, patient id and source split, in a stable order."""
    root = Path(root)
    if not root.is_dir():
        raise LayoutError(f"data folder {root} not found")
    rows = []
    for split in SOURCE_SPLITS:
        for label, class_name in enumerate(CLASS_NAMES):
            class_dir = root / split / class_name
            if not class_dir.is_dir():
                continue
            for image in sorted(class_dir.iterdir()):
                if image.suffix.lower() in IMAGE_SUFFIXES:
                    rows.append({"path": str(image), "label": label, "patient_id": patient_id(image.name),
                                 "source_split": split})
    if not rows:
        raise LayoutError(f"no images found under {root}: expected {{train,test}}/{{NORMAL,PNEUMONIA}}/*.jpeg")
    return pd.DataFrame(rows)
