"""From a list of found images to data/raw/: check each one, convert or copy it, write the raw manifest."""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from xraylab import atomic
from xraylab.data import checks, manifest
from xraylab.errors import UserError


def ingest(found: pd.DataFrame, raw_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Copy the usable images of `found` into `raw_dir` and write `raw_dir/manifest.csv`.

    `found` has path (where the image is now), relative (its name inside `raw_dir`) and the manifest columns.
    Returns the raw manifest, with image width and height, and the quarantine list (path, reason).
    One bad file never stops the run: it is listed and left out. Sources are only read, never changed.
    """
    raw_dir = Path(raw_dir)
    infos = [checks.inspect(Path(path)) for path in found["path"]]
    usable = pd.Series([info.problem is None for info in infos], index=found.index)
    quarantine = pd.DataFrame({"path": found.loc[~usable, "path"].tolist(),
                               "reason": [info.problem for info in infos if info.problem is not None]})
    if not usable.any():
        raise UserError(f"none of the {len(found)} images found is readable; see the quarantine list")

    rows = []
    with atomic.writing_dir(raw_dir) as temp:
        for (_, image), info in zip(found.iterrows(), infos):
            if info.problem is not None:
                continue
            relative = Path(image["relative"])
            if info.needs_conversion:
                relative = relative.with_suffix(".png")
            (temp / relative).parent.mkdir(parents=True, exist_ok=True)
            if info.needs_conversion:
                checks.convert(Path(image["path"]), temp / relative)
            else:
                shutil.copyfile(image["path"], temp / relative)
            rows.append({**image.drop(["path", "relative"]).to_dict(), "path": str(raw_dir / relative),
                         "width": info.width, "height": info.height})
        raw = pd.DataFrame(rows)
        extra = [column for column in raw.columns if column not in manifest.RAW_COLUMNS]
        raw = raw[list(manifest.RAW_COLUMNS) + extra]
        manifest.write(temp / manifest.RAW_FILE, raw)
    return raw, quarantine
