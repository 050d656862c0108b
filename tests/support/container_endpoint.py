"""A container-credentials endpoint on 127.0.0.1, like the one ECS tasks get.

Serves `{"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}` from memory (never from a
file: the suite scans the disk for leaked secrets) at one path, optionally checking the
`Authorization` header that botocore sends from AWS_CONTAINER_AUTHORIZATION_TOKEN.
Point boto3 at it with AWS_CONTAINER_CREDENTIALS_FULL_URI=`endpoint.url`.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from tests.support.local_http import LocalHttpServer, QuietHandler

PATH = "/creds"


class ContainerEndpoint(LocalHttpServer):
    """A tiny HTTP server in a thread; counts the requests it answers."""

    def __init__(self, credentials: dict[str, str], token: str | None = None) -> None:
        self.document = json.dumps(credentials).encode()
        self.token = token
        self.hits = 0
        self.refused = 0
        self._lock = threading.Lock()
        endpoint = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                if self.path != PATH:
                    self._reply(404, b'{"message": "not found"}')
                    return
                if endpoint.token is not None and (
                    self.headers.get("Authorization") != endpoint.token
                ):
                    with endpoint._lock:
                        endpoint.refused += 1
                    self._reply(401, b'{"message": "unauthorized"}')
                    return
                with endpoint._lock:
                    endpoint.hits += 1
                self._reply(200, endpoint.document)

            def _reply(self, status: int, body: bytes) -> None:
                self.reply(status, body, {"Content-Type": "application/json"})

        super().__init__(Handler, PATH)


def from_sts_credentials(raw: dict[str, Any]) -> dict[str, str]:
    """The endpoint's JSON from an AssumeRole response's `Credentials`."""
    expiration = raw["Expiration"]
    return {
        "AccessKeyId": raw["AccessKeyId"],
        "SecretAccessKey": raw["SecretAccessKey"],
        "Token": raw["SessionToken"],
        "Expiration": expiration.strftime("%Y-%m-%dT%H:%M:%SZ")
        if hasattr(expiration, "strftime") else str(expiration),
    }
