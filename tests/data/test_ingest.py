"""Every quarantine case and every conversion, on real X-rays re-encoded the ways archives hold them."""
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import tensorflow as tf
from PIL import Image

from xraylab.data import ingest, kermany, manifest

from conftest import sample_images


def xray() -> Image.Image:
    return Image.open(sample_images("train", "NORMAL", 1)[0]).convert("L")


def write_variants(folder: Path) -> dict[str, str]:
    """Files of every kind in a Kermany layout; returns file name → expected outcome."""
    normal = folder / "train" / "NORMAL"
    normal.mkdir(parents=True)
    grey = xray()
    real = sample_images("train", "NORMAL", 1)[0]
    shutil.copyfile(real, normal / "IM-0001-0001.jpeg")
    (normal / "IM-0002-0001.jpeg").write_bytes(b"")
    (normal / "IM-0003-0001.jpeg").write_text("this is not an image")
    (normal / "IM-0004-0001.jpeg").write_bytes(real.read_bytes()[:2000])
    grey.convert("CMYK").save(normal / "IM-0005-0001.jpeg", format="JPEG")
    grey.convert("RGBA").save(normal / "IM-0006-0001.png")
    grey.convert("P").save(normal / "IM-0007-0001.png")
    Image.fromarray(np.asarray(grey, np.uint16) * 257).save(normal / "IM-0008-0001.png")
    return {"IM-0001-0001.jpeg": "copied", "IM-0002-0001.jpeg": "empty file", "IM-0003-0001.jpeg": "not an image",
            "IM-0004-0001.jpeg": "cannot decode", "IM-0005-0001.jpeg": "converted",
            "IM-0006-0001.png": "converted", "IM-0007-0001.png": "converted", "IM-0008-0001.png": "converted"}


def test_bad_files_are_quarantined_and_odd_modes_converted(tmp_path: Path):
    expected = write_variants(tmp_path / "source")
    raw, quarantine = ingest.ingest(kermany.scan(tmp_path / "source"), tmp_path / "raw")

    reasons = {Path(path).name: reason for path, reason in zip(quarantine["path"], quarantine["reason"])}
    assert reasons["IM-0002-0001.jpeg"] == "empty file"
    assert reasons["IM-0003-0001.jpeg"] == "not an image"
    assert reasons["IM-0004-0001.jpeg"].startswith("cannot decode")
    assert len(reasons) == 3

    names = sorted(Path(path).name for path in raw["path"])
    assert names == ["IM-0001-0001.jpeg", "IM-0005-0001.png", "IM-0006-0001.png", "IM-0007-0001.png",
                     "IM-0008-0001.png"]
    reference = np.asarray(xray(), np.float64)
    for path in raw["path"]:
        with Image.open(path) as image:
            assert image.mode in ("L", "RGB"), path
            pixels = np.asarray(image.convert("L"), np.float64)
        # Converted copies show the same X-ray (JPEG re-encoding allows a few grey levels of difference).
        assert np.abs(pixels - reference).mean() < 3, path
        decoded = tf.io.decode_image(tf.io.read_file(path), channels=1, expand_animations=False)
        assert decoded.shape == (224, 224, 1)
    assert (raw[["width", "height"]] == 224).all().all()
    assert set(expected) == {Path(path).name for path in kermany.scan(tmp_path / "source")["path"]}, \
        "the source folder is left as it was"


def test_manifest_is_written_with_the_raw_columns(tmp_path: Path, tiny_kermany: Path):
    raw, quarantine = ingest.ingest(kermany.scan(tiny_kermany), tmp_path / "raw")
    assert quarantine.empty and len(raw) == 24
    written = manifest.read(tmp_path / "raw" / manifest.RAW_FILE, manifest.RAW_COLUMNS)
    pd.testing.assert_frame_equal(written, raw, check_dtype=False)
    assert all(Path(path).is_relative_to(tmp_path / "raw") and Path(path).is_file() for path in raw["path"])


def test_nothing_readable_is_an_error(tmp_path: Path):
    folder = tmp_path / "source" / "train" / "NORMAL"
    folder.mkdir(parents=True)
    (folder / "IM-0001-0001.jpeg").write_bytes(b"")
    with pytest.raises(Exception, match="none of the 1 images found is readable"):
        ingest.ingest(kermany.scan(tmp_path / "source"), tmp_path / "raw")
    assert not (tmp_path / "raw").exists()
