"""Peak memory (RSS) while streaming a large set of full-size JPEGs through the input pipelines.

5,000 synthetic full-size chest JPEGs (bench/fullsize.py), one pass of xraylab.pipeline.image_dataset at
224 px greyscale in batches of 32 (as training streams them, uncached), then the flattened arrays the
scikit-learn models get at 32 px. Peak RSS is the process's ru_maxrss after each step, measured against
its value after importing TensorFlow. Target (issue): <= 4 GB. Run: python bench/peak_rss.py
"""
from __future__ import annotations

import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import tensorflow as tf  # noqa: E402,F401  (imported first so the baseline includes it)
from fullsize import ensure_set  # noqa: E402

from xraylab import pipeline# noqa: E402

COUNT = 5000


def peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6  # Linux reports kilobytes


def main() -> None:
    # Built (if missing) in another process, so generating it does not count towards this one's peak.
    subprocess.run([sys.executable, str(Path(__file__).resolve().parent / "fullsize.py"), str(COUNT)], check=True)
    frame = ensure_set(COUNT)
    baseline = peak_gb()
    start = time.perf_counter()
    for images, _ in pipeline.image_dataset(frame, 224, 1, 32):
        images.numpy()
    stream_seconds = time.perf_counter() - start
    after_stream = peak_gb()
    pixels, _ = pipeline.flat_arrays(frame, 32)
    after_flat = peak_gb()
    print(f"{len(frame)} synthetic full-size JPEGs ({sum(Path(p).stat().st_size for p in frame['path']) / 1e9:.2f} GB on disk)")
    print(f"peak RSS after imports                  {baseline:5.2f} GB")
    print(f"peak RSS streaming one epoch at 224 px  {after_stream:5.2f} GB  ({len(frame) / stream_seconds:.0f} images/s)")
    print(f"peak RSS after flat arrays at 32 px     {after_flat:5.2f} GB  (array {pixels.nbytes / 1e9:.2f} GB)")


if __name__ == "__main__":
    main()
