import re
from pathlib import Path

from PIL import Image

from xraylab.config import SyntheticConfig
from xraylab.data import kermany, synthetic

NAMES = re.compile(r"^((NORMAL2-)?IM-\d{4}-\d{4}|person\d+_(bacteria|virus)_\d+)\.jpeg$")


def test_kermany_names_sizes_and_classes(tmp_path: Path):
    cfg = SyntheticConfig(count=60, pneumonia_fraction=0.6, min_size=64, max_size=96, seed=3)
    synthetic.write_kermany(tmp_path, cfg)
    found = kermany.scan(tmp_path, task="three_class")
    assert len(found) == 60
    assert all(NAMES.match(Path(path).name) for path in found["path"])
    assert set(found["label"]) == {0, 1, 2}
    assert 0.4 < (found["label"] > 0).mean() < 0.8
    assert found.groupby("patient_id").size().max() > 1, "several images per patient"
    for path in found["path"][:10]:
        with Image.open(path) as image:
            assert 64 <= image.width <= 96 and 64 <= image.height <= 96 and image.mode == "L"


def test_same_seed_same_images(tmp_path: Path):
    cfg = SyntheticConfig(count=5, pneumonia_fraction=0.5, min_size=40, max_size=50, seed=9)
    synthetic.write_kermany(tmp_path / "a", cfg)
    synthetic.write_kermany(tmp_path / "b", cfg)
    first = sorted((tmp_path / "a").rglob("*.jpeg"))
    assert [path.read_bytes() for path in first] == [
        (tmp_path / "b" / path.relative_to(tmp_path / "a")).read_bytes() for path in first]
