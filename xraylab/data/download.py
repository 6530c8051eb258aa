"""Fetching an archive over HTTP(S) and unpacking it safely.

Downloads stream to a `.part` file and resume with a `Range` request after an interruption; the checksum
is verified before anything is unpacked; members that would land outside the target are refused. A disk too
small for the transfer or the unpacked files is named before writing where the sizes are known, and when it fills
up part-way: the partial download is kept to resume, a partial unpacking is removed.
"""
from __future__ import annotations

import hashlib
import http.client
import os
import stat
import urllib.error
import urllib.request
import zipfile
from pathlib import Path, PurePosixPath

from tqdm import tqdm

from xraylab import atomic
from xraylab.data import clutter
from xraylab.errors import DiskFullError, UserError, free_bytes, is_disk_full

CHUNK_BYTES = 1 << 20


class DownloadError(UserError):
    """The archive could not be fetched, or is not the one expected."""


class UnsafeArchiveError(UserError):
    """An archive member would be written outside the target folder."""


def fetch(url: str, target: Path, sha256: str, attempts: int = 5, timeout: float = 60.0) -> Path:
    """Download `url` to `target` unless a verified copy is already there.

    An interrupted transfer resumes from the bytes already in its `.part` file, up to `attempts` times in
    this call and across calls. On a checksum mismatch the `.part` file is removed (resuming a wrong file
    cannot make it right) and nothing is unpacked.
    """
    target = Path(target)
    if target.is_file() and file_sha256(target) == sha256:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    # Named for the archive it is part of: a new archive under the same name never resumes an old one's bytes.
    part = partial_path(target, sha256)
    for attempt in range(1, attempts + 1):
        try:
            _transfer(url, part, timeout)
            break
        except (urllib.error.URLError, http.client.IncompleteRead, ConnectionError, TimeoutError) as error:
            if isinstance(error, urllib.error.HTTPError) and error.code not in (408, 429, 500, 502, 503, 504):
                raise DownloadError(f"cannot download {url}: HTTP {error.code} {error.reason}") from None
            if attempt == attempts:
                raise DownloadError(f"cannot download {url} after {attempts} attempts ({error}); "
                                    f"{part.stat().st_size if part.exists() else 0} bytes are kept in {part} "
                                    "and the next run resumes from there") from None
    digest = file_sha256(part)
    if digest != sha256:
        part.unlink()
        raise DownloadError(f"checksum mismatch for {url}: expected sha256 {sha256}, got {digest}. "
                            f"The download was removed and nothing was unpacked; check data.kermany_url")
    os.replace(part, target)
    return target


def partial_path(target: Path, sha256: str) -> Path:
    """Where an unfinished download of the archive with checksum `sha256` waits to be resumed."""
    return target.with_name(f"{target.name}.{sha256[:16]}.part")


def _transfer(url: str, part: Path, timeout: float) -> None:
    """Append the rest of `url` to `part`, starting where it ends."""
    offset = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={offset}-"} if offset else {})
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        if error.code == 416 and offset:  # nothing left to send: the part is complete
            return
        raise
    with response:
        if offset and response.status != 206:
            offset = 0  # the server ignored the Range header and sends the whole file again
        length = response.headers.get("Content-Length")
        total = offset + int(length) if length is not None else None
        if length is not None and int(length) > free_bytes(part):
            raise DiskFullError(f"not enough space on the disk holding {part.parent} to download {url}: "
                                f"{int(length):,} bytes to come, {free_bytes(part):,} free; free some space and "
                                "rerun" + (f" (it resumes from the {offset:,} bytes in {part})" if offset else ""))
        received = 0
        try:
            with part.open("ab" if offset else "wb") as out, \
                    tqdm(total=total, initial=offset, unit="B", unit_scale=True, desc=part.name) as progress:
                while chunk := response.read(CHUNK_BYTES):
                    out.write(chunk)
                    received += len(chunk)
                    progress.update(len(chunk))
        except OSError as error:
            if not is_disk_full(error):
                raise
            # What reached the disk is a prefix of the archive: kept, so the next run resumes after it.
            raise DiskFullError(f"the disk holding {part.parent} is full while downloading {url}: "
                                f"{part.stat().st_size:,} bytes are kept in {part}; free some space and rerun, "
                                "the download resumes there") from None
        if length is not None and received < int(length):
            raise http.client.IncompleteRead(b"", int(length) - received)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as stream:
        while chunk := stream.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


ARCHIVE_STAMP = ".xraylab-archive.sha256"  # inside an unpacked folder: the checksum of the archive it came from


def extract_zip(archive: Path, target: Path, archive_sha256: str | None = None) -> Path:
    """Unpack `archive` into `target` (replaced only when complete) and return `target`.

    Every member is checked before anything is written. Skipped: operating systems' files (clutter.py:
    `__MACOSX/`, `._*`, `.DS_Store`, ...) and nested copies of a folder inside itself (the Kaggle archive
    carries chest_xray/chest_xray/). With `archive_sha256`, the folder records it (`unpacked_from`), written
    before the folder takes its place, so a folder and its record never disagree.
    """
    archive, target = Path(archive), Path(target)
    try:
        zip_file = zipfile.ZipFile(archive)
    except zipfile.BadZipFile:
        raise DownloadError(f"{archive} is not a zip archive") from None
    with zip_file:
        for info in zip_file.infolist():
            _check_member(info, archive)
        members = [info for info in zip_file.infolist() if not _skipped(info.filename)]
        needed = sum(info.file_size for info in members)
        if needed > free_bytes(target):
            raise DiskFullError(f"not enough space on the disk holding {target.parent} to unpack {archive}: "
                                f"{needed:,} bytes unpacked, {free_bytes(target):,} free; free some space and rerun")
        try:
            with atomic.writing_dir(target) as temp:
                for info in members:
                    zip_file.extract(info, temp)
                if archive_sha256 is not None:
                    (temp / ARCHIVE_STAMP).write_text(archive_sha256 + "\n")
        except OSError as error:
            if not is_disk_full(error):
                raise
            # writing_dir has removed the half-unpacked folder: nothing of it can be taken for data.
            raise DiskFullError(f"the disk holding {target.parent} filled up while unpacking {archive} into "
                                f"{target}; the partial folder was removed, free some space and rerun") from None
    return target


def unpacked_from(folder: Path) -> str | None:
    """The checksum of the archive `folder` was unpacked from, or None (no folder, or unpacked without one)."""
    stamp = Path(folder) / ARCHIVE_STAMP
    return stamp.read_text().strip() if stamp.is_file() else None


def _skipped(name: str) -> bool:
    if clutter.is_clutter(name):
        return True
    parts = PurePosixPath(name.replace("\\", "/")).parts
    return any(first == second for first, second in zip(parts, parts[1:]))


def _check_member(info: zipfile.ZipInfo, archive: Path) -> None:
    name = info.filename.replace("\\", "/")
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or (path.parts and ":" in path.parts[0]):
        raise UnsafeArchiveError(f"archive {archive} member {info.filename!r} would be written outside the "
                                 "target folder; refusing to unpack it")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise UnsafeArchiveError(f"archive {archive} member {info.filename!r} is a symbolic link; "
                                 "refusing to unpack it")
