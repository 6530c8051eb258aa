"""Validation by acquisition batch: one batch of NORMAL films held out whole as the test split."""
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import SAMPLE

from xraylab.commands import app
from xraylab.data import batches, local
from xraylab.data.splits import split
from xraylab.errors import UserError


def test_batches_from_file_names():
    assert batches.batch("NORMAL2-IM-0012-0001.jpeg") == "NORMAL2"
    assert batches.batch("IM-0117-0001.jpeg") == "IM"
    assert batches.batch("person1008_bacteria_2939.jpeg") == "person"


def test_held_out_batch_is_the_whole_test_split(tmp_path: Path):
    root = SAMPLE / "train"
    table = batches.holding_out(root, "NORMAL2", 0.2, seed=0)
    names = table["path"].map(lambda path: Path(path).name)
    test = table[table["split"] == "test"]
    normal = table["label"] == "NORMAL"
    assert set(names[normal & (table["split"] == "test")].map(batches.batch)) == {"NORMAL2"}
    assert (names[normal & (table["split"] == "")].map(batches.batch) == "IM").all()
    assert (test["label"] == "PNEUMONIA").any()
    pneumonia_patients = table.loc[~normal, "patient_id"]
    assert (test["label"] == "PNEUMONIA").sum() < (~normal).sum()
    # a child's films are never on both sides
    assert not set(test["patient_id"]) & set(table.loc[table["split"] == "", "patient_id"])
    assert test["patient_id"].isin(pneumonia_patients).sum() > 0

    # The CSV the command writes is a valid data.local.labels_csv, and split keeps its test split.
    csv = tmp_path / "labels.csv"
    result = CliRunner().invoke(app, ["batch-split", str(root), "--out", str(csv), "--pneumonia-fraction", "0.2",
                                      "--seed", "0"])
    assert result.exit_code == 0, result.output
    assert f"test = {(normal & (table['split'] == 'test')).sum()} NORMAL of batch NORMAL2" in result.output
    raw = local.scan_labelled(root, csv, ("NORMAL", "PNEUMONIA"))
    parts = split(raw.assign(label=raw["label"].astype(int)), val_fraction=0.15, test_fraction=0.15, seed=0)
    assert len(parts["test"]) == len(test)
    assert set(parts["test"]["path"]) == {str(root / path) for path in test["path"]}


def test_bad_requests_are_named():
    with pytest.raises(UserError, match="unknown batch 'CT': expected one of IM, NORMAL2"):
        batches.holding_out(SAMPLE / "train", "CT", 0.2, seed=0)
    with pytest.raises(UserError, match="pneumonia fraction must be between 0 and 1, got 1.5"):
        batches.holding_out(SAMPLE / "train", "IM", 1.5, seed=0)
