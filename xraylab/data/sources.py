"""Which module reads `data.source`, and the class names each source and task give."""
from __future__ import annotations

from pathlib import Path
from typing import Mapping

import pandas as pd

from xraylab.config import DataConfig
from xraylab.data import download, kaggle, kermany, local, mura, synthetic

KERMANY_ARCHIVE = "ChestXRay2017.zip"


def class_names(cfg: DataConfig) -> tuple[str, ...]:
    return mura.CLASS_NAMES if cfg.source == "mura" else kermany.CLASS_NAMES[cfg.task]


def user_folder(cfg: DataConfig) -> Path | None:
    """The folder a folder source reads as it is (sample, local, mura), where an operating system may have
    left its own files (clutter.py); None for downloads (unpacked without them) and generated data."""
    folders = {"sample": cfg.sample_dir, "local": cfg.local.path, "mura": cfg.mura.path}
    return Path(folders[cfg.source]) if cfg.source in folders else None


def locate(cfg: DataConfig, scratch: Path, environ: Mapping[str, str], home: Path) -> pd.DataFrame:
    """Fetch or generate the configured source as needed and list its images (see kermany.scan's columns).

    `scratch` is a temporary folder for generated images; downloads go to `cfg.download_dir` and stay
    there, so a rerun (or an interrupted download) does not start again from nothing.
    """
    download_dir = Path(cfg.download_dir).expanduser()
    if cfg.source == "sample":
        return kermany.scan(Path(cfg.sample_dir), cfg.task)
    if cfg.source == "local":
        if cfg.local.labels_csv is not None:
            return local.scan_labelled(Path(cfg.local.path), Path(cfg.local.labels_csv), class_names(cfg))
        return kermany.scan(kermany.find_root(Path(cfg.local.path)), cfg.task)
    if cfg.source == "mura":
        return mura.scan(Path(cfg.mura.path))
    if cfg.source == "synthetic":
        synthetic.write_kermany(scratch, cfg.synthetic)
        return kermany.scan(scratch, cfg.task)
    if cfg.source == "kermany_url":
        archive = download.fetch(cfg.kermany_url.url, download_dir / KERMANY_ARCHIVE, cfg.kermany_url.sha256)
        digest = cfg.kermany_url.sha256  # fetch has just verified it: no second pass over the archive
    else:
        kaggle.check_credentials(environ, home)
        archive = kaggle.download(cfg.kaggle.dataset, download_dir)
        digest = download.file_sha256(archive)
    # The unpacked folder belongs to the archive it came from: a new archive (a new release of the data set
    # under the same name) replaces it whole, instead of its images being used with the old ones' labels.
    unpacked = archive.with_suffix("")
    if download.unpacked_from(unpacked) != digest:
        download.extract_zip(archive, unpacked, archive_sha256=digest)
    return kermany.scan(kermany.find_root(unpacked), cfg.task)
