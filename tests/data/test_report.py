import json
from pathlib import Path

import pandas as pd

from xraylab.data import ingest, kermany, report


def test_report_numbers_and_pictures(tmp_path: Path, tiny_kermany: Path):
    raw, quarantine = ingest.ingest(kermany.scan(tiny_kermany), tmp_path / "raw")
    quarantine = pd.DataFrame({"path": ["x.jpeg"], "reason": ["empty file"]})
    report.write(raw, quarantine, ("NORMAL", "PNEUMONIA"), tmp_path / "report")

    summary = json.loads((tmp_path / "report" / report.SUMMARY_FILE).read_text())
    assert summary["images"] == 24 and summary["quarantined"] == 1
    assert summary["per_split"]["train"] == {"NORMAL": 6, "PNEUMONIA": 6,
                                             "patients": raw[raw.source_split == "train"].patient_id.nunique()}
    assert summary["width"]["median"] == 224
    sizes = pd.read_csv(tmp_path / "report" / report.SIZES_CSV)
    assert len(sizes) == 24 and set(sizes["class"]) == {"NORMAL", "PNEUMONIA"}
    for picture in (report.SIZES_PNG, report.SAMPLES_PNG):
        assert (tmp_path / "report" / picture).read_bytes()[:4] == b"\x89PNG"
