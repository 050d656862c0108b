"""A fake IAM Identity Center portal (`GetRoleCredentials`) on 127.0.0.1, and the token file
`aws sso login` leaves behind.

botocore reaches the portal through AWS_ENDPOINT_URL_SSO and sends the cached access token in
the `x-amz-sso_bearer_token` header. Each (token, account, role) the portal knows maps to
credentials that moto issued, held in memory only (the suite scans the disk for secrets).
"""

from __future__ import annotations

import hashlib
import json
import urllib.parse
from datetime import datetime
from pathlib import Path
from typing import Any

from tests.support.local_http import LocalHttpServer, QuietHandler

ROLE_CREDENTIALS_PATH = "/federation/credentials"


class SsoPortal(LocalHttpServer):
    """Answers GetRoleCredentials for the grants it was given; 401 for any other token."""

    def __init__(self) -> None:
        self.grants: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.requests: list[dict[str, str]] = []
        portal = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                parsed = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(parsed.query))
                token = self.headers.get("x-amz-sso_bearer_token", "")
                portal.requests.append({**query, "token": token})
                grant = portal.grants.get(
                    (token, query.get("account_id", ""), query.get("role_name", "")))
                if parsed.path != ROLE_CREDENTIALS_PATH or grant is None:
                    self._reply(401, {"message": "Session token not found or invalid"},
                                "UnauthorizedException")
                    return
                self._reply(200, {"roleCredentials": grant})

            def _reply(self, status: int, document: dict[str, Any], error: str = "") -> None:
                headers = {"Content-Type": "application/json"}
                if error:
                    headers["x-amzn-ErrorType"] = error
                self.reply(status, json.dumps(document).encode(), headers)

        super().__init__(Handler)

    def grant(self, token: str, account: str, role: str, sts_credentials: dict[str, Any]) -> None:
        """Let `token` get `role` in `account`: the given STS `Credentials`, portal-shaped."""
        expiration: datetime = sts_credentials["Expiration"]
        self.grants[(token, account, role)] = {
            "accessKeyId": sts_credentials["AccessKeyId"],
            "secretAccessKey": sts_credentials["SecretAccessKey"],
            "sessionToken": sts_credentials["SessionToken"],
            "expiration": int(expiration.timestamp() * 1000),
        }


def write_token(home: Path, session_name: str, access_token: str, expires_at: str,
                start_url: str, region: str = "us-east-1") -> Path:
    """The file `aws sso login` writes: ~/.aws/sso/cache/<sha1 of the session name>.json."""
    cache = home / ".aws" / "sso" / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"{hashlib.sha1(session_name.encode()).hexdigest()}.json"
    path.write_text(json.dumps({
        "startUrl": start_url, "region": region, "accessToken": access_token,
        "expiresAt": expires_at,
    }))
    return path
