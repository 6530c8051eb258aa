from pathlib import Path

from xraylab.data import checks

from conftest import sample_images


def test_a_real_xray_passes_with_its_size_and_mode():
    info = checks.inspect(sample_images("train", "NORMAL", 1)[0])
    assert info == checks.ImageInfo(None, 224, 224, "RGB", "JPEG") and not info.needs_conversion


def test_broken_files_are_named(tmp_path: Path):
    real = sample_images("train", "NORMAL", 1)[0].read_bytes()
    empty = tmp_path / "empty.jpeg"
    empty.write_bytes(b"")
    text = tmp_path / "notes.jpeg"
    text.write_text("not an x-ray")
    truncated = tmp_path / "truncated.jpeg"
    truncated.write_bytes(real[: len(real) // 2])
    assert checks.inspect(empty).problem == "empty file"
    assert checks.inspect(text).problem == "not an image"
    assert checks.inspect(truncated).problem.startswith("cannot decode")
    assert not checks.inspect(truncated).needs_conversion
