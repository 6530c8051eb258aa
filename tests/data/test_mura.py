from pathlib import Path

import pytest

from xraylab.data import mura, splits, synthetic


def test_images_take_their_study_label_and_keep_ids(tmp_path: Path):
    root = tmp_path / "MURA-v1.1"
    synthetic.write_mura(root, patients=12, seed=0)
    found = mura.scan(root)
    assert set(found["source_split"]) == {"train", "test"}
    for _, image in found.iterrows():
        study_folder = Path(image["relative"]).parent.name
        assert image["label"] == (1 if study_folder.endswith("positive") else 0)
        assert image["study_id"].startswith(image["patient_id"] + "/" + image["body_part"] + "/")
        assert Path(image["path"]).is_file()
    # All images of a study share its label, and studies group several images.
    assert (found.groupby("study_id")["label"].nunique() == 1).all()
    assert found.groupby("study_id").size().max() > 1


def test_split_keeps_patients_together_and_carries_study_ids(tmp_path: Path):
    root = tmp_path / "MURA-v1.1"
    synthetic.write_mura(root, patients=30, seed=1)
    parts = splits.split(mura.scan(root), val_fraction=0.2, test_fraction=0.2, seed=0)
    assert all("study_id" in frame and "body_part" in frame for frame in parts.values())
    assert all(len(frame) for frame in parts.values())
    for first, second in (("train", "val"), ("train", "test"), ("val", "test")):
        for key in ("patient_id", "study_id"):
            shared = set(parts[first][key]) & set(parts[second][key])
            assert not shared, f"{key} in both {first} and {second}: {sorted(shared)[:3]}"


def test_wrong_folder_is_named(tmp_path: Path):
    with pytest.raises(mura.MuraLayoutError, match="train_labeled_studies.csv not found"):
        (tmp_path / "MURA-v1.1").mkdir()
        mura.scan(tmp_path / "MURA-v1.1")
