"""The same film at any size: an original (1,000-2,900 px) against its 224 px copy, in Python and in the page.

For the 120 full-size originals in ../shared/data/kermany-fullsize/ and their 224 × 224 copies in
../shared/data/kermany-train-224/: the largest and mean gap between the probabilities the release model gives
the two, and how many labels flip at its operating threshold, with `xraylab.pipeline` (what `xraylab predict`
runs) and with the web page in headless Chromium (the browser decodes each JPEG itself). Target: largest gap
<= 0.05 and no flips on both. Also the old path (a plain bilinear resize) beside it, for the ratio.
Needs Debian's chromium and the playwright package. Run from the repository root: python bench/size_agreement.py
"""
from __future__ import annotations

import functools
import http.server
import shutil
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import tensorflow as tf
from playwright.sync_api import sync_playwright

from xraylab import pipeline
from xraylab.serve import release

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
ORIGINALS = sorted((SHARED / "kermany-fullsize").glob("*/*.jpeg"))
COPIES = [SHARED / "kermany-train-224" / path.parent.name / path.name for path in ORIGINALS]


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def report(side: str, originals: np.ndarray, copies: np.ndarray, threshold: float) -> None:
    gap = np.abs(originals - copies)
    flips = int(((originals >= threshold) != (copies >= threshold)).sum())
    worst = ORIGINALS[int(gap.argmax())].name
    print(f"{side:28} largest gap {gap.max():.4f} ({worst}), mean {gap.mean():.4f}, label flips {flips} of "
          f"{len(gap)} (target: <= 0.05 and 0)")


def plain_bilinear(model, size: int, paths: list[Path]) -> np.ndarray:
    """The input path before this change: full decode, one bilinear resize without antialiasing."""
    images = [tf.image.resize(pipeline.decode(str(path), 1), (size, size)) / 255 for path in paths]
    return model.predict(tf.stack(images), verbose=0)[:, 0]


def browser_probabilities(paths: list[Path]) -> np.ndarray:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(REPO / "docs")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    probabilities = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/index.html?model=release")
        page.wait_for_function("document.getElementById('status').textContent.startsWith('Model ready')",
                               timeout=120_000)
        for path in paths:
            page.evaluate("window.xraylab.millis = null")
            page.set_input_files("#file", str(path))
            page.wait_for_function("window.xraylab.millis !== null", timeout=60_000)
            probabilities.append(page.evaluate("window.xraylab.probability"))
        browser.close()
    server.shutdown()
    return np.asarray(probabilities)


def main() -> None:
    model, meta = release.load()
    threshold = meta.threshold
    print(f"release model {meta.model} ({meta.experiment}), {meta.image_size} px, threshold "
          f"{threshold:.4f}; {len(ORIGINALS)} originals against their 224 px copies")
    frame = lambda paths: pd.DataFrame({"path": [str(path) for path in paths], "label": 0})  # noqa: E731
    report("Python, plain bilinear", plain_bilinear(model.model, meta.image_size, ORIGINALS),
           plain_bilinear(model.model, meta.image_size, COPIES), threshold)
    report("Python, xraylab.pipeline", model.predict(frame(ORIGINALS)), model.predict(frame(COPIES)), threshold)
    browser = browser_probabilities(ORIGINALS + COPIES)
    report("browser (docs/index.html)", browser[:len(ORIGINALS)], browser[len(ORIGINALS):], threshold)
    python_copies = model.predict(frame(COPIES))
    print(f"browser against Python on the copies: largest gap {np.abs(browser[len(ORIGINALS):] - python_copies).max():.4f}")


if __name__ == "__main__":
    main()
