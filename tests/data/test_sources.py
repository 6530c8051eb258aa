"""Each data.source through `sources.locate` and `ingest`, as the download stage runs them."""
import hashlib
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import yaml

from xraylab import config
from xraylab.data import ingest, sources

from archive_server import serving
from conftest import REPO


def data_config(**changes) -> config.DataConfig:
    return config.load(REPO / "params.yaml").data.model_copy(update=changes)


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
                          kermany_url=config.KermanyUrlConfig(url=server.url("ChestXRay2017.zip"),
                                                              sha256=hashlib.sha256(payload).hexdigest()))
        found = sources.locate(cfg, tmp_path / "scratch", environ={}, home=tmp_path)
        assert len(found) == 24 and set(found["source_split"]) == {"train", "test"}
        again = sources.locate(cfg, tmp_path / "scratch", environ={}, home=tmp_path)
    assert server.ranges == [None], "the verified archive and its unpacked copy are reused"
    assert again.equals(found)
    raw, quarantine = ingest.ingest(found, tmp_path / "raw")
    assert len(raw) == 24 and quarantine.empty


def test_a_new_archive_replaces_the_folder_unpacked_from_the_old_one(tmp_path: Path, tiny_kermany: Path):
    old = kaggle_style_zip(tiny_kermany)
    for image in (tiny_kermany / "train" / "NORMAL").glob("*.jpeg"):  # the next release of the data set
        image.unlink()
    new = kaggle_style_zip(tiny_kermany)
    cache = tmp_path / "cache"
    with serving({"v1.zip": old, "v2.zip": new}) as server:
        for name, payload, expected in (("v1.zip", old, 24), ("v2.zip", new, 18)):
            cfg = data_config(source="kermany_url", download_dir=str(cache), kermany_url=config.KermanyUrlConfig(
                url=server.url(name), sha256=hashlib.sha256(payload).hexdigest()))
            found = sources.locate(cfg, tmp_path / "scratch", environ={}, home=tmp_path)
            assert len(found) == expected
            assert all(Path(path).exists() for path in found["path"])
    unpacked = cache / "ChestXRay2017"
    assert (unpacked / ".xraylab-archive.sha256").read_text().strip() == hashlib.sha256(new).hexdigest()
    assert not list((unpacked / "chest_xray" / "train" / "NORMAL").glob("*.jpeg"))  # nothing of v1 mixed in


def test_a_folder_copied_from_a_mac_reads_and_lists_the_files_it_added(tmp_path: Path, tiny_kermany: Path):
    normal = tiny_kermany / "train" / "NORMAL"
    films = sorted(normal.glob("*.jpeg"))
    for image in films:
        (normal / f"._{image.name}").write_bytes(b"\x00\x05\x16\x07 AppleDouble")
    (tiny_kermany / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (tiny_kermany / "test" / "PNEUMONIA" / "Thumbs.db").write_bytes(b"\xd0\xcf")
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    params["data"].update(source="local", local={"path": str(tiny_kermany), "labels_csv": None})
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
    result = subprocess.run([sys.executable, str(REPO / "stages" / "download.py")], cwd=tmp_path,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "24 images into data/raw, 0 quarantined, 8 operating-system files ignored" in result.stdout
    quarantine = pd.read_csv(tmp_path / "reports" / "data" / "quarantine.csv")
    assert sorted(Path(path).name for path in quarantine["path"]) == sorted(
        [".DS_Store", "Thumbs.db", *(f"._{image.name}" for image in films)])
    assert quarantine["reason"].str.startswith("ignored: an operating system's file").all()
    summary = json.loads((tmp_path / "reports" / "data" / "summary.json").read_text())
    assert (summary["images"], summary["quarantined"], summary["ignored"]) == (24, 0, 8)


def test_synthetic_source(tmp_path: Path):
    cfg = data_config(source="synthetic", synthetic=config.SyntheticConfig(count=20, pneumonia_fraction=0.5, min_size=64, max_size=80, seed=0))
    found = sources.locate(cfg, tmp_path, environ={}, home=tmp_path)
    assert len(found) == 20 and set(found["source_split"]) == {"train"}


def test_local_source_finds_a_wrapped_layout(tmp_path: Path, tiny_kermany: Path):
    cfg = data_config(source="local", local=config.LocalConfig(path=str(tiny_kermany.parent), labels_csv=None))
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
