"""The base of the suite's local HTTP fakes (container endpoint, federation endpoint, SSO
portal, Sign-In service, a misbehaving STS): a threaded server on 127.0.0.1 only, on a free
port, run in a daemon thread for the length of a `with` block, and a handler that answers in
one call and logs nothing (the fakes hold secrets)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

Server = TypeVar("Server", bound="LocalHttpServer")


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler with `reply` and no request log."""

    def reply(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        """Send a whole answer: status, headers, Content-Length and the body."""
        self.send_response(status)  # sends the Date header too
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def read_body(self) -> bytes:
        """The request's body (read, so the connection stays usable)."""
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def log_message(self, format: str, *args: Any) -> None:
        return None


class LocalHttpServer:
    """`handler` served on 127.0.0.1 while the `with` block runs; `url` ends with `path`."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], path: str = "") -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}{path}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self: Server) -> Server:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()
