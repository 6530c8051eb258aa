from pathlib import Path

import pytest

from xraylab.datasets import kermany


@pytest.mark.parametrize("file_name, patient", [
    ("person1008_bacteria_2939.jpeg", "person1008"),
    ("person1_virus_6.jpeg", "person1"),
    ("IM-0117-0001.jpeg", "IM-0117"),
    ("IM-0851-0001-0002.jpeg", "IM-0851"),
    ("NORMAL2-IM-0012-0001.jpeg", "NORMAL2-IM-0012"),
])
def test_patient_id_from_file_name(file_name, patient):
    assert kermany.patient_id(file_name) == patient


def test_patient_id_rejects_unknown_names():
    with pytest.raises(kermany.LayoutError, match="cannot read a patient id from file name 'scan.jpeg'"):
        kermany.patient_id("scan.jpeg")


def test_scan_lists_labels_patients_and_source_splits(tiny_kermany: Path):
    found = kermany.scan(tiny_kermany)
    assert len(found) == 24
    assert found.groupby(["source_split", "label"]).size().to_dict() == {
        ("test", 0): 6, ("test", 1): 6, ("train", 0): 6, ("train", 1): 6}
    pneumonia = found[found["label"] == 1]
    assert all(Path(path).parent.name == "PNEUMONIA" for path in pneumonia["path"])
    assert all(patient.startswith("person") for patient in pneumonia["patient_id"])


def test_scan_of_a_folder_without_the_layout(tmp_path: Path):
    with pytest.raises(kermany.LayoutError, match="no images found under"):
        kermany.scan(tmp_path)
    with pytest.raises(kermany.LayoutError, match="not found"):
        kermany.scan(tmp_path / "missing")
