"""A fake AWS Sign-In service (`CreateOAuth2Token`, what refreshes an `aws login` session) on
127.0.0.1, reached via AWS_ENDPOINT_URL_SIGNIN. It refuses every refresh the way the real
service does once the login has expired: AccessDeniedException, error TOKEN_EXPIRED."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class ExpiredSignin:
    """Counts the refresh attempts it refuses."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                service.paths.append(self.path)
                body = json.dumps({"error": "TOKEN_EXPIRED",
                                   "message": "The refresh token has expired."}).encode()
                self.send_response(400)
                self.send_header("Content-Type", "application/json")
                self.send_header("x-amzn-ErrorType", "AccessDeniedException")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> ExpiredSignin:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()
