from pathlib import Path

import pytest

from xraylab.data import kermany


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


def test_three_class_labels_from_file_names(tiny_kermany: Path):
    found = kermany.scan(tiny_kermany, task="three_class")
    for path, label in zip(found["path"], found["label"]):
        name = Path(path).name
        assert label == (2 if "virus" in name else 1 if "bacteria" in name else 0), name
    assert set(found["label"]) == {0, 1, 2}
    with pytest.raises(kermany.LayoutError, match="names neither bacteria nor virus"):
        kermany.label("PNEUMONIA", "person1_3.jpeg", "three_class")


def test_flat_class_folders(tmp_path: Path, tiny_kermany: Path):
    flat = tmp_path / "flat"
    (tiny_kermany / "train").rename(flat)
    found = kermany.scan(flat)
    assert len(found) == 12 and set(found["source_split"]) == {""}
    assert kermany.find_root(flat) == flat


def test_wrapped_layouts_are_found(tmp_path: Path, tiny_kermany: Path):
    wrapped = tmp_path / "archive" / "ChestXRay2017" / "chest_xray"
    wrapped.parent.mkdir(parents=True)
    tiny_kermany.rename(wrapped)
    assert kermany.find_root(tmp_path / "archive") == wrapped
    with pytest.raises(kermany.LayoutError, match="no Kermany layout"):
        kermany.find_root(wrapped / "test" / "NORMAL")


def test_scan_of_a_folder_without_the_layout(tmp_path: Path):
    with pytest.raises(kermany.LayoutError, match="no images found under"):
        kermany.scan(tmp_path)
    with pytest.raises(kermany.LayoutError, match="not found"):
        kermany.scan(tmp_path / "missing")
