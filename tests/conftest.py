"""Shared fixtures: small, real inputs built from the embedded sample of Kermany X-rays."""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "sample"


def sample_images(split: str, class_name: str, count: int) -> list[Path]:
    """The first `count` real images of one class and split of the embedded sample, in name order."""
    return sorted((SAMPLE / split / class_name).glob("*.jpeg"))[:count]


@pytest.fixture
def tiny_kermany(tmp_path: Path) -> Path:
    """A Kermany-layout folder of 24 real X-rays: 6 per class in train and in test."""
    root = tmp_path / "kermany"
    for split in ("train", "test"):
        for class_name in ("NORMAL", "PNEUMONIA"):
            target = root / split / class_name
            target.mkdir(parents=True)
            for image in sample_images(split, class_name, 6):
                shutil.copyfile(image, target / image.name)
    return root


@pytest.fixture
def tiny_manifest() -> pd.DataFrame:
    """A manifest of 16 real training images (8 per class), paths pointing into the embedded sample."""
    rows = []
    for label, class_name in enumerate(("NORMAL", "PNEUMONIA")):
        for image in sample_images("train", class_name, 8):
            rows.append({"path": str(image), "label": label, "patient_id": image.stem})
    return pd.DataFrame(rows)
