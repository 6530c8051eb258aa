from pathlib import Path

import pandas as pd

from xraylab import manifest
from xraylab.datasets import sample


def test_import_copies_good_images_and_quarantines_bad_ones(tiny_kermany: Path, tmp_path: Path):
    broken = tiny_kermany / "train" / "NORMAL" / "IM-9999-0001.jpeg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 truncated")
    raw_dir = tmp_path / "raw"

    raw, quarantine = sample.import_sample(tiny_kermany, raw_dir)

    assert len(raw) == 24
    assert quarantine["path"].tolist() == [str(broken)]
    assert quarantine["reason"].iloc[0].startswith("cannot decode") or quarantine["reason"].iloc[0] == "not an image"
    assert all(Path(path).is_file() and Path(path).is_relative_to(raw_dir) for path in raw["path"])
    written = manifest.read(raw_dir / "manifest.csv", manifest.RAW_COLUMNS)
    pd.testing.assert_frame_equal(written, raw[list(manifest.RAW_COLUMNS)].reset_index(drop=True),
                                  check_dtype=False)
    assert broken.exists(), "the source folder is never modified"
