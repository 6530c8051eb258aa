from pathlib import Path

import pytest

from xraylab.data import local

CLASSES = ("NORMAL", "PNEUMONIA")


def test_labels_csv_with_names_numbers_patients_and_splits(tmp_path: Path):
    (tmp_path / "labels.csv").write_text("path,label,patient_id,split\n"
                                         "a/1.png,NORMAL,p1,train\nb/2.png,1,p2,test\n")
    found = local.scan_labelled(tmp_path / "images", tmp_path / "labels.csv", CLASSES)
    assert found["label"].tolist() == [0, 1]
    assert found["patient_id"].tolist() == ["p1", "p2"]
    assert found["source_split"].tolist() == ["train", "test"]
    assert found["path"].tolist() == [str(tmp_path / "images" / "a/1.png"), str(tmp_path / "images" / "b/2.png")]


def test_minimal_csv_gives_one_patient_per_image(tmp_path: Path):
    (tmp_path / "labels.csv").write_text("path,label\n1.png,PNEUMONIA\n2.png,NORMAL\n")
    found = local.scan_labelled(tmp_path, tmp_path / "labels.csv", CLASSES)
    assert found["patient_id"].tolist() == ["1.png", "2.png"] and set(found["source_split"]) == {""}


def test_bad_labels_csv(tmp_path: Path):
    (tmp_path / "labels.csv").write_text("path,label\n1.png,COVID\n")
    with pytest.raises(local.LabelsError, match="line 2: label 'COVID' is not one of"):
        local.scan_labelled(tmp_path, tmp_path / "labels.csv", CLASSES)
    (tmp_path / "labels.csv").write_text("file,label\n1.png,NORMAL\n")
    with pytest.raises(local.LabelsError, match=r"lacks columns \['path'\]"):
        local.scan_labelled(tmp_path, tmp_path / "labels.csv", CLASSES)
    with pytest.raises(local.LabelsError, match="not found"):
        local.scan_labelled(tmp_path, tmp_path / "missing.csv", CLASSES)
