from pathlib import Path

import pandas as pd
import pytest

from xraylab.data import manifest


def test_round_trip_keeps_ids_as_text(tmp_path: Path):
    frame = pd.DataFrame({"path": ["a.jpeg"], "label": [1], "patient_id": ["0012"]})
    manifest.write(tmp_path / "m.csv", frame)
    assert manifest.read(tmp_path / "m.csv")["patient_id"].tolist() == ["0012"]


def test_missing_file_and_columns_are_named(tmp_path: Path):
    with pytest.raises(manifest.ManifestError, match="not found; run the stage that writes it"):
        manifest.read(tmp_path / "missing.csv")
    (tmp_path / "m.csv").write_text("path,label\na.jpeg,0\n")
    with pytest.raises(manifest.ManifestError, match=r"lacks columns \['patient_id'\]"):
        manifest.read(tmp_path / "m.csv")
