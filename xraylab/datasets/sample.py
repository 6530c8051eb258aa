"""The embedded sample (data/sample/): real Kermany X-rays shipped in the repository, the default source."""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from xraylab import atomic, manifest
from xraylab.datasets import checks, kermany


def import_sample(sample_dir: Path, raw_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Check every image of the sample and copy the good ones into `raw_dir`.

    Returns the raw manifest (paths inside `raw_dir`) and the quarantine list (path, reason).
    One bad file never stops the run: it is listed and left out.
    """
    sample_dir, raw_dir = Path(sample_dir), Path(raw_dir)
    found = kermany.scan(sample_dir)
    reasons = [checks.problem(Path(path)) for path in found["path"]]
    bad = pd.Series([reason is not None for reason in reasons], index=found.index)
    quarantine = pd.DataFrame({"path": found.loc[bad, "path"],
                               "reason": [reason for reason in reasons if reason is not None]})
    good = found.loc[~bad].reset_index(drop=True)
    if good.empty:
        raise kermany.LayoutError(f"no readable image in {sample_dir}; see the quarantine list")

    relative = [Path(path).relative_to(sample_dir) for path in good["path"]]
    with atomic.writing_dir(raw_dir) as temp:
        for name in relative:
            (temp / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(sample_dir / name, temp / name)
        raw = good.assign(path=[str(raw_dir / name) for name in relative])
        manifest.write(temp / "manifest.csv", raw[list(manifest.RAW_COLUMNS)])
    return raw, quarantine
