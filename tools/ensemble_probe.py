"""How much would averaging two trained models gain on the target films? Measured on saved predictions, no training.

Each source is a file of per-film probabilities for the target films (../shared/data/kermany-test-dev/): a
predictions CSV of the evaluate stage (`metrics/predictions/<model>.csv`, e.g. from an experiment with
`git show <exp>:metrics/predictions/custom_cnn.csv`; its `probability` is p(PNEUMONIA), 1 - p(NORMAL) for three
classes) or the JSON lines of `xraylab predict --json`. The films all sources share are scored by ROC AUC: each
source alone, then the mean of the probabilities, of the log-odds and of the ranks.

    xraylab predict --json ../shared/data/kermany-test-dev/NORMAL ../shared/data/kermany-test-dev/PNEUMONIA \
        > release.jsonl 2>/dev/null
    git show $(git show-ref --hash three-class-release):metrics/predictions/custom_cnn.csv > three-class.csv
    python tools/ensemble_probe.py release.jsonl three-class.csv

Results: docs/results.md, "Recipe search on the target films" (levers measured without training).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import rankdata
from sklearn.metrics import roc_auc_score

TARGET = "kermany-test-dev"


def probabilities(source: Path) -> pd.Series:
    """p(PNEUMONIA) by film name (CLASS/file) for the target films a source holds."""
    if source.suffix == ".csv":
        frame = pd.read_csv(source)
    else:
        frame = pd.DataFrame([json.loads(line) for line in source.read_text().splitlines() if line.strip()])
    frame = frame[frame["path"].str.contains(f"/{TARGET}/")]
    if frame.empty:
        sys.exit(f"{source}: no predictions for films under {TARGET}/")
    names = frame["path"].map(lambda path: "/".join(Path(path).parts[-2:]))
    return pd.Series(frame["probability"].to_numpy(np.float64), index=names, name=source.name)


def log_odds(probability: np.ndarray) -> np.ndarray:
    clipped = np.clip(probability, 1e-7, 1 - 1e-7)
    return np.log(clipped / (1 - clipped))


def main(sources: list[Path]) -> None:
    if len(sources) < 2:
        sys.exit("give two or more prediction files")
    table = pd.concat([probabilities(source) for source in sources], axis=1, join="inner")
    truth = np.array([name.startswith("PNEUMONIA/") for name in table.index], dtype=int)
    print(f"{len(table)} target films in every source ({truth.sum()} PNEUMONIA)")
    for column in table:
        print(f"{column:32s} ROC AUC {roc_auc_score(truth, table[column]):.4f}")
    values = table.to_numpy()
    combined = {"mean of probabilities": values.mean(axis=1), "mean of log-odds": log_odds(values).mean(axis=1),
                "mean of ranks": np.mean([rankdata(column) for column in values.T], axis=0)}
    for name, score in combined.items():
        print(f"{name:32s} ROC AUC {roc_auc_score(truth, score):.4f}")


if __name__ == "__main__":
    main([Path(argument) for argument in sys.argv[1:]])
