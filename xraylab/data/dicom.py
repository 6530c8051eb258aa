"""DICOM films (how hospitals store X-rays) as the 8-bit greyscale picture a viewer shows.

The display pipeline of the DICOM standard (PS3.3 C.11): stored values → modality LUT (Rescale Slope and
Intercept, or a Modality LUT Sequence) → VOI LUT (a VOI LUT Sequence, else Window Center / Width) → 0..255,
with MONOCHROME1 (bright = low values) inverted so bone is white as in every JPEG film. Without a VOI
transform the full range the stored bits allow is shown, so a 12-bit film in 16-bit words is not dimmed.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from xraylab.errors import UserError

SUFFIXES = (".dcm", ".dicom")
_PREAMBLE = 128  # a DICOM file (PS3.10) carries "DICM" after a 128-byte preamble


class DicomError(UserError):
    """A DICOM file that cannot be shown: no pixel data, a colour or multi-frame image, an unknown encoding."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.reason = reason


def is_dicom(path: Path) -> bool:
    """Whether `path` is a DICOM file, by its "DICM" marker (any suffix, or none, as PACS exports have)."""
    with open(path, "rb") as handle:
        handle.seek(_PREAMBLE)
        return handle.read(4) == b"DICM"


def read(path: Path) -> np.ndarray:
    """The film of DICOM file `path` as a (height, width) uint8 array, as a viewer displays it."""
    import pydicom  # only DICOM inputs pay for the import
    from pydicom.pixels import apply_modality_lut

    try:
        dataset = pydicom.dcmread(path)
    except (pydicom.errors.InvalidDicomError, OSError, EOFError, ValueError) as error:
        raise DicomError(path, f"not a readable DICOM file ({error})") from None
    if "PixelData" not in dataset:
        raise DicomError(path, "a DICOM file without an image (no Pixel Data element: a report or structured "
                                 "document?)")
    photometric = str(dataset.get("PhotometricInterpretation", "MONOCHROME2"))
    if photometric not in ("MONOCHROME1", "MONOCHROME2"):
        raise DicomError(path, f"a {photometric} DICOM image; X-rays are MONOCHROME1 or MONOCHROME2")
    if int(dataset.get("NumberOfFrames", 1) or 1) > 1:
        raise DicomError(path, f"{dataset.NumberOfFrames} frames in one file; give one film per file")
    try:
        stored = dataset.pixel_array
    except Exception as error:  # pydicom raises several types for encodings it has no decoder for
        raise DicomError(path, f"cannot decode its pixel data ({error})") from None
    values = apply_modality_lut(stored, dataset).astype(np.float64)
    shown = _voi(values, dataset, _value_range(dataset))
    if photometric == "MONOCHROME1":
        shown = 1.0 - shown
    return np.round(shown * 255.0).astype(np.uint8)


# What a DICOM header may say of a picture that is not a frontal chest film (PS3.3 C.7.3.1, C.8.11.5, C.7.5.1).
# Radiographs are CR (computed) or DX (digital); OT and SC (other, secondary capture) say nothing either way.
NOT_RADIOGRAPHS = {"CT": "a CT scan", "MR": "an MR scan", "US": "an ultrasound image", "NM": "a nuclear medicine image",
                   "PT": "a PET scan", "MG": "a mammogram", "XA": "an angiogram", "RF": "a fluoroscopy image",
                   "IO": "an intra-oral film", "PX": "a panoramic dental film", "ES": "an endoscopy image",
                   "OP": "an eye photograph", "XC": "a photograph", "SM": "a microscope slide"}
CHEST = ("CHEST", "THORAX", "LUNG", "LUNGS")
LATERAL_VIEWS = ("LL", "RL", "LAT", "LATERAL", "LLD", "RLD")


def header_refusal(path: Path) -> str | None:
    """Why the DICOM header of `path` says it is not a frontal chest film, or None: the Modality, Body Part
    Examined and View Position elements, each only where present (many exports leave them empty)."""
    import pydicom

    try:
        dataset = pydicom.dcmread(path, stop_before_pixels=True)
    except (pydicom.errors.InvalidDicomError, OSError, EOFError, ValueError):
        return None  # read() names what is wrong with the file
    modality = str(dataset.get("Modality", "") or "").strip().upper()
    if modality in NOT_RADIOGRAPHS:
        return f"its DICOM header says Modality {modality}: {NOT_RADIOGRAPHS[modality]}, not a radiograph"
    body_part = str(dataset.get("BodyPartExamined", "") or "").strip().upper()
    if body_part and body_part not in CHEST:
        return f"its DICOM header says Body Part Examined {body_part}, not the chest"
    view = str(dataset.get("ViewPosition", "") or "").strip().upper()
    if view in LATERAL_VIEWS:
        return f"its DICOM header says View Position {view}: a lateral film, not a frontal one"
    return None


def _value_range(dataset) -> tuple[float, float]:
    """The lowest and highest value the modality LUT can give for the stored bits."""
    bits = int(dataset.BitsStored)
    signed = int(dataset.get("PixelRepresentation", 0)) == 1
    low, high = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2 ** bits - 1)
    if "ModalityLUTSequence" in dataset:
        lut_bits = int(dataset.ModalityLUTSequence[0].LUTDescriptor[2])
        return 0.0, float(2 ** lut_bits - 1)
    slope = float(dataset.get("RescaleSlope", 1) or 1)
    intercept = float(dataset.get("RescaleIntercept", 0) or 0)
    ends = sorted((low * slope + intercept, high * slope + intercept))
    return ends[0], ends[1]


def _voi(values: np.ndarray, dataset, value_range: tuple[float, float]) -> np.ndarray:
    """`values` through the film's VOI transform, as fractions in [0, 1]."""
    if "VOILUTSequence" in dataset:
        item = dataset.VOILUTSequence[0]
        entries, first, bits = (int(number) for number in item.LUTDescriptor)
        table = np.asarray(item.LUTData, dtype=np.float64)
        entries = entries or 65536  # PS3.3 C.11.2.1.1: 0 means 2^16 entries
        index = np.clip(np.round(values - first), 0, min(entries, len(table)) - 1).astype(np.int64)
        return table[index] / (2 ** bits - 1)
    if "WindowCenter" in dataset and "WindowWidth" in dataset:
        centre = float(_first(dataset.WindowCenter))
        width = float(_first(dataset.WindowWidth))
        function = str(dataset.get("VOILUTFunction", "LINEAR")).upper()
        if function == "LINEAR_EXACT":
            return np.clip((values - centre) / width + 0.5, 0.0, 1.0)
        if function == "SIGMOID":
            return 1.0 / (1.0 + np.exp(-4.0 * (values - centre) / width))
        # LINEAR (PS3.3 C.11.2.1.2.1): the window of width w holds w - 1 steps around c - 0.5.
        return np.clip((values - (centre - 0.5)) / max(width - 1.0, 1.0) + 0.5, 0.0, 1.0)
    low, high = value_range
    return np.clip((values - low) / max(high - low, 1e-12), 0.0, 1.0)


def _first(value):
    """Window Center and Width may hold several windows; the first is the one a viewer opens with."""
    from pydicom.multival import MultiValue

    return value[0] if isinstance(value, MultiValue) else value
