"""A synthetic set of full-size (about 1,000 × 1,300 px) chest JPEGs for the input benchmarks, built once.

Generating an image takes ~0.25 s, so `distinct` images are generated and then copied under new names up
to `count` files: every file is still read and decoded on its own, which is what the benchmarks measure.
Synthetic images, never presented as real data.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from xraylab.config import SyntheticConfig
from xraylab.data import kermany, synthetic

OUT = Path(__file__).resolve().parent / "out"


def ensure_set(count: int, distinct: int = 100) -> pd.DataFrame:
    """A manifest (path, label, patient_id) of `count` full-size JPEGs under bench/out/, made if missing."""
    root = OUT / f"fullsize-{count}"
    done = root / "complete"
    if not done.exists():
        if root.exists():
            shutil.rmtree(root)
        synthetic.write_kermany(root / "train", SyntheticConfig(count=distinct, pneumonia_fraction=0.6, min_size=1000, max_size=1400, seed=0))
        originals = sorted((root / "train").rglob("*.jpeg"))
        for copy in range(1, -(-count // distinct)):
            for image in originals:
                shutil.copyfile(image, image.with_name(f"{image.stem}-copy{copy}.jpeg"))
        extra = sorted((root / "train").rglob("*.jpeg"))[count:]
        for image in extra:
            image.unlink()
        done.touch()
    frame = kermany.scan(root / "train").drop(columns=["relative", "source_split"])
    return frame.iloc[:count].reset_index(drop=True)


if __name__ == "__main__":
    import sys

    ensure_set(int(sys.argv[1]))
