"""DICOM films read as a viewer shows them, in every encoding dicom_films writes, and refused clearly otherwise."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import sample_images
from dicom_films import VARIANTS, film_pixels, write, write_without_image
from xraylab.data import checks, dicom, ingest, kermany


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_encoding_shows_the_film_it_was_written_from(variant: str, tmp_path: Path):
    jpeg = sample_images("test", "PNEUMONIA", 1)[0]
    path = write(jpeg, tmp_path / "film.dcm", variant)
    assert dicom.is_dicom(path) and not dicom.is_dicom(jpeg)
    np.testing.assert_array_equal(dicom.read(path), film_pixels(jpeg))


def test_a_dicom_without_an_image_and_a_broken_one_are_named(tmp_path: Path):
    report = write_without_image(tmp_path / "report.dcm")
    with pytest.raises(dicom.DicomError, match=r"report\.dcm: a DICOM file without an image \(no Pixel Data"):
        dicom.read(report)
    assert checks.inspect(report).problem.startswith("a DICOM file without an image")
    film = write(sample_images("test", "NORMAL", 1)[0], tmp_path / "cut.dcm", "bits16")
    film.write_bytes(film.read_bytes()[:2000])  # a transfer that stopped early
    assert checks.inspect(film).problem.startswith("cannot decode its pixel data (The number of bytes")


def test_a_local_folder_of_dicom_films_is_ingested_as_what_a_viewer_shows(tmp_path: Path):
    source = tmp_path / "site"
    films = {"NORMAL": sample_images("test", "NORMAL", 2), "PNEUMONIA": sample_images("test", "PNEUMONIA", 2)}
    for class_name, images in films.items():
        (source / class_name).mkdir(parents=True)
        for image, variant in zip(images, ("monochrome1", "window")):
            write(image, source / class_name / f"{image.stem}.dcm", variant)
    found = kermany.scan(source)
    assert len(found) == 4 and all(path.endswith(".dcm") for path in found["path"])
    raw, quarantine = ingest.ingest(found, tmp_path / "raw")
    assert quarantine.empty and (raw["width"] == 224).all()
    for row, image in zip(raw.itertuples(), films["NORMAL"] + films["PNEUMONIA"]):
        assert row.path.endswith(".png")
        np.testing.assert_array_equal(film_pixels(Path(row.path)), film_pixels(image))
    assert pd.read_csv(tmp_path / "raw" / "manifest.csv")["path"].str.endswith(".png").all()
