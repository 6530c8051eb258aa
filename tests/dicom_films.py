"""DICOM files written from real films of the embedded sample, in the encodings hospitals send.

Each variant stores the same 8-bit film so that a correct reader (xraylab/data/dicom.py) shows exactly it again:
the test compares what is read with the JPEG's own pixels.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
from PIL import Image
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid

VARIANTS = ("bits16", "bits12", "monochrome1", "window", "voi_lut", "rescale_window")


def film_pixels(jpeg: Path) -> np.ndarray:
    with Image.open(jpeg) as image:
        return np.asarray(image.convert("L"))


def write(jpeg: Path, target: Path, variant: str, **header: str) -> Path:
    """`jpeg`'s film as a DICOM file at `target`, encoded as `variant` (one of VARIANTS), with `header`'s elements
    (e.g. Modality="CT") set."""
    film = film_pixels(jpeg).astype(np.int64)
    dataset = _dataset(film.shape)
    for keyword, value in header.items():
        setattr(dataset, keyword, value)
    if variant == "bits16":
        stored = film * 257  # 0..255 → 0..65535: the full 16-bit range
    elif variant == "bits12":
        dataset.BitsStored, dataset.HighBit = 12, 11
        stored = np.round(film * 4095 / 255)
    elif variant == "monochrome1":  # bright means low values: bone is dark in the stored numbers
        dataset.BitsStored, dataset.HighBit = 12, 11
        dataset.PhotometricInterpretation = "MONOCHROME1"
        stored = 4095 - np.round(film * 4095 / 255)
    elif variant == "window":
        # 12-bit values 1000..3040 and the window that shows them as 0..255 (PS3.3 C.11.2.1.2.1, LINEAR):
        # y = ((x - (c - 0.5)) / (w - 1) + 0.5) * 255, with w - 1 = 2040 and c = 2020.5.
        dataset.BitsStored, dataset.HighBit = 12, 11
        dataset.WindowCenter, dataset.WindowWidth = 2020.5, 2041
        stored = film * 8 + 1000
    elif variant == "rescale_window":
        # Signed stored values through Rescale Slope 2 and Intercept -1024 (a CT-like modality LUT), then a
        # window over the rescaled values: 2 * (8 p - 1000) - 1024 = 16 p - 3024, so w - 1 = 4080, c = -983.5.
        dataset.PixelRepresentation = 1
        dataset.RescaleSlope, dataset.RescaleIntercept = 2, -1024
        dataset.WindowCenter, dataset.WindowWidth = -983.5, 4081
        stored = film * 8 - 1000
    elif variant == "voi_lut":
        # 12-bit values p * 16 and a VOI LUT of 4096 entries mapping them back to p, 8 bits out.
        dataset.BitsStored, dataset.HighBit = 12, 11
        lut = Dataset()
        lut.add_new(0x00283002, "US", [4096, 0, 8])  # LUT Descriptor: entries, first value mapped, bits
        lut.add_new(0x00283006, "US", [index // 16 for index in range(4096)])  # LUT Data
        dataset.VOILUTSequence = Sequence([lut])
        stored = film * 16
    else:
        raise ValueError(f"unknown variant {variant!r}")
    words = stored.astype(np.int16 if dataset.PixelRepresentation else np.uint16)
    dataset.PixelData = words.astype(words.dtype.newbyteorder("<")).tobytes()
    pydicom.dcmwrite(target, dataset, enforce_file_format=True)
    return target


def write_without_image(target: Path) -> Path:
    """A DICOM file with a header and no pixel data (what a structured report looks like to a reader)."""
    dataset = _dataset((4, 4))
    for keyword in ("Rows", "Columns", "BitsAllocated", "BitsStored", "HighBit", "PixelRepresentation",
                    "SamplesPerPixel", "PhotometricInterpretation"):
        delattr(dataset, keyword)
    pydicom.dcmwrite(target, dataset, enforce_file_format=True)
    return target


def _dataset(shape: tuple[int, ...]) -> Dataset:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    dataset = Dataset()
    dataset.file_meta = meta
    dataset.SOPClassUID = meta.MediaStorageSOPClassUID
    dataset.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    dataset.Modality = "DX"
    dataset.Rows, dataset.Columns = shape
    dataset.SamplesPerPixel = 1
    dataset.PhotometricInterpretation = "MONOCHROME2"
    dataset.BitsAllocated, dataset.BitsStored, dataset.HighBit = 16, 16, 15
    dataset.PixelRepresentation = 0
    return dataset
