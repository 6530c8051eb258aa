from pathlib import Path

from xraylab.datasets import checks

from conftest import sample_images


def test_a_real_xray_passes():
    assert checks.problem(sample_images("train", "NORMAL", 1)[0]) is None


def test_broken_files_are_named(tmp_path: Path):
    real = sample_images("train", "NORMAL", 1)[0].read_bytes()
    empty = tmp_path / "empty.jpeg"
    empty.write_bytes(b"")
    text = tmp_path / "notes.jpeg"
    text.write_text("not an x-ray")
    truncated = tmp_path / "truncated.jpeg"
    truncated.write_bytes(real[: len(real) // 2])
    assert checks.problem(empty) == "empty file"
    assert checks.problem(text) == "not an image"
    assert checks.problem(truncated).startswith("cannot decode")
