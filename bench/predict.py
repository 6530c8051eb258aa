"""`xraylab predict --json` on 600 real X-rays: wall time of the whole command, start-up included.

Target (issue "Accuracy on real X-rays"): 600 images in a minute on this CPU. The images are the first 300
NORMAL and 300 PNEUMONIA files of ../shared/data/kermany-train-224 (or pass a folder with NORMAL/ and
PNEUMONIA/); the model is the default one (the release model). Printed beside it, for the ratio: the
same command on one image, which is nearly all start-up.
Run from the repository root: python bench/predict.py [FOLDER]
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT = REPO.parent / "shared" / "data" / "kermany-train-224"


def timed(images: list[Path]) -> tuple[float, list[str]]:
    start = time.perf_counter()
    result = subprocess.run(["xraylab", "predict", "--json", *map(str, images)], cwd=REPO, capture_output=True,
                            text=True, check=True)
    return time.perf_counter() - start, result.stdout.splitlines()


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    images = sorted((folder / "NORMAL").glob("*.jpeg"))[:300] + sorted((folder / "PNEUMONIA").glob("*.jpeg"))[:300]
    one_seconds, _ = timed(images[:1])
    all_seconds, lines = timed(images)
    assert len(lines) == len(images), "one JSON line per image"
    print(f"{len(images)} images from {folder}")
    print(f"one image          {one_seconds:6.1f} s (start-up: Python, TensorFlow, model)")
    beyond = all_seconds - one_seconds
    # Start-up varies by a second or more between runs; below that the images' own cost is not measurable.
    after = f"{(len(images) - 1) / beyond:6.1f} images/s after start-up" if beyond > 1 else \
        "the images themselves within start-up's run-to-run noise"
    print(f"{len(images)} images        {all_seconds:6.1f} s   {len(images) / all_seconds:6.1f} images/s overall; {after}")
    print(f"target: {len(images)} in 60 s -> {'met' if all_seconds <= 60 else 'missed'}")


if __name__ == "__main__":
    main()
