"""A folder the user already has: any folder plus a labels CSV (the Kermany layout is read by kermany.scan)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from xraylab.errors import UserError


class LabelsError(UserError):
    pass


def scan_labelled(root: Path, labels_csv: Path, class_names: tuple[str, ...]) -> pd.DataFrame:
    """Images listed in a CSV with columns path (relative to `root`), label (class name or integer) and,
    optionally, patient_id (default: one patient per image) and split (train/val/test)."""
    root, labels_csv = Path(root), Path(labels_csv)
    if not labels_csv.is_file():
        raise LabelsError(f"labels CSV {labels_csv} not found (data.local.labels_csv)")
    table = pd.read_csv(labels_csv, dtype=str, keep_default_na=False)
    missing = [column for column in ("path", "label") if column not in table.columns]
    if missing:
        raise LabelsError(f"labels CSV {labels_csv} lacks columns {missing}; it has {list(table.columns)}")
    labels = []
    for line, value in enumerate(table["label"], start=2):
        if value in class_names:
            labels.append(class_names.index(value))
        elif value.isdigit() and int(value) < len(class_names):
            labels.append(int(value))
        else:
            raise LabelsError(f"{labels_csv} line {line}: label {value!r} is not one of {list(class_names)} "
                              f"or 0..{len(class_names) - 1}")
    relative = table["path"].tolist()
    return pd.DataFrame({
        "path": [str(root / name) for name in relative],
        "relative": relative,
        "label": labels,
        "patient_id": table["patient_id"] if "patient_id" in table else table["path"],
        "source_split": table["split"] if "split" in table else "",
    })
