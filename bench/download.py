"""Download throughput of xraylab's fetch against a bare urllib read loop, side by side on one local server.

Builds a zip of the real 224 px training images (../shared/data/kermany-train-224, or the embedded sample
where that is absent), serves it from 127.0.0.1 with the test suite's Range-capable server, and times:
  bare     urllib.request.urlopen(...).read() in 1 MiB chunks to a file, nothing else
  fetch    xraylab.data.download.fetch: .part file, progress bar, SHA-256 verification, rename
  resumed  fetch after the server cut the first response halfway (one Range request to finish)
Prints MB/s and the ratio fetch / bare. Run: python bench/download.py
"""
from __future__ import annotations

import hashlib
import io
import sys
import tempfile
import time
import urllib.request
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "data"))

from archive_server import serving  # noqa: E402

from xraylab.data import download  # noqa: E402

ROUNDS = 3


def build_archive() -> bytes:
    source = REPO.parent / "shared" / "data" / "kermany-train-224"
    if not source.is_dir():
        source = REPO / "data" / "sample"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for image in sorted(source.rglob("*.jpeg")):
            archive.write(image, f"chest_xray/{image.relative_to(source)}")
    return buffer.getvalue()


def bare(url: str, target: Path) -> None:
    with urllib.request.urlopen(url) as response, target.open("wb") as out:
        while chunk := response.read(download.CHUNK_BYTES):
            out.write(chunk)


def best_seconds(run) -> float:
    timings = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        run()
        timings.append(time.perf_counter() - start)
    return min(timings)


def main() -> None:
    payload = build_archive()
    sha256 = hashlib.sha256(payload).hexdigest()
    megabytes = len(payload) / 1e6
    with tempfile.TemporaryDirectory() as scratch, serving({"a.zip": payload}) as server:
        scratch = Path(scratch)

        def fresh_fetch() -> None:
            (scratch / "fetched.zip").unlink(missing_ok=True)
            download.fetch(server.url("a.zip"), scratch / "fetched.zip", sha256)

        bare_seconds = best_seconds(lambda: bare(server.url("a.zip"), scratch / "bare.zip"))
        fetch_seconds = best_seconds(fresh_fetch)
    with tempfile.TemporaryDirectory() as scratch, serving({"a.zip": payload}, cut_first_at=len(payload) // 2) as server:
        start = time.perf_counter()
        download.fetch(server.url("a.zip"), Path(scratch) / "resumed.zip", sha256)
        resumed_seconds = time.perf_counter() - start
        requests = server.ranges

    print(f"archive: {megabytes:.1f} MB, best of {ROUNDS}")
    print(f"bare urllib loop : {megabytes / bare_seconds:8.1f} MB/s")
    print(f"xraylab fetch    : {megabytes / fetch_seconds:8.1f} MB/s  (ratio to bare {bare_seconds / fetch_seconds:.2f}x,"
          " includes SHA-256 verification)")
    print(f"cut and resumed  : {megabytes / resumed_seconds:8.1f} MB/s  requests: {requests}")


if __name__ == "__main__":
    main()
