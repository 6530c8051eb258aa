"""Opening every image once at download time, so a broken file is reported instead of crashing training."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from xraylab.data import dicom

# Modes every decoder in the pipeline (TensorFlow, the browser) reads as they are. Anything else
# (CMYK, RGBA, palette, 16-bit greyscale, ...) is converted to one of these, never dropped.
PLAIN_MODES = ("L", "RGB")
DICOM_MODE = "DICOM"  # a DICOM film: converted to what a viewer shows (dicom.py)
# Formats TensorFlow's decode_image and the browser read; others PIL opens (TIFF, WebP, ...) are converted.
DECODED_FORMATS = ("JPEG", "PNG", "BMP", "GIF")


@dataclass(frozen=True)
class ImageInfo:
    problem: str | None  # why the file is unusable, or None
    width: int = 0
    height: int = 0
    mode: str = ""
    format: str = ""

    @property
    def needs_conversion(self) -> bool:
        return self.problem is None and (self.mode not in PLAIN_MODES or self.format not in DECODED_FORMATS)


def inspect(path: Path) -> ImageInfo:
    """Decode `path` completely and say whether it is usable, its size and its PIL mode."""
    path = Path(path)
    if path.stat().st_size == 0:
        return ImageInfo("empty file")
    if dicom.is_dicom(path):
        try:
            pixels = dicom.read(path)
        except dicom.DicomError as error:
            return ImageInfo(error.reason)
        return ImageInfo(None, pixels.shape[1], pixels.shape[0], DICOM_MODE, DICOM_MODE)
    try:
        with Image.open(path) as image:
            # verify() checks structure only; load() decodes every pixel and catches truncation.
            image.verify()
        with Image.open(path) as image:
            image.load()
            return ImageInfo(None, image.width, image.height, image.mode, image.format or "")
    except UnidentifiedImageError:
        return ImageInfo("not an image")
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        return ImageInfo(f"cannot decode: {error}")


def convert(source: Path, target: Path) -> None:
    """Write `source` as an 8-bit greyscale or RGB PNG at `target`."""
    if dicom.is_dicom(source):
        Image.fromarray(dicom.read(source), "L").save(target, format="PNG")
        return
    with Image.open(source) as image:
        if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
            # 16-bit (or wider) greyscale: scale the full range down to 8 bits; PIL's convert("L") clips instead.
            pixels = np.asarray(image, dtype=np.float64)
            top = 65535.0 if image.mode.startswith("I") else max(float(pixels.max()), 1.0)
            plain = Image.fromarray(np.clip(np.round(pixels / top * 255.0), 0, 255).astype(np.uint8), "L")
        elif image.mode in ("LA", "1"):
            plain = image.convert("L")
        else:
            # CMYK, RGBA (alpha dropped), palette, YCbCr, ...
            plain = image.convert("RGB")
        plain.save(target, format="PNG")
