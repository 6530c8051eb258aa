"""Synthetic X-ray-like images for tests and benchmarks. Never presented as real data.

Chest images: a body outline, two dark lung fields, mediastinum and heart, faint ribs; pneumonia adds
opacities in the lungs, dense and focal for bacterial, many small and diffuse for viral. File names follow
the Kermany patterns exactly, several images per patient, so patient grouping is exercised.
Musculoskeletal images follow the MURA v1.1 layout and CSVs.
"""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
from PIL import Image
from scipy.ndimage import gaussian_filter

from xraylab.config import SyntheticConfig


def write_kermany(root: Path, cfg: SyntheticConfig) -> None:
    """Write `cfg.count` chest images into root/train/{NORMAL,PNEUMONIA}/ (no test split: split carves one)."""
    rng = np.random.default_rng(cfg.seed)
    root = Path(root)
    for folder in ("NORMAL", "PNEUMONIA"):
        (root / "train" / folder).mkdir(parents=True, exist_ok=True)
    written, patient, pneumonia_images = 0, 0, 0
    while written < cfg.count:
        patient += 1
        # Each new patient goes to whichever class is behind its share, so the ratio holds for small counts.
        behind = pneumonia_images < cfg.pneumonia_fraction * (written + 1)
        finding = str(rng.choice(["bacteria", "virus"])) if behind else "normal"
        for visit in range(1, min(int(rng.integers(1, 4)), cfg.count - written) + 1):
            height, width = (int(value) for value in rng.integers(cfg.min_size, cfg.max_size + 1, size=2))
            if finding == "normal":
                prefix = "NORMAL2-" if patient % 2 else ""
                path = root / "train" / "NORMAL" / f"{prefix}IM-{patient:04d}-{visit:04d}.jpeg"
            else:
                pneumonia_images += 1
                path = root / "train" / "PNEUMONIA" / f"person{patient}_{finding}_{pneumonia_images}.jpeg"
            Image.fromarray(chest(rng, height, width, finding)).save(path, format="JPEG", quality=90)
            written += 1


def chest(rng: np.random.Generator, height: int, width: int, finding: str) -> np.ndarray:
    """One greyscale chest image (uint8); `finding` is normal, bacteria or virus."""
    y, x = np.mgrid[-1:1:height * 1j, -1:1:width * 1j]
    jitter = lambda scale: rng.normal(0, scale)  # noqa: E731
    image = np.full((height, width), 0.08)
    image[_ellipse(x, y, jitter(0.03), 0.05 + jitter(0.03), 0.85, 0.97)] = 0.55
    lungs = np.zeros_like(image, dtype=bool)
    for side in (-1, 1):
        lungs |= _ellipse(x, y, side * (0.38 + jitter(0.02)), -0.08 + jitter(0.03), 0.27, 0.58)
    image[lungs] = 0.22
    image += lungs * 0.04 * np.sin((y + jitter(0.05)) * 22)  # ribs
    image[(np.abs(x) < 0.1) & (y > -0.7)] = 0.68  # spine and mediastinum
    image[_ellipse(x, y, 0.12 + jitter(0.02), 0.28 + jitter(0.02), 0.22, 0.2)] = 0.64  # heart
    if finding == "bacteria":
        for _ in range(int(rng.integers(1, 3))):
            image += 0.38 * _blob(x, y, rng, lungs, sigma=0.13)
    elif finding == "virus":
        for _ in range(int(rng.integers(8, 16))):
            image += 0.14 * _blob(x, y, rng, lungs, sigma=0.05)
    image = gaussian_filter(image, sigma=max(height, width) / 300) + rng.normal(0, 0.025, image.shape)
    return (np.clip(image, 0, 1) * 255).astype(np.uint8)


def write_mura(root: Path, patients: int, seed: int) -> None:
    """Write a MURA-v1.1-style folder at `root`: PNG images, image-path and labelled-study CSVs."""
    rng = np.random.default_rng(seed)
    root = Path(root)
    for split, first_patient in (("train", 1), ("valid", 10001)):
        image_rows, study_rows = [], []
        for patient in range(first_patient, first_patient + patients):
            body_part = str(rng.choice(["XR_WRIST", "XR_SHOULDER"]))
            for study in range(1, int(rng.integers(1, 3)) + 1):
                abnormal = bool(rng.random() < 0.4)
                study_dir = f"{split}/{body_part}/patient{patient:05d}/study{study}_{'positive' if abnormal else 'negative'}"
                (root / study_dir).mkdir(parents=True, exist_ok=True)
                for image in range(1, int(rng.integers(1, 4)) + 1):
                    name = f"{study_dir}/image{image}.png"
                    Image.fromarray(bone(rng, 160, 128, abnormal)).save(root / name)
                    image_rows.append([f"{root.name}/{name}"])
                study_rows.append([f"{root.name}/{study_dir}/", int(abnormal)])
        _write_csv(root / f"{split}_image_paths.csv", image_rows)
        _write_csv(root / f"{split}_labeled_studies.csv", study_rows)


def bone(rng: np.random.Generator, height: int, width: int, abnormal: bool) -> np.ndarray:
    y, x = np.mgrid[-1:1:height * 1j, -1:1:width * 1j]
    image = np.full((height, width), 0.1)
    shaft = np.abs(x - rng.normal(0, 0.05)) < 0.18
    image[shaft] = 0.75
    if abnormal:  # a dark fracture line across the shaft
        image[shaft & (np.abs(y - 0.6 * x - rng.normal(0, 0.2)) < 0.04)] = 0.2
    image = gaussian_filter(image, 1.0) + rng.normal(0, 0.02, image.shape)
    return (np.clip(image, 0, 1) * 255).astype(np.uint8)


def _ellipse(x: np.ndarray, y: np.ndarray, cx: float, cy: float, rx: float, ry: float) -> np.ndarray:
    return ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1


def _blob(x: np.ndarray, y: np.ndarray, rng: np.random.Generator, lungs: np.ndarray, sigma: float) -> np.ndarray:
    """A Gaussian opacity centred on a random point inside the lung fields."""
    rows, columns = np.nonzero(lungs)
    pick = int(rng.integers(len(rows)))
    cy, cx = y[rows[pick], columns[pick]], x[rows[pick], columns[pick]]
    return np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * sigma ** 2)) * lungs


def _write_csv(path: Path, rows: list[list]) -> None:
    with path.open("w", newline="") as stream:
        csv.writer(stream, lineterminator="\n").writerows(rows)
