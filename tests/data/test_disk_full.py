"""`dvc repro download` on a disk that fills up: a real small file system (tmpfs, mounted by the test as root),
the download stage run as DVC runs it, an archive of real films served on 127.0.0.1."""
import hashlib
import io
import subprocess
import sys
import zipfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
import yaml

from archive_server import serving
from conftest import REPO


@contextmanager
def small_disk(mount_point: Path, size: str) -> Iterator[Path]:
    """A tmpfs of `size` at `mount_point`; `grow(mount_point, size)` frees space on it as a user would."""
    mount_point.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount_point)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a small file system here (needs root): {result.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=True)


def grow(mount_point: Path, size: str) -> None:
    subprocess.run(["mount", "-o", f"remount,size={size}", str(mount_point)], check=True)


def archive_of(kermany_root: Path) -> bytes:
    """The Kermany layout as ChestXRay2017.zip holds it, stored (JPEGs do not compress)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for image in sorted(kermany_root.rglob("*.jpeg")):
            archive.write(image, f"chest_xray/{image.relative_to(kermany_root)}")
    return buffer.getvalue()


def download_stage(workdir: Path, url: str, payload: bytes, download_dir: Path) -> subprocess.CompletedProcess:
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    params["data"].update(source="kermany_url", download_dir=str(download_dir),
                          kermany_url={"url": url, "sha256": hashlib.sha256(payload).hexdigest()})
    (workdir / "params.yaml").write_text(yaml.safe_dump(params))
    return subprocess.run([sys.executable, str(REPO / "stages" / "download.py")], cwd=workdir, capture_output=True,
                          text=True, timeout=300)


def one_line(result: subprocess.CompletedProcess) -> str:
    """The error: the stage's last line, its only one that is not the progress bar's (tqdm, on stderr too)."""
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.replace("\r", "\n").splitlines() if line.strip()]
    assert [line for line in lines if "%|" not in line and "B/s]" not in line] == lines[-1:], lines
    return lines[-1]


def test_a_disk_that_fills_during_the_transfer_keeps_the_part_and_the_rerun_resumes(tmp_path, tiny_kermany):
    payload = archive_of(tiny_kermany)
    # No Content-Length: the size is not known in advance, so the disk fills part-way through the transfer.
    with serving({"ChestXRay2017.zip": payload}, send_length=False) as server, \
            small_disk(tmp_path / "disk", "64k") as disk:
        failed = download_stage(tmp_path, server.url("ChestXRay2017.zip"), payload, disk / "downloads")
        line = one_line(failed)
        assert line.startswith(f"error: the disk holding {disk / 'downloads'} is full while downloading ")
        assert "free some space and rerun, the download resumes there" in line
        (part,) = (disk / "downloads").glob("*.part")
        kept = part.stat().st_size
        assert 0 < kept < len(payload) and payload.startswith(part.read_bytes())
        assert f"{kept:,} bytes are kept in {part}" in line
        assert not (disk / "downloads" / "ChestXRay2017").exists() and not (tmp_path / "data" / "raw").exists()

        grow(disk, "1m")
        rerun = download_stage(tmp_path, server.url("ChestXRay2017.zip"), payload, disk / "downloads")
        assert rerun.returncode == 0, rerun.stderr
        assert server.ranges[-1] == f"bytes={kept}-", "resumed where the part file ends"
        assert "24 images into data/raw, 0 quarantined" in rerun.stdout
        assert (disk / "downloads" / "ChestXRay2017.zip").read_bytes() == payload


def test_a_disk_too_small_to_unpack_is_named_before_anything_is_unpacked(tmp_path, tiny_kermany):
    payload = archive_of(tiny_kermany)
    with serving({"ChestXRay2017.zip": payload}) as server, small_disk(tmp_path / "disk", "256k") as disk:
        failed = download_stage(tmp_path, server.url("ChestXRay2017.zip"), payload, disk / "downloads")
        line = one_line(failed)
        assert line.startswith(f"error: not enough space on the disk holding {disk / 'downloads'} to unpack "
                               f"{disk / 'downloads' / 'ChestXRay2017.zip'}: ")
        # The archive is complete and kept; no folder, whole or partial, stands where the images would be.
        assert (disk / "downloads" / "ChestXRay2017.zip").read_bytes() == payload
        assert sorted(path.name for path in (disk / "downloads").iterdir()) == ["ChestXRay2017.zip"]

        grow(disk, "1m")
        rerun = download_stage(tmp_path, server.url("ChestXRay2017.zip"), payload, disk / "downloads")
        assert rerun.returncode == 0, rerun.stderr
        assert server.ranges == [None, None] or server.ranges == [None], "the verified archive is not fetched again"
        assert "24 images into data/raw" in rerun.stdout


def test_a_download_larger_than_the_free_space_is_refused_before_writing(tmp_path, tiny_kermany):
    payload = archive_of(tiny_kermany)
    with serving({"ChestXRay2017.zip": payload}) as server, small_disk(tmp_path / "disk", "64k") as disk:
        line = one_line(download_stage(tmp_path, server.url("ChestXRay2017.zip"), payload, disk / "downloads"))
    assert line.startswith(f"error: not enough space on the disk holding {disk / 'downloads'} to download ")
    assert f"{len(payload):,} bytes to come" in line


def test_a_disk_that_fills_while_the_images_are_written_is_one_line_and_leaves_no_raw_folder(tmp_path, tiny_kermany):
    """Anywhere else in a stage (here `ingest` writing data/raw/): cli.run turns the full disk into one line."""
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    params["data"].update(source="local", local={"path": str(tiny_kermany), "labels_csv": None})
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
    with small_disk(tmp_path / "disk", "64k") as disk:
        result = subprocess.run([sys.executable, str(REPO / "stages" / "download.py"), "--raw-dir",
                                 str(disk / "raw")], cwd=tmp_path, capture_output=True, text=True, timeout=300)
        line = one_line(result)
        assert line.startswith(f"error: the disk holding {disk}") and " is full (" in line
        assert line.endswith("; free some space and rerun") and " while writing " in line
        assert not (disk / "raw").exists() and not any(disk.iterdir()), "nothing half-written is left behind"
