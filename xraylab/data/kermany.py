"""The Kermany et al. 2018 chest X-ray layout: {train,val,test}/{NORMAL,PNEUMONIA}/*.jpeg.

A folder holding NORMAL/ and PNEUMONIA/ directly (no split folders) is read too; split then carves test.

Class names, labels for both tasks and how patient ids are read from file names live here and nowhere else.
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from xraylab.data import clutter, dicom
from xraylab.errors import UserError

FOLDER_CLASSES = ("NORMAL", "PNEUMONIA")
CLASS_NAMES = {"binary": ("NORMAL", "PNEUMONIA"),
               # Bacterial vs viral from the file names (Ding 2018 used the same split of the data set).
               "three_class": ("NORMAL", "BACTERIA", "VIRUS")}
SOURCE_SPLITS = ("train", "val", "test")
IMAGE_SUFFIXES = (".jpeg", ".jpg", ".png", *dicom.SUFFIXES)

# person1008_bacteria_2939.jpeg → person1008; IM-0117-0001.jpeg → IM-0117;
# NORMAL2-IM-0012-0001.jpeg → NORMAL2-IM-0012. Several images of one child share the id.
_PATIENT_PATTERNS = (
    re.compile(r"^(person\d+)_"),
    re.compile(r"^((?:NORMAL2-)?IM-\d+)-"),
)


class LayoutError(UserError):
    """A folder does not have the Kermany layout, or a file name carries no patient id or subtype."""


def patient_id(file_name: str) -> str:
    for pattern in _PATIENT_PATTERNS:
        match = pattern.match(file_name)
        if match:
            return match.group(1)
    raise LayoutError(f"cannot read a patient id from file name {file_name!r}: expected "
                      "personN_..., IM-NNNN-... or NORMAL2-IM-NNNN-...")


def _patient_or_name(file_name: str) -> str:
    try:
        return patient_id(file_name)
    except LayoutError:
        return Path(file_name).stem


def label(folder_class: str, file_name: str, task: str) -> int:
    """Integer label of an image from its class folder and, for three classes, its file name."""
    if folder_class == "NORMAL" or task == "binary":
        return FOLDER_CLASSES.index(folder_class)
    for subtype, value in (("bacteria", 1), ("virus", 2)):
        if f"_{subtype}" in file_name.lower():
            return value
    raise LayoutError(f"PNEUMONIA image {file_name!r} names neither bacteria nor virus, "
                      "so it has no three_class label")


def scan(root: Path, task: str = "binary", any_names: bool = False) -> pd.DataFrame:
    """List the images under `root` in a stable order.

    Columns: path (under `root`), relative (path from `root`), label, patient_id, source_split.
    With `any_names` (films from elsewhere, only scored: no split needs their patients), a file name without
    a Kermany patient id stands for its own patient instead of being an error.
    """
    root = Path(root)
    if not root.is_dir():
        raise LayoutError(f"data folder {root} not found")
    rows = []
    # The official split folders, or the class folders directly (a folder with no split of its own: "").
    for split in (*SOURCE_SPLITS, ""):
        for folder_class in FOLDER_CLASSES:
            class_dir = root / split / folder_class
            if not class_dir.is_dir():
                continue
            for image in sorted(class_dir.iterdir()):
                # A Mac's `._<name>.jpeg` beside each film has the suffix but is no image (clutter.py).
                if image.suffix.lower() in IMAGE_SUFFIXES and not clutter.is_clutter(image.name):
                    rows.append({"path": str(image), "relative": str(image.relative_to(root)),
                                 "label": label(folder_class, image.name, task),
                                 "patient_id": _patient_or_name(image.name) if any_names else patient_id(image.name),
                                 "source_split": split})
    if not rows:
        raise LayoutError(f"no images found under {root}: expected {{train,test}}/{{NORMAL,PNEUMONIA}}/*.jpeg "
                          "or {NORMAL,PNEUMONIA}/*.jpeg")
    return pd.DataFrame(rows)


def find_root(folder: Path) -> Path:
    """The shallowest folder under `folder` (itself included) holding train/NORMAL, NORMAL, or the like.

    Archives wrap the layout in one or more folders (chest_xray/, ChestXRay2017/chest_xray/).
    """
    folder = Path(folder)
    candidates = [folder, *sorted(path for path in folder.rglob("*") if path.is_dir())]
    for candidate in sorted(candidates, key=lambda path: len(path.parts)):
        if any((candidate / split / folder_class).is_dir()
               for split in (*SOURCE_SPLITS, "") for folder_class in FOLDER_CLASSES):
            return candidate
    raise LayoutError(f"no Kermany layout (train/NORMAL, train/PNEUMONIA or NORMAL, PNEUMONIA) found under {folder}")
