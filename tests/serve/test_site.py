"""The demo site in a real browser: docs/ served on 127.0.0.1, driven in Debian's headless Chromium.

The page must give the probability the Python model gives (within 1e-3) and the Grad-CAM map
`xraylab.explain.attribution` computes, and fetch nothing but its own static files: an X-ray never leaves the machine.
"""
from __future__ import annotations

import base64
import json
import re
import shutil
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from browser import open_page, python_reference, serving, shown_prediction, upload
from conftest import FULLSIZE, REPO, TRAIN_224, sample_images

from xraylab import models, saved
from xraylab.config import NetworkConfig
from xraylab.data import films, not_films
from xraylab.errors import UserError
from xraylab.serve import calibration as calibration_file
from xraylab.serve import contract, export, gate, predict, release

# Each test drives headless Chromium (seconds apiece): the fast lane leaves the browser out.
pytestmark = pytest.mark.slow

DOCS = REPO / "docs"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def site() -> str:
    with serving(DOCS) as url:
        yield url


@pytest.fixture
def xray_pngs(tmp_path: Path) -> list[Path]:
    """Real test X-rays as PNG (lossless, so browser and TensorFlow decode the very same pixels)."""
    targets = []
    for index, source in enumerate(sample_images("test", "PNEUMONIA", 2) + sample_images("test", "NORMAL", 2)):
        targets.append(tmp_path / f"xray{index}.png")
        with Image.open(source) as image:
            image.convert("L").save(targets[-1])
    return targets


@pytest.fixture
def xray_png(xray_pngs: list[Path]) -> Path:
    return xray_pngs[0]


def test_release_model_in_the_browser_matches_python(browser, site: str, xray_pngs: list[Path], tmp_path: Path):
    page, requests = open_page(browser, site)
    assert page.input_value("#model-choice") == "release"
    # The page says where the shipped threshold comes from and how the release scored on target films.
    meta = json.loads((release.RELEASE_DIR / release.META_FILE).read_text())
    card = page.text_content("#model-card")
    for name, part in (meta.get("external") or {}).items():
        scores = (part["calibrated"] if name == meta.get("threshold_set") else part["at_val_threshold"])["scores"]
        assert f"On {part['count']} target films ({name}" in card
        assert f"specificity {100 * scores['specificity']:.1f}%" in card, card
    if meta.get("threshold_set"):
        assert "which chose the threshold: optimistic" in card
    if (meta.get("replaces") or {}).get("independent"):
        assert f"It replaces {meta['replaces']['experiment']}" in card
    own = meta.get("independent")
    if own:  # scored outside this project, on films that chose nothing
        assert (f"Scored independently on {own['films']} held-back official test films at its threshold: accuracy "
                f"{100 * own['accuracy']:.1f}%") in card
    for number, image in enumerate(xray_pngs):
        page.evaluate("window.xraylab.millis = null")
        upload(page, image)
        page.wait_for_function("window.xraylab.millis !== null")
        shown = shown_prediction(page)
        probability, heatmap = python_reference(release.RELEASE_DIR / release.MODEL_DIR, image)
        browser_map = np.asarray(shown["heatmap"], np.float32).reshape(heatmap.shape)
        difference = np.abs(browser_map - heatmap)
        print(f"{image.name}: probability browser {shown['probability']:.6f}, Python {probability:.6f}; heat-map "
              f"|browser - explain.grad_cam| mean {difference.mean():.5f}, max {difference.max():.5f}; "
              f"{'time to first prediction' if number == 0 else 'prediction'} {shown['millis']:.0f} ms")
        assert abs(float(shown["shown"]) - probability) <= 1e-3  # what the visitor reads
        assert abs(shown["probability"] - probability) <= 1e-3
        assert difference.max() < 0.01
    painted = page.evaluate("""() => { const canvas = document.getElementById('heatmap');
        const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0; for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++; return painted; }""")
    assert painted > 0.05 * heatmap.size  # the overlay is drawn, not blank

    page.fill("#opacity", "0.8")  # the slider drives the overlay's opacity
    page.dispatch_event("#opacity", "input")
    assert page.eval_on_selector("#heatmap", "canvas => canvas.style.opacity") == "0.8"
    page.screenshot(path=str(tmp_path / "site.png"), full_page=True)
    print(f"screenshot: {tmp_path / 'site.png'}")
    assert_only_static_gets(requests, site)


def test_bad_file_gives_a_message_and_the_page_goes_on(browser, site: str, xray_png: Path, tmp_path: Path):
    page, requests = open_page(browser, site)
    not_an_image = tmp_path / "notes.txt"
    not_an_image.write_text("not an X-ray")
    upload(page, not_an_image)
    page.wait_for_selector("#error:not([hidden])")
    assert page.text_content("#error") == "notes.txt is not an image this browser can read. Pick a JPEG or PNG X-ray."
    assert page.is_hidden("#result")

    drop(page, xray_png)  # this time dragged onto the page
    shown = shown_prediction(page)
    assert page.is_hidden("#error")
    assert 0.0 <= shown["probability"] <= 1.0
    assert_only_static_gets(requests, site)


def drop(page, path: Path) -> None:
    """Drag `path` onto the page's drop zone, as a visitor dropping a file from their desktop."""
    page.evaluate("""([name, encoded]) => {
        const bytes = Uint8Array.from(atob(encoded), (character) => character.charCodeAt(0));
        const dropped = new DataTransfer();
        dropped.items.add(new File([bytes], name, { type: "image/png" }));
        document.getElementById("drop-zone").dispatchEvent(new DragEvent("drop", { dataTransfer: dropped, bubbles: true }));
    }""", [path.name, base64.b64encode(path.read_bytes()).decode()])


def test_pipeline_model_and_phone_width(browser, site: str, xray_png: Path, tmp_path: Path):
    # The model `dvc repro` converts is one click away; a phone-width screen shows everything without
    # scrolling sideways.
    page, requests = open_page(browser, site, "?model=pipeline", viewport=PHONE)
    assert page.input_value("#model-choice") == "pipeline"
    meta = json.loads((DOCS / "model" / "meta.json").read_text())
    assert page.evaluate("window.xraylab.model") == meta["model"]
    upload(page, xray_png)
    shown = shown_prediction(page)
    assert 0.0 <= shown["probability"] <= 1.0
    assert (shown["heatmap"] is not None) == meta["heatmap"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(tmp_path / "phone.png"), full_page=True)
    assert_only_static_gets(requests, site)


@pytest.mark.skipif(not FULLSIZE.is_dir(), reason=f"{FULLSIZE} (real originals beside the checkout) is missing")
def test_an_original_film_and_its_224_copy_get_the_same_answer(browser, site: str):
    # What a visitor brings is the original (1,000-2,900 px, with a colour profile); the model was trained on
    # 224 px copies. bench/size_agreement.py measures all 120 films; here three of each class.
    page, requests = open_page(browser, site)
    for original in sorted(FULLSIZE.glob("NORMAL/*.jpeg"))[:3] + sorted(FULLSIZE.glob("PNEUMONIA/*.jpeg"))[:3]:
        answers = []
        for path in (original, TRAIN_224 / original.parent.name / original.name):
            page.evaluate("window.xraylab.millis = null")
            upload(page, path)
            page.wait_for_function("window.xraylab.millis !== null")
            answers.append(shown_prediction(page)["probability"])
        python, _ = python_reference(release.RELEASE_DIR / release.MODEL_DIR, original)
        print(f"{original.name}: original {answers[0]:.4f}, copy {answers[1]:.4f}, Python on the original {python:.4f}")
        assert abs(answers[0] - answers[1]) <= 0.05
        assert abs(answers[0] - python) <= 0.05  # Python decodes a large JPEG at a reduced scale
    assert_only_static_gets(requests, site)


def test_a_site_calibration_sets_the_threshold_only_for_its_own_model(browser, xray_png: Path, tmp_path: Path):
    docs = tmp_path / "docs"
    shutil.copytree(DOCS, docs)
    # The model file's digest as `xraylab release` records it (a release made before it existed has none).
    meta = {**json.loads((docs / "release" / "meta.json").read_text()), "model_digest": "a" * 64}
    (docs / "release" / "meta.json").write_text(json.dumps(meta))
    scored = {"scores": {"accuracy": 0.9}, "interval": {"accuracy": [0.85, 0.95]}}
    calibration = {"model": "release", "model_digest": meta["model_digest"], "threshold": 0.9, "rule": "youden",
                   "films": "our-films", "images": {"NORMAL": 40, "PNEUMONIA": 60}, "model_threshold": 0.5,
                   "model_threshold_picked_on": "validation", "confidence": 0.95, "at_model_threshold": scored,
                   "calibrated": scored, "gate": None}
    (docs / "release" / "calibration.json").write_text(json.dumps(
        contract.checked(contract.Calibration, calibration, "the test's calibration")))
    with serving(docs) as url:
        page, _ = open_page(browser, url)
        assert page.evaluate("window.xraylab.threshold") == 0.9
        upload(page, xray_png)
        shown_prediction(page)
        note = page.text_content("#threshold-note")
        assert "0.9000 or more: a threshold calibrated on your films, our-films (40 NORMAL, 60 PNEUMONIA" in note
        # Made for another model file, or not a calibration at all: the page stops where `xraylab predict` stops,
        # with the same words, and answers nothing (it used to fall back to the release's threshold in silence).
        for stale, problem in (({**calibration, "model_digest": "0" * 64}, "was made for another version of model"),
                               ({"threshold": "high"}, "is not a calibration written by `xraylab calibrate`")):
            (docs / "release" / "calibration.json").write_text(json.dumps(stale))
            page = browser.new_page()
            page.goto(f"{url}/index.html")
            page.wait_for_function("document.getElementById('status').textContent.includes('calibration.json')",
                                   timeout=60_000)
            shown = page.text_content("#status")
            assert page.is_disabled("#file") and page.evaluate("window.xraylab.threshold") is None
            # `xraylab predict` with the same file as calibration/release.json: the same sentence, each naming
            # its own file.
            (tmp_path / "calibration").mkdir(exist_ok=True)
            shutil.copyfile(docs / "release" / "calibration.json", tmp_path / "calibration" / "release.json")
            with pytest.raises(UserError) as python:
                calibration_file.threshold_for("release", meta["model_digest"], tmp_path / "calibration")
            said = str(python.value).replace(str(tmp_path / "calibration" / "release.json"), "FILE")
            assert problem in shown and problem in said
            if "another version" in problem:  # (Python also names the first field that is wrong)
                assert shown.replace("release/calibration.json", "FILE") == said


def test_example_films_get_the_answer_python_gives(browser, site: str, tmp_path: Path):
    # A visitor without an X-ray clicks an example: the film goes the way of a chosen file.
    page, requests = open_page(browser, site)
    buttons = page.query_selector_all("[data-example]")
    assert len(buttons) == 4 and "CC BY 4.0" in page.text_content(".examples")
    for button in buttons:
        example = DOCS / button.get_attribute("data-example")
        page.evaluate("window.xraylab.millis = null")
        button.click()
        page.wait_for_function("window.xraylab.millis !== null")
        shown = shown_prediction(page)
        probability, _ = python_reference(release.RELEASE_DIR / release.MODEL_DIR, example)
        print(f"{example.name}: browser {shown['probability']:.4f}, Python {probability:.4f}, {shown['label']}")
        # Browser and Python decode the JPEG with different decoders: close, not identical.
        assert abs(shown["probability"] - probability) <= 0.01
        expected = predict.predict(saved.load(release.RELEASE_DIR / release.MODEL_DIR), shown["threshold"],
                                   films.prepare([example], tmp_path))[0]
        assert page.text_content("#label") == expected.label  # what `xraylab predict` calls the same film
    assert_only_static_gets(requests, site)


FAR_ABOVE = 5.0  # gate scores above it are compared only as refusals


def test_the_page_refuses_what_python_refuses(browser, site: str, tmp_path: Path):
    # The release's gate runs inside its TF.js graph: on real films and on made-up non-films the page must refuse
    # exactly what `xraylab predict` refuses, show no answer for them, and answer when asked to run anyway.
    real = sample_images("test", "NORMAL", 2) + sample_images("test", "PNEUMONIA", 2)
    made = {**not_films.far(seed=3, each=1), **not_films.near(real[:1])}
    pictures = [*real, *(path for paths in not_films.write(made, tmp_path / "not-films").values() for path in paths)]
    fitted = gate.read(release.RELEASE_DIR / gate.GATE_FILE)
    expected = gate.verdicts(fitted, pd.DataFrame({"path": [str(path) for path in pictures], "label": 0}))
    model = saved.load(release.RELEASE_DIR / release.MODEL_DIR)
    page, requests = open_page(browser, site)
    for picture, verdict in zip(pictures, expected):
        page.evaluate("window.xraylab.millis = null")
        upload(page, picture)
        page.wait_for_function("window.xraylab.millis !== null")
        shown = page.evaluate("window.xraylab")
        score = max(shown["gate"])
        print(f"{picture.name}: gate score browser {score:.4f}, Python {verdict.score:.4f} ({verdict.check})")
        # Equal within rounding near the threshold; far above it (a flat image's 1 / spread runs to 1e5) only both
        # must refuse.
        assert min(score, FAR_ABOVE) == pytest.approx(min(verdict.score, FAR_ABOVE), rel=0.01, abs=0.005)
        assert (shown["refused"] is not None) == verdict.refused, picture.name
        if not verdict.refused:
            assert page.is_visible("#result") and page.is_hidden("#refusal") and page.is_hidden("#forced")
            continue
        assert page.is_hidden("#result") and shown["label"] is None
        assert shown["refused"]["check"] == verdict.check
        assert page.text_content("#refusal strong") == "This does not look like a chest X-ray."
        assert gate.REASONS[verdict.check] in page.text_content("#refusal-reason")
        page.click("#run-anyway")  # the answer the visitor asked for, marked
        assert page.is_visible("#result") and page.is_visible("#forced")
        probability = float(model.predict(pd.DataFrame({"path": [str(picture)], "label": 0}))[0])
        assert abs(float(page.text_content("#probability")) - probability) <= 1e-3
    assert_only_static_gets(requests, site)


def test_documentation_links_open_rendered_pages(browser, site: str):
    # GitHub Pages serves docs/ without a Markdown build: the links open doc.html, which renders the file.
    page, requests = open_page(browser, site)
    links = [link.get_attribute("href") for link in page.query_selector_all("nav a")]
    assert links == [f"doc.html?file={name}" for name in ("model-card.md", "results.md", "reproducing.md",
                                                          "architecture.md", "guide.md", "troubleshooting.md")]
    for link in links:
        page.goto(f"{site}/{link}")
        page.wait_for_selector("#document h1")
        source = (DOCS / link.split("=")[1]).read_text()
        title = next(line for line in source.splitlines() if line.startswith("# "))[2:]
        assert page.text_content("#document h1") == title.replace("`", "")
        rendered = page.evaluate("""() => { const copy = document.getElementById('document').cloneNode(true);
            copy.querySelectorAll('pre, code').forEach((element) => element.remove()); return copy.textContent; }""")
        assert not re.search(r"^#+ |\]\([\w./-]+\)", rendered, flags=re.MULTILINE)  # no raw headings or links
        if "| --- |" in source or "|---|" in source:
            assert page.query_selector("#document table") is not None
        # Links between the documents stay rendered.
        for other in page.query_selector_all("#document a[href$='.md'], #document a[href*='.md#']"):
            assert other.get_attribute("href").startswith("doc.html?file="), other.get_attribute("href")
    page.goto(f"{site}/doc.html?file=../README.md")
    page.wait_for_function("document.getElementById('document').textContent.startsWith('No such document')")
    assert_only_static_gets(requests, site)


def test_a_model_without_a_closed_form_says_it_has_no_heatmap(browser, xray_png: Path, tmp_path: Path):
    docs = tmp_path / "docs"
    shutil.copytree(DOCS, docs)
    network = models.build("lenet5", NetworkConfig(image_size=32, channels=1, epochs=1, batch_size=4,
                                                   learning_rate=1e-3, dropout=0.0), 2, seed=0)
    meta = {**json.loads((DOCS / "model" / "meta.json").read_text()), "model": "lenet5", "image_size": 32,
            "channels": 1}
    shutil.rmtree(docs / "model")
    export.to_tfjs(network, docs / "model", "none", meta)
    with serving(docs) as url:
        page, _ = open_page(browser, url, "?model=pipeline")
        upload(page, xray_png)
        shown = shown_prediction(page)
        assert shown["heatmap"] is None
        assert page.is_visible("#no-heatmap") and not page.is_visible("#heatmap-controls")
        page.select_option("#model-choice", "release")  # the release model has one: the note goes
        page.wait_for_function("document.getElementById('status').textContent.startsWith('Model ready')")
        assert not page.is_visible("#no-heatmap")


def assert_only_static_gets(requests: list[tuple[str, str]], site: str) -> None:
    """Every network request is a GET to the site for a file under docs/ (or for the release's optional site
    calibration, absent unless `xraylab calibrate` wrote one); blob: URLs are local previews."""
    network = [(method, url) for method, url in requests if not url.startswith(("blob:", "data:"))]
    assert network
    for method, url in network:
        parsed = urlparse(url)
        assert method == "GET", (method, url)
        assert f"{parsed.scheme}://{parsed.netloc}" == site, url
        assert (DOCS / parsed.path.lstrip("/")).is_file() or parsed.path.endswith("/calibration.json"), url
