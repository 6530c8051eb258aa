"""Driving the demo page in Debian's headless Chromium: serve a docs/ folder, open the page, give it a film, read
what it shows; and what Python says about the same film. The browser fixtures are in conftest.py."""
from __future__ import annotations

import contextlib
import functools
import http.server
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

from xraylab import pipeline, saved
from xraylab.explain import attribution


@contextlib.contextmanager
def serving(folder: Path):
    """`folder` over HTTP on a free port of 127.0.0.1, as GitHub Pages serves docs/."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def open_page(browser, site: str, query: str = "", viewport: dict | None = None):
    """A fresh page on the site with its model loaded; returns the page and the requests it made."""
    page = browser.new_page(viewport=viewport or {"width": 1100, "height": 900})
    requests: list[tuple[str, str]] = []
    page.on("request", lambda request: requests.append((request.method, request.url)))
    started = time.perf_counter()
    page.goto(f"{site}/index.html{query}")
    page.wait_for_function("document.getElementById('status').textContent.startsWith('Model ready')",
                           timeout=60_000)
    print(f"model loaded and warmed up in {time.perf_counter() - started:.2f} s ({page.text_content('#status')})")
    return page, requests


def upload(page, path: Path) -> None:
    page.set_input_files("#file", str(path))


def shown_prediction(page) -> dict:
    page.wait_for_selector("#result:not([hidden])", timeout=30_000)
    return page.evaluate("() => ({...window.xraylab, heatmap: window.xraylab.heatmap && Array.from(window.xraylab.heatmap),"
                         " shown: document.getElementById('probability').textContent})")


def python_reference(model_dir: Path, image: Path) -> tuple[float, np.ndarray]:
    model = saved.load(model_dir)
    frame = pd.DataFrame({"path": [str(image)], "label": 0})
    pixels = next(iter(pipeline.image_dataset(frame, model.meta.image_size, model.meta.channels, 1)))[0].numpy()
    return float(model.predict(frame)[0]), attribution.grad_cam(model.model, pixels)[0]
