"""The web demo: size of each converted model, and in headless Chromium the time to load it and to predict.

For docs/release/ (the site's default) and docs/model/ (what `dvc repro` converted): bytes on disk against
the Keras model they came from and the 3 MB target; page load until the model is ready (fetch, compile,
warm-up prediction), then the time from picking a file to the shown probability, first and median of
five (target <= 1 s after model load); then the accuracy of the page on the embedded sample's test split
(213 JPEGs, decoded by the browser) against the Keras model's in Python, at the same threshold (target:
within 0.5 point). The release model was trained on the official training split, which holds the sample's
films: its figure compares browser and Keras, it is no accuracy estimate. Needs Debian's chromium and the playwright package, and `dvc repro` for models/.
Run from the repository root: python bench/site.py
"""
from __future__ import annotations

import functools
import http.server
import json
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image
from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
KERAS = {"release": REPO / "release" / "model", "pipeline": None}  # pipeline: the model docs/model/meta.json names
FOLDERS = {"release": DOCS / "release", "pipeline": DOCS / "model"}
IMAGE = REPO / "data" / "sample" / "test" / "PNEUMONIA"
TEST = REPO / "data" / "sample" / "test"


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def size_mb(folder: Path) -> float:
    return sum(path.stat().st_size for path in folder.iterdir() if path.is_file()) / 1e6


def keras_dir(name: str) -> Path:
    if KERAS[name] is not None:
        return KERAS[name]
    return REPO / "models" / json.loads((FOLDERS[name] / "meta.json").read_text())["model"]


def compare_accuracy(page, name: str) -> None:
    """Accuracy of the page and of the Keras model on the sample's test JPEGs, at the model's threshold."""
    from xraylab import saved# TensorFlow loads only now, after the timings

    meta = json.loads((FOLDERS[name] / "meta.json").read_text())
    files = [(path, label) for label, folder in enumerate(meta["class_names"]) for path in sorted((TEST / folder).glob("*.jpeg"))]
    browser = []
    for path, _ in files:
        page.evaluate("window.xraylab.millis = null")
        page.set_input_files("#file", str(path))
        page.wait_for_function("window.xraylab.millis !== null")
        browser.append(page.evaluate("window.xraylab.probability"))
    frame = pd.DataFrame({"path": [str(path) for path, _ in files], "label": [label for _, label in files]})
    python = saved.load(keras_dir(name)).predict(frame)
    labels = frame["label"].to_numpy()
    accuracy = {side: float(((np.asarray(p) >= meta["threshold"]) == labels).mean()) for side, p in
                (("browser", browser), ("Keras", python))}
    gap = 100 * abs(accuracy["browser"] - accuracy["Keras"])
    print(f"{name:9} accuracy on {len(files)} sample test JPEGs: browser {100 * accuracy['browser']:.1f}%, Keras "
          f"{100 * accuracy['Keras']:.1f}% ({gap:.1f} point apart, target <= 0.5); probability gap max "
          f"{np.abs(np.asarray(browser) - python).max():.4f}, mean {np.abs(np.asarray(browser) - python).mean():.4f}")


def main() -> None:
    for name, folder in FOLDERS.items():
        keras_file = keras_dir(name) / "model.keras"
        beside = f", Keras file {keras_file.stat().st_size / 1e6:.2f} MB" if keras_file.exists() else ""
        print(f"{name:9} {folder.relative_to(REPO)}: {size_mb(folder):.2f} MB (target <= 3 MB){beside}")

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(DOCS)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    site = f"http://127.0.0.1:{server.server_address[1]}"
    images = sorted(IMAGE.glob("*.jpeg"))[:6]
    with tempfile.TemporaryDirectory() as scratch, sync_playwright() as playwright:
        pngs = []
        for index, image in enumerate(images):  # PNG: the same pixels every time, no decoder differences
            pngs.append(Path(scratch) / f"xray{index}.png")
            Image.open(image).convert("L").save(pngs[-1])
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
        for name in FOLDERS:
            page = browser.new_page()
            start = time.perf_counter()
            page.goto(f"{site}/index.html?model={name}")
            page.wait_for_function("document.getElementById('status').textContent.startsWith('Model ready')",
                                   timeout=120_000)
            loaded = time.perf_counter() - start
            backend = page.text_content("#status")
            times = []
            for png in pngs:
                page.evaluate("window.xraylab.millis = null")
                page.set_input_files("#file", str(png))
                page.wait_for_function("window.xraylab.millis !== null")
                times.append(page.evaluate("window.xraylab.millis"))
            print(f"{name:9} model ready {loaded:5.2f} s after navigation; first prediction {times[0]:6.0f} ms, "
                  f"median of next {len(times) - 1} {statistics.median(times[1:]):6.0f} ms "
                  f"(target <= 1000 ms) [{backend}]")
            compare_accuracy(page, name)
            page.close()
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main()
