"""A fake AWS federation endpoint on 127.0.0.1 that records each getSigninToken request.

Answers `Action=getSigninToken` with `{"SigninToken": ...}` (or a chosen HTTP status), keeps
the parsed query of every request in memory (never on disk: the suite scans it for secrets).
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PATH = "/federation"
TOKEN = "fake-signin-token-0123456789"


class FederationEndpoint:
    """A tiny HTTP server in a thread; `requests` holds each request's query parameters."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.requests: list[dict[str, str]] = []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parsed = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(parsed.query, keep_blank_values=True))
                endpoint.requests.append(query)
                if parsed.path != PATH or query.get("Action") != "getSigninToken":
                    self._reply(404, b"not found")
                elif endpoint.status != 200:
                    self._reply(endpoint.status, b"<html>refused</html>")
                else:
                    self._reply(200, json.dumps({"SigninToken": TOKEN}).encode())

            def _reply(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}{PATH}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FederationEndpoint:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()
