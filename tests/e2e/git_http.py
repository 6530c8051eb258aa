"""A git origin over smart HTTP that demands a token, as GitHub does: git's own `git http-backend` behind a small
local server on 127.0.0.1 that answers 401 unless the request carries Basic credentials whose password is the
token (GitHub takes any user name with a token; actions/checkout sends `x-access-token`, CML `token`).
"""
from __future__ import annotations

import base64
import subprocess
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit


def basic_header(token: str) -> str:
    """The header actions/checkout stores in a clone's local http.<server>/.extraheader (git-auth-helper.ts)."""
    return "AUTHORIZATION: basic " + base64.b64encode(f"x-access-token:{token}".encode()).decode()


def _handler(root: Path, token: str) -> type[BaseHTTPRequestHandler]:
    class GitHandler(BaseHTTPRequestHandler):
        def log_message(self, *arguments) -> None:  # quiet: the tests read git's and dvc's own output
            pass

        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def _authorised(self) -> bool:
            scheme, _, encoded = self.headers.get("Authorization", "").partition(" ")
            if scheme.lower() != "basic":
                return False
            try:
                _, _, password = base64.b64decode(encoded).decode().partition(":")
            except ValueError:
                return False
            return password == token

        def _body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                chunks = []
                while True:
                    size = int(self.rfile.readline().split(b";")[0], 16)
                    if size == 0:
                        self.rfile.readline()
                        return b"".join(chunks)
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _serve(self) -> None:
            if not self._authorised():
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="origin"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            url = urlsplit(self.path)
            body = self._body() if self.command == "POST" else b""
            environment = {
                "GIT_PROJECT_ROOT": str(root), "GIT_HTTP_EXPORT_ALL": "1", "PATH_INFO": url.path,
                "QUERY_STRING": url.query, "REQUEST_METHOD": self.command, "REMOTE_USER": "ci",
                "REMOTE_ADDR": "127.0.0.1", "CONTENT_TYPE": self.headers.get("Content-Type", ""),
                "CONTENT_LENGTH": str(len(body)), "HTTP_CONTENT_ENCODING": self.headers.get("Content-Encoding", ""),
                "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""), "PATH": "/usr/bin:/bin:/usr/local/bin",
            }
            result = subprocess.run(["git", "http-backend"], input=body, capture_output=True, env=environment)
            head, _, payload = result.stdout.partition(b"\r\n\r\n")
            headers = [line.split(":", 1) for line in head.decode().split("\r\n") if ":" in line]
            status = next((int(value.split()[0]) for name, value in headers if name.lower() == "status"), 200)
            self.send_response(status)
            for name, value in headers:
                if name.lower() != "status":
                    self.send_header(name, value.strip())
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return GitHandler


@contextmanager
def serving(root: Path, token: str) -> Iterator[str]:
    """Serve the bare repositories under `root`; yields the server's base URL (http://127.0.0.1:<port>)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(root, token))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def checkout_clone(url: str, token: str, branch: str, target: Path) -> Path:
    """A clone configured as actions/checkout (v4 and v5) configures one: `git init`, origin added, the token only
    in this clone's local `http.<server>/.extraheader`, no global credentials, then fetch and check out."""
    server = "{0.scheme}://{0.netloc}".format(urlsplit(url))
    target.mkdir(parents=True)
    for command in (["init", "-q"], ["remote", "add", "origin", url],
                    ["config", "--local", f"http.{server}/.extraheader", basic_header(token)],
                    ["-c", "protocol.version=2", "fetch", "-q", "--prune", "--no-recurse-submodules", "origin",
                     "+refs/heads/*:refs/remotes/origin/*"],
                    ["checkout", "-q", "-B", branch, f"refs/remotes/origin/{branch}"]):
        subprocess.run(["git", *command], cwd=target, check=True, capture_output=True, timeout=300)
    return target
