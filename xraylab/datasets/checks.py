"""Opening every image once at download time, so a broken file is reported instead of crashing training."""
from __future__ import annotations

from pathlib import Path

from PIL import Image, UnidentifiedImageError


def problem(path: Path) -> str | None:
    """Return why `path` is not a usable image, or None if it decodes completely."""
    path = Path(path)
    if path.stat().st_size == 0:
        return "empty file"
    try:
        with Image.open(path) as image:
            # verify() checks structure only; load() decodes every pixel and catches truncation.
            image.verify()
        with Image.open(path) as image:
            image.load()
    except UnidentifiedImageError:
        return "not an image"
    except (OSError, SyntaxError, ValueError) as error:
        return f"cannot decode: {error}"
    return None
