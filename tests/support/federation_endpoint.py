"""A fake AWS federation endpoint on 127.0.0.1 that records each getSigninToken request.

Answers `Action=getSigninToken` with `{"SigninToken": ...}` (or a chosen HTTP status), keeps
the parsed query of every request in memory (never on disk: the suite scans it for secrets).
"""

from __future__ import annotations

import json
import urllib.parse

from tests.support.local_http import LocalHttpServer, QuietHandler

PATH = "/federation"
TOKEN = "fake-signin-token-0123456789"


class FederationEndpoint(LocalHttpServer):
    """A tiny HTTP server in a thread; `requests` holds each request's query parameters."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.requests: list[dict[str, str]] = []
        endpoint = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                parsed = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(parsed.query, keep_blank_values=True))
                endpoint.requests.append(query)
                if parsed.path != PATH or query.get("Action") != "getSigninToken":
                    self.reply(404, b"not found")
                elif endpoint.status != 200:
                    self.reply(endpoint.status, b"<html>refused</html>")
                else:
                    self.reply(200, json.dumps({"SigninToken": TOKEN}).encode())

        super().__init__(Handler, PATH)
