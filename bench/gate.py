"""The chest-film gate (xraylab/serve/gate.py) both ways: real films it must keep, made-up inputs it must refuse.

The gate is fitted as the pipeline fits it for custom_cnn (its input: 128 px, grey): principal components of the
training split's films, thresholds from the validation split. Real films: the validation and test splits of the
embedded sample, the target films (../shared/data/kermany-test-dev), the 120 full-size originals and DICOM copies
of 40 sample test films (read as `xraylab predict` reads them). Made-up inputs (xraylab/data/not_films.py, none seen
while fitting): far ones and near misses (real films inverted, rotated, cropped to a corner), each kind its row.
Then the release's gate (release/gate.json, `xraylab gate` on the release's training films) on the release's
held-out split and the target films. Printed for several margins, so the choice in params.yaml (gate.margin) is
visible beside its cost; these sets chose it.
Target: <= 0.5% of real films refused, >= 95% of far inputs refused. Run from the repository root after `dvc repro`:
python bench/gate.py
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # tests/dicom_films.py: DICOM copies of real films, as hospitals send them
import dicom_films  # noqa: E402

from xraylab import config  # noqa: E402
from xraylab.data import films, kermany, manifest, not_films, splits  # noqa: E402
from xraylab.serve import gate  # noqa: E402

SHARED = REPO.parent / "shared" / "data"
MARGINS = (1.0, 1.1, 1.15, 1.2)


def frame(paths: list[Path]) -> pd.DataFrame:
    return pd.DataFrame({"path": [str(path) for path in paths], "label": 0})


def refused(fitted: gate.Gate, ratios: np.ndarray, margin: float) -> np.ndarray:
    """Refusals at another margin: the check values scale with 1 / margin."""
    return (ratios * fitted.margin / margin > 1.0).any(axis=1)


def table(fitted: gate.Gate, sets: dict[str, dict[str, list]]) -> None:
    rows = []
    for group, named in sets.items():
        for name, paths in named.items():
            ratios = gate.ratios(fitted, frame(list(paths)))
            rows.append({"group": group, "set": name, "images": len(paths),
                         **{f"margin {margin}": f"{refused(fitted, ratios, margin).mean():.1%}" for margin in MARGINS}})
    table = pd.DataFrame(rows)
    for group, part in table.groupby("group", sort=False):
        print(f"\n{group}")
        print(part.drop(columns="group").to_string(index=False))


def main() -> None:
    cfg = config.load(REPO / "params.yaml")
    network = cfg.models["custom_cnn"]
    train, val, test = (manifest.read(REPO / "data" / "splits" / f"{name}.csv") for name in ("train", "val", "test"))
    fitted = gate.fit(train, val, network.image_size, network.channels, cfg.gate.size, cfg.gate.components,
                      cfg.gate.keep, cfg.gate.margin)
    target = sorted((SHARED / "kermany-test-dev").glob("*/*.jpeg"))
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        (scratch / "dicom").mkdir()
        dicoms = [dicom_films.write(path, scratch / "dicom" / f"{path.stem}.dcm", "bits12")
                  for path in sorted(Path(path) for path in test["path"])[:40]]
        (scratch / "converted").mkdir()
        converted = [film.readable for film in films.prepare(dicoms, scratch / "converted")]
        made = {"far, not films: refused": not_films.write(not_films.far(seed=0, each=20), scratch / "far"),
                "near misses: refused": not_films.write(
                    not_films.near(sorted(Path(path) for path in test["path"])[:60]), scratch / "near")}
        print(f"gate for custom_cnn as the pipeline fits it ({network.image_size} px, {network.channels} channel; "
              f"{fitted.films} training films of the embedded sample, {len(fitted.components)} components of "
              f"{fitted.size} x {fitted.size}, keep {fitted.keep}, {fitted.val_films} validation films)")
        table(fitted, {"real films: refused": {
            "validation (chose the thresholds)": list(val["path"]), "test": list(test["path"]),
            "target films (kermany-test-dev)": target,
            "full-size originals": sorted((SHARED / "kermany-fullsize").glob("*/*.jpeg")),
            "DICOM copies of test films": converted}, **made})
        shipped = REPO / "release" / gate.GATE_FILE
        if shipped.is_file():
            released = gate.read(shipped)
            held_out = splits.split(kermany.scan(kermany.find_root(SHARED / "kermany-train-224"), cfg.data.task),
                                    cfg.split.val_fraction, cfg.split.test_fraction, cfg.split.seed)["test"]
            print(f"\nrelease/gate.json ({released.image_size} px; {released.films} training films of "
                  f"kermany-train-224, {released.val_films} validation films)")
            table(released, {"real films: refused": {"held-out split (kermany-train-224)": list(held_out["path"]),
                                                    "target films (kermany-test-dev)": target}, **made})
    print(f"\nparams.yaml gate.margin: {cfg.gate.margin} (the sets above chose it)")


if __name__ == "__main__":
    main()
