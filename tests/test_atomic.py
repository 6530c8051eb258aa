import json
from pathlib import Path

import pytest

from xraylab import atomic


def test_write_json_is_stable_and_readable(tmp_path: Path):
    target = tmp_path / "out" / "scores.json"
    atomic.write_json(target, {"b": 1, "a": [1, 2]})
    first = target.read_bytes()
    atomic.write_json(target, {"a": [1, 2], "b": 1})
    assert target.read_bytes() == first
    assert json.loads(first) == {"a": [1, 2], "b": 1}
    assert oct(target.stat().st_mode & 0o777) == oct(0o644)


def test_failed_write_keeps_old_file_and_leaves_no_temp(tmp_path: Path):
    target = tmp_path / "scores.json"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic.writing(target) as temp:
            temp.write_text("half")
            raise RuntimeError("crash mid-write")
    assert target.read_text() == "old"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["scores.json"]


def test_writing_dir_replaces_only_when_complete(tmp_path: Path):
    target = tmp_path / "model"
    target.mkdir()
    (target / "weights").write_text("old")
    with pytest.raises(RuntimeError):
        with atomic.writing_dir(target) as temp:
            (temp / "weights").write_text("half")
            raise RuntimeError("crash")
    assert (target / "weights").read_text() == "old"
    with atomic.writing_dir(target) as temp:
        (temp / "weights").write_text("new")
    assert (target / "weights").read_text() == "new"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["model"]
