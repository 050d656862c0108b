"""moto's server on 127.0.0.1, wrapped to count STS calls by action.

Used by the test fixtures, the demo and the benchmark. `GET /_assume/calls` returns the
counts as JSON; `POST /_assume/calls` resets them. Run standalone with
`python -m tests.support.sts_server` (prints the endpoint URL, then serves until killed).
"""

from __future__ import annotations

import io
import json
import re
import threading
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

STS_ACTIONS = {"AssumeRole", "GetSessionToken", "GetCallerIdentity", "AssumeRoleWithWebIdentity"}


class CountingApp:
    """WSGI middleware: counts each request's Action, then hands it to moto unchanged."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.calls: Counter[str] = Counter()
        self.requests: list[dict[str, str]] = []  # parameters of each STS call, for asserts
        self.lock = threading.Lock()
        # Characters added to each AssumeRole session token, for sessions too large to cache
        # (real tokens grow with session policies and tags).
        self.token_padding = 0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("PATH_INFO") == "/_assume/calls":
            if environ["REQUEST_METHOD"] == "POST":
                with self.lock:
                    self.calls.clear()
                    self.requests.clear()
            body = json.dumps(dict(self.calls)).encode()
            start_response("200 OK", [("Content-Type", "application/json")])
            return [body]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(raw)
        params = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
        if raw and b"Action=" in raw:
            params.update(urllib.parse.parse_qs(raw.decode("utf-8", "replace")))
        action = params.get("Action", [""])[0]
        if action:
            with self.lock:
                self.calls[action] += 1
                if action in STS_ACTIONS:
                    self.requests.append({key: values[0] for key, values in params.items()})
        if action == "AssumeRole" and self.token_padding:
            return self._padded(environ, start_response)
        return self.app(environ, start_response)

    def _padded(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        reply: dict[str, Any] = {}

        def keep(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            reply.update(status=status, headers=headers)

        body = b"".join(self.app(environ, keep))
        body = re.sub(rb"<SessionToken>", b"<SessionToken>" + b"P" * self.token_padding, body)
        headers = [(k, v) for k, v in reply["headers"] if k.lower() != "content-length"]
        start_response(reply["status"], [*headers, ("Content-Length", str(len(body)))])
        return [body]


class StsServer:
    """A moto server in a background thread on 127.0.0.1 and a free port."""

    def __init__(self, port: int = 0) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
        from werkzeug.serving import WSGIRequestHandler, make_server

        class QuietHandler(WSGIRequestHandler):
            def log_request(self, *args: Any, **kwargs: Any) -> None:
                return None

        self.app = CountingApp(DomainDispatcherApplication(create_backend_app))
        self.server = make_server(
            "127.0.0.1", port, self.app, threaded=True, request_handler=QuietHandler
        )
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> StsServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join()

    def post(self, path: str, data: bytes = b"") -> bytes:
        request = urllib.request.Request(
            self.url + path, data=data, method="POST", headers={"Content-Type": "text/plain"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return bytes(response.read())

    def reset(self) -> None:
        """Forget every resource and count, and switch identity-policy checks off."""
        self.post("/moto-api/reset-auth", b"inf")
        self.post("/moto-api/reset")
        self.post("/_assume/calls")
        self.app.token_padding = 0

    def enforce_policies(self) -> None:
        """From now on, every request is checked against the caller's IAM policies."""
        self.post("/moto-api/reset-auth", b"0")

    def calls(self) -> dict[str, int]:
        return dict(self.app.calls)

    def last(self, action: str) -> dict[str, str]:
        """The parameters of the most recent call of `action`."""
        return next(r for r in reversed(self.app.requests) if r.get("Action") == action)


def remote_calls(url: str) -> dict[str, int]:
    """The counts of a server in another process."""
    with urllib.request.urlopen(url + "/_assume/calls", timeout=10) as response:
        return dict(json.loads(response.read()))


def reset_remote_calls(url: str) -> None:
    """Reset the counts of a server in another process."""
    request = urllib.request.Request(url + "/_assume/calls", data=b"", method="POST")
    urllib.request.urlopen(request, timeout=10).close()


if __name__ == "__main__":
    server = StsServer()
    print(server.url, flush=True)
    server.server.serve_forever()
