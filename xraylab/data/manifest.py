"""Manifests: CSV files of image paths, integer labels and patient ids that the stages hand each other.

They are small, diffable and cacheable; images are only read where a stage needs pixels.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from xraylab import atomic
from xraylab.errors import UserError

IMAGE_COLUMNS = ("path", "label", "patient_id")
# The raw manifest also keeps the source's own split ("train"/"test"), or "" where it has none.
RAW_COLUMNS = IMAGE_COLUMNS + ("source_split",)
RAW_FILE = "manifest.csv"
_FLOAT_FORMAT = "%.6g"  # keeps augmentation amounts short and identical across runs
# Carried from the raw manifest into the splits where a source has them (MURA: scored per study).
STUDY_COLUMNS = ("study_id", "body_part")


class ManifestError(UserError):
    """A manifest file is missing, or lacks the columns a stage needs."""


def read(path: Path, columns: tuple[str, ...] = IMAGE_COLUMNS) -> pd.DataFrame:
    path = Path(path)
    if not path.is_file():
        raise ManifestError(f"manifest {path} not found; run the stage that writes it (dvc repro)")
    frame = pd.read_csv(path, dtype={"path": str, "patient_id": str, "source_split": str, "study_id": str},
                        keep_default_na=False)
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ManifestError(f"manifest {path} lacks columns {missing}; it has {list(frame.columns)}")
    if frame.empty:
        raise ManifestError(f"manifest {path} lists no images")
    return frame


def write(path: Path, frame: pd.DataFrame) -> None:
    with atomic.writing(Path(path)) as temp:
        temp.write_text(frame.to_csv(index=False, float_format=_FLOAT_FORMAT, lineterminator="\n"))


def digest(frame: pd.DataFrame) -> str:
    """A SHA-256 of a manifest's rows as written: equal manifests, equal digests."""
    text = frame.to_csv(index=False, float_format=_FLOAT_FORMAT, lineterminator="\n")
    return hashlib.sha256(text.encode()).hexdigest()
