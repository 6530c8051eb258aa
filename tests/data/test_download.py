import hashlib
import re
import io
import stat
import zipfile
from pathlib import Path

import pytest

from xraylab.data import download

from archive_server import serving


def zip_bytes(members: dict[str, bytes], symlinks: dict[str, str] = {}) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        for name, target in symlinks.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return buffer.getvalue()


# Incompressible, so a cut halfway through the transfer really is halfway through the bytes.
PAYLOAD = zip_bytes({"chest_xray/train/NORMAL/IM-0001-0001.jpeg": hashlib.sha512(b"x").digest() * 4000})
PAYLOAD_SHA = hashlib.sha256(PAYLOAD).hexdigest()


def test_full_download_is_verified_and_kept(tmp_path: Path):
    target = tmp_path / "ChestXRay2017.zip"
    with serving({"a.zip": PAYLOAD}) as server:
        assert download.fetch(server.url("a.zip"), target, PAYLOAD_SHA) == target
        assert target.read_bytes() == PAYLOAD and not download.partial_path(target, PAYLOAD_SHA).exists()
        download.fetch(server.url("a.zip"), target, PAYLOAD_SHA)
        assert server.ranges == [None], "a verified copy is not downloaded again"


def test_cut_transfer_resumes_with_a_range_request(tmp_path: Path):
    half = len(PAYLOAD) // 2
    with serving({"a.zip": PAYLOAD}, cut_first_at=half) as server:
        target = download.fetch(server.url("a.zip"), tmp_path / "a.zip", PAYLOAD_SHA)
    assert target.read_bytes() == PAYLOAD
    assert server.ranges == [None, f"bytes={half}-"]


def test_part_left_by_an_earlier_run_is_resumed(tmp_path: Path):
    download.partial_path(tmp_path / "a.zip", PAYLOAD_SHA).write_bytes(PAYLOAD[:1000])
    with serving({"a.zip": PAYLOAD}) as server:
        download.fetch(server.url("a.zip"), tmp_path / "a.zip", PAYLOAD_SHA)
    assert server.ranges == ["bytes=1000-"]
    assert (tmp_path / "a.zip").read_bytes() == PAYLOAD


def test_a_part_of_another_archive_is_not_resumed(tmp_path: Path):
    old = download.partial_path(tmp_path / "a.zip", "f" * 64)
    old.write_bytes(b"the first bytes of last year's archive")
    with serving({"a.zip": PAYLOAD}) as server:
        download.fetch(server.url("a.zip"), tmp_path / "a.zip", PAYLOAD_SHA)
    assert server.ranges == [None] and (tmp_path / "a.zip").read_bytes() == PAYLOAD
    assert old.exists()  # another archive's download is left for its own checksum, not deleted


def test_wrong_checksum_removes_the_download_and_unpacks_nothing(tmp_path: Path):
    with serving({"a.zip": PAYLOAD}) as server, pytest.raises(download.DownloadError) as error:
        download.fetch(server.url("a.zip"), tmp_path / "a.zip", "0" * 64)
    assert f"expected sha256 {'0' * 64}, got {PAYLOAD_SHA}" in str(error.value)
    assert sorted(tmp_path.iterdir()) == []


def test_missing_file_is_a_clear_error(tmp_path: Path):
    with serving({}) as server, pytest.raises(download.DownloadError, match="HTTP 404"):
        download.fetch(server.url("nothing.zip"), tmp_path / "a.zip", PAYLOAD_SHA)


@pytest.mark.parametrize("member", ["../evil.txt", "chest_xray/../../evil.txt", "/etc/evil.txt",
                                    "C:/evil.txt", "..\\evil.txt"])
def test_members_escaping_the_target_are_refused(tmp_path: Path, member: str):
    archive = tmp_path / "bad.zip"
    archive.write_bytes(zip_bytes({"chest_xray/ok.txt": b"fine", member: b"evil"}))
    with pytest.raises(download.UnsafeArchiveError, match=re.escape(f"member {member!r} would be written outside")):
        download.extract_zip(archive, tmp_path / "out")
    assert not (tmp_path / "out").exists() and not (tmp_path / "evil.txt").exists()


def test_symlink_members_are_refused(tmp_path: Path):
    archive = tmp_path / "link.zip"
    archive.write_bytes(zip_bytes({"a.txt": b"a"}, symlinks={"chest_xray/passwd": "/etc/passwd"}))
    with pytest.raises(download.UnsafeArchiveError, match="'chest_xray/passwd' is a symbolic link"):
        download.extract_zip(archive, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_mac_forks_and_the_nested_duplicate_are_skipped(tmp_path: Path):
    archive = tmp_path / "kaggle.zip"
    archive.write_bytes(zip_bytes({
        "chest_xray/train/NORMAL/IM-0001-0001.jpeg": b"1",
        "chest_xray/chest_xray/train/NORMAL/IM-0001-0001.jpeg": b"1",
        "__MACOSX/chest_xray/train/NORMAL/._IM-0001-0001.jpeg": b"fork",
        "chest_xray/train/NORMAL/._IM-0001-0001.jpeg": b"fork",
    }))
    out = download.extract_zip(archive, tmp_path / "out")
    assert sorted(str(path.relative_to(out)) for path in out.rglob("*") if path.is_file()) == [
        "chest_xray/train/NORMAL/IM-0001-0001.jpeg"]


def test_not_a_zip(tmp_path: Path):
    (tmp_path / "a.zip").write_text("<html>login required</html>")
    with pytest.raises(download.DownloadError, match="is not a zip archive"):
        download.extract_zip(tmp_path / "a.zip", tmp_path / "out")
