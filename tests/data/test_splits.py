import numpy as np
import pandas as pd
import pytest

from xraylab.data import splits


def synthetic_raw(patients: int = 120, seed: int = 0, with_test: bool = False) -> pd.DataFrame:
    """Patients with 1-4 images each, about a quarter of them NORMAL; no pixels are needed to split."""
    rng = np.random.default_rng(seed)
    rows = []
    for patient in range(patients):
        label = int(rng.random() > 0.25)
        source = "test" if with_test and patient % 5 == 0 else "train"
        for image in range(rng.integers(1, 5)):
            rows.append({"path": f"p{patient}_{image}.jpeg", "label": label, "patient_id": f"p{patient}",
                         "source_split": source})
    return pd.DataFrame(rows)


def test_no_patient_in_two_splits_and_classes_stay_balanced():
    raw = synthetic_raw()
    parts = splits.split(raw, val_fraction=0.2, test_fraction=0.2, seed=1)
    assert sum(len(frame) for frame in parts.values()) == len(raw)
    ids = [set(frame["patient_id"]) for frame in parts.values()]
    assert not (ids[0] & ids[1] or ids[0] & ids[2] or ids[1] & ids[2])
    overall = raw["label"].mean()
    for name in ("val", "test"):
        assert abs(parts[name]["label"].mean() - overall) < 0.1, name
        assert 0.1 < len(parts[name]) / len(raw) < 0.3, name


def test_class_counts_within_one_image_of_the_target_with_one_image_per_patient():
    rng = np.random.default_rng(5)
    labels = [0] * 137 + [1] * 401
    raw = pd.DataFrame({"path": [f"{i}.jpeg" for i in range(len(labels))], "label": rng.permutation(labels),
                        "patient_id": [f"p{i}" for i in range(len(labels))], "source_split": "train"})
    parts = splits.split(raw, val_fraction=0.2, test_fraction=0.25, seed=0)
    # Test holds 1/4 of each class; val holds 1/5 of what is left.
    for label in (0, 1):
        total = (raw["label"] == label).sum()
        test = (parts["test"]["label"] == label).sum()
        val = (parts["val"]["label"] == label).sum()
        assert abs(test - total / 4) <= 1, (label, test)
        assert abs(val - (total - test) / 5) <= 1, (label, val)


def test_same_seed_same_split_other_seed_other_split():
    raw = synthetic_raw()
    first = splits.split(raw, 0.2, 0.2, seed=1)
    again = splits.split(raw, 0.2, 0.2, seed=1)
    other = splits.split(raw, 0.2, 0.2, seed=2)
    assert first["val"]["path"].tolist() == again["val"]["path"].tolist()
    assert first["val"]["path"].tolist() != other["val"]["path"].tolist()


def test_source_test_split_is_kept_and_its_patients_leave_the_pool():
    raw = synthetic_raw(with_test=True)
    # One child of the source's test split also has an image among the training images.
    leaked = raw[raw["source_split"] == "test"].iloc[[0]].assign(path="leak.jpeg", source_split="train")
    raw = pd.concat([raw, leaked], ignore_index=True)
    parts = splits.split(raw, 0.2, 0.2, seed=1)
    assert set(parts["test"]["path"]) == set(raw.loc[raw["source_split"] == "test", "path"])
    assert "leak.jpeg" not in set(parts["train"]["path"]) | set(parts["val"]["path"])


def test_check_disjoint_names_the_leak():
    frame = pd.DataFrame({"path": ["a", "b"], "label": [0, 0], "patient_id": ["p1", "p1"]})
    with pytest.raises(splits.LeakageError, match="1 patients appear in both train and test"):
        splits.check_disjoint({"train": frame.iloc[[0]], "test": frame.iloc[[1]]})


def test_class_counts():
    frame = pd.DataFrame({"path": list("abc"), "label": [0, 1, 1], "patient_id": ["p1", "p2", "p2"]})
    assert splits.class_counts({"train": frame}, ("NORMAL", "PNEUMONIA")) == {
        "train": {"NORMAL": 1, "PNEUMONIA": 2, "patients": 2}}
