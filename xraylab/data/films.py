"""Films a user brings to a trained model (`xraylab predict`, `xraylab calibrate`, evaluate.external).

Each file is opened once and decoded in full (checks.py): files the input pipeline decodes as they
are pass through; DICOM, CMYK, 16-bit, palette or TIFF files are converted to a PNG in a temporary folder, as
the download stage converts them; anything else gets a reason instead of a traceback.
"""
from __future__ import annotations

import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pandas as pd

from xraylab.data import checks, dicom
from xraylab.errors import UserError


@dataclass(frozen=True)
class Film:
    path: Path              # the file as the user named it
    readable: Path | None   # what the input pipeline decodes: the file itself or its converted copy
    problem: str | None     # why it cannot be read, when `readable` is None
    header: str | None = None  # why its DICOM header says it is not a frontal chest film (dicom.header_refusal)


def prepare(paths: list[Path], scratch: Path) -> list[Film]:
    """Every path as a Film, in order; converted copies are written under `scratch`."""
    films = []
    for index, path in enumerate(map(Path, paths)):
        if not path.is_file():
            films.append(Film(path, None, "not found"))
            continue
        info = checks.inspect(path)
        if info.problem is not None:
            films.append(Film(path, None, info.problem))
        elif info.needs_conversion:
            copy = Path(scratch) / f"{index:06d}.png"
            checks.convert(path, copy)
            header = dicom.header_refusal(path) if info.mode == checks.DICOM_MODE else None
            films.append(Film(path, copy, None, header))
        else:
            films.append(Film(path, path, None))
    return films


@contextmanager
def decodable(frame: pd.DataFrame, key: str) -> Iterator[pd.DataFrame]:
    """`frame` with its paths pointing at decodable files (converted copies live while the block runs).

    For labelled sets, where a film left out would change the scores: an unreadable one is an error naming
    `key` (the param or argument) and up to five of the files with their reasons.
    """
    with tempfile.TemporaryDirectory(prefix="xraylab-films-") as scratch:
        films = prepare([Path(path) for path in frame["path"]], Path(scratch))
        bad = [film for film in films if film.readable is None]
        if bad:
            listed = "; ".join(f"{film.path} ({film.problem})" for film in bad[:5])
            raise UserError(f"{key}: {len(bad)} of {len(films)} films cannot be read: {listed}"
                            f"{'; ...' if len(bad) > 5 else ''}. Remove or replace them")
        yield frame.assign(path=[str(film.readable) for film in films])
