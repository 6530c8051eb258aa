"""Each data.source through `sources.locate` and `ingest`, as the download stage runs them."""
import dataclasses
import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from xraylab import config
from xraylab.datasets import ingest, sources

from archive_server import serving
from conftest import REPO


def data_config(**changes) -> config.DataConfig:
    return dataclasses.replace(config.load(REPO / "params.yaml").data, **changes)


def kaggle_style_zip(kermany_root: Path) -> bytes:
    """The layout wrapped as the archives wrap it, with the Kaggle copy's nested duplicate and macOS forks."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for image in sorted(kermany_root.rglob("*.jpeg")):
            relative = image.relative_to(kermany_root)
            archive.write(image, f"chest_xray/{relative}")
            archive.write(image, f"chest_xray/chest_xray/{relative}")
            archive.writestr(f"__MACOSX/chest_xray/{relative.parent}/._{relative.name}", b"fork")
    return buffer.getvalue()


def test_kermany_url_downloads_verifies_unpacks_and_lists(tmp_path: Path, tiny_kermany: Path):
    payload = kaggle_style_zip(tiny_kermany)
    with serving({"ChestXRay2017.zip": payload}) as server:
        cfg = data_config(source="kermany_url", download_dir=str(tmp_path / "cache"),
                          kermany_url=config.KermanyUrlConfig(server.url("ChestXRay2017.zip"),
                                                              hashlib.sha256(payload).hexdigest()))
        found = sources.locate(cfg, tmp_path / "scratch", environ={}, home=tmp_path)
        assert len(found) == 24 and set(found["source_split"]) == {"train", "test"}
        again = sources.locate(cfg, tmp_path / "scratch", environ={}, home=tmp_path)
    assert server.ranges == [None], "the verified archive and its unpacked copy are reused"
    assert again.equals(found)
    raw, quarantine = ingest.ingest(found, tmp_path / "raw")
    assert len(raw) == 24 and quarantine.empty


def test_synthetic_source(tmp_path: Path):
    cfg = data_config(source="synthetic", synthetic=config.SyntheticConfig(20, 0.5, 64, 80, 0))
    found = sources.locate(cfg, tmp_path, environ={}, home=tmp_path)
    assert len(found) == 20 and set(found["source_split"]) == {"train"}


def test_local_source_finds_a_wrapped_layout(tmp_path: Path, tiny_kermany: Path):
    cfg = data_config(source="local", local=config.LocalConfig(str(tiny_kermany.parent), None))
    assert len(sources.locate(cfg, tmp_path, environ={}, home=tmp_path)) == 24


def test_kaggle_without_credentials_stops_before_any_download(tmp_path: Path):
    cfg = data_config(source="kaggle", download_dir=str(tmp_path / "cache"))
    with pytest.raises(Exception, match="no Kaggle credentials: put kaggle.json"):
        sources.locate(cfg, tmp_path, environ={}, home=tmp_path)
    assert not (tmp_path / "cache").exists()


def test_class_names_follow_source_and_task():
    assert sources.class_names(data_config()) == ("NORMAL", "PNEUMONIA")
    assert sources.class_names(data_config(task="three_class")) == ("NORMAL", "BACTERIA", "VIRUS")
    assert sources.class_names(data_config(source="mura")) == ("normal", "abnormal")
