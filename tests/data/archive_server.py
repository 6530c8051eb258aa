"""A real HTTP server on 127.0.0.1 serving archives built in a test; honours Range and can cut a transfer."""
from __future__ import annotations

import http.server
import threading
from contextlib import contextmanager
from typing import Iterator


class ArchiveServer(http.server.ThreadingHTTPServer):
    def __init__(self, files: dict[str, bytes], cut_first_at: int | None, send_length: bool = True):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.files = files
        self.cut_first_at = cut_first_at  # the first response stops after this many bytes
        self.send_length = send_length  # False: no Content-Length, the body ends when the connection closes
        self.ranges: list[str | None] = []  # the Range header of every request, in order

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.server_port}/{name}"


class _Handler(http.server.BaseHTTPRequestHandler):
    server: ArchiveServer

    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        data = self.server.files.get(self.path.lstrip("/"))
        requested = self.headers.get("Range")
        self.server.ranges.append(requested)
        if data is None:
            self.send_error(404)
            return
        start = int(requested.split("=")[1].split("-")[0]) if requested else 0
        if start >= len(data) and requested:
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{len(data)}")
            self.end_headers()
            return
        body = data[start:]
        self.send_response(206 if requested else 200)
        if requested:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        if self.server.send_length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.server.cut_first_at is not None:
            body, self.server.cut_first_at = body[: self.server.cut_first_at], None
            self.close_connection = True
        self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:  # keep test output quiet
        pass


@contextmanager
def serving(files: dict[str, bytes], cut_first_at: int | None = None,
            send_length: bool = True) -> Iterator[ArchiveServer]:
    server = ArchiveServer(files, cut_first_at, send_length)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
