"""A local container-credentials endpoint: what ECS gives a task, on 127.0.0.1, for one chain.

Every AWS SDK and both AWS CLIs poll `AWS_CONTAINER_CREDENTIALS_FULL_URI` and send
`AWS_CONTAINER_AUTHORIZATION_TOKEN` as the `Authorization` header (botocore's
`ContainerProvider`); plain http is allowed only to a loopback address. The answer is
`{"AccessKeyId", "SecretAccessKey", "Token", "Expiration", "AccountId"}`; SDKs fetch again
before `Expiration` (botocore: 15 minutes), and each fetch goes through the Provider, so a
child outlives any single session. Modelled on aws-vault's `server/ecsserver.go`.

Security: the socket is bound to 127.0.0.1 only; the token is compared in constant time;
a request without the exact token, or whose Host header is not loopback (DNS rebinding from
a browser), gets 401/403 with no body; nothing secret is ever logged.
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
import sys
import threading
from collections.abc import Callable
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from assume.cache import NullCache
from assume.errors import (
    AccessDeniedError,
    AssumeError,
    CacheUnavailableError,
    MfaError,
    one_line,
)
from assume.freshness import is_fresh
from assume.interfaces import CredentialCache
from assume.models import Credentials, Plan
from assume.output import printable

PATH = "/credentials"
URI_VARIABLE = "AWS_CONTAINER_CREDENTIALS_FULL_URI"
TOKEN_VARIABLE = "AWS_CONTAINER_AUTHORIZATION_TOKEN"
# An SDK would prefer these over the endpoint (a relative URI wins over the full one, a token
# file over the token), so they must not reach a client of the endpoint.
SHADOWING_VARIABLES = ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                       "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "[::1]"})
TOKEN_BYTES = 32
# A session is served for at least this long after it was obtained, even when this machine's
# clock (ahead of AWS's) says it is already inside the refresh window: otherwise every request
# would call STS again.
REISSUE_AFTER = 60.0  # seconds
# botocore tries a failing endpoint 3 times, a second apart, and the JS SDK 4 times: a failed
# refresh is answered from memory this long, so one failure is one STS call and one line.
FAILURE_HOLD = 5.0  # seconds

Clock = Callable[[], datetime]


class MemoryFirstCache:
    """The endpoint's cache: fresh entries from memory, else the persistent cache behind it.

    Intermediate hops (an MFA session, a chained role's source) stay reusable for the life of
    the endpoint even with `--no-cache` or a keyring that stopped answering.
    """

    def __init__(self, inner: CredentialCache, clock: Clock,
                 warn: Callable[[str], None]) -> None:
        self.inner = inner
        self.memory: dict[str, Credentials] = {}
        self._clock = clock
        self._warn = warn

    def get(self, key: str) -> Credentials | None:
        held = self.memory.get(key)
        if is_fresh(held, self._clock()):
            return held
        try:
            stored = self.inner.get(key)
        except CacheUnavailableError as exc:
            self._disable(exc)
            return held
        if stored is not None and (held is None or _later(stored, held)):
            self.memory[key] = stored
            return stored
        return held

    def put(self, key: str, credentials: Credentials, info: dict[str, object]) -> None:
        self.memory[key] = credentials
        try:
            self.inner.put(key, credentials, info)
        except CacheUnavailableError as exc:
            self._disable(exc)

    def delete(self, key: str) -> None:
        self.memory.pop(key, None)
        self.inner.delete(key)

    def entries(self) -> dict[str, dict[str, object]]:
        return self.inner.entries()

    def _disable(self, exc: CacheUnavailableError) -> None:
        self._warn(f"keyring unavailable ({exc}); the endpoint keeps sessions in memory only.")
        self.inner = NullCache()


def _later(first: Credentials, second: Credentials) -> bool:
    if first.expiration is None or second.expiration is None:
        return first.expiration is None
    return first.expiration > second.expiration


class RefreshError(AssumeError):
    """A refresh that failed inside the endpoint; answered to the client, never raised out."""


class SessionSource:
    """The chain's credentials for each request: the last session while it may be handed out,
    else a new one through the Provider. Thread-safe; never prompts."""

    def __init__(self, provider: Any, plan: Plan, *,
                 report: Callable[[str], None] | None = None) -> None:
        self.provider = provider
        self.plan = plan
        self._report = report or _report_to_stderr
        self._lock = threading.Lock()
        self._held: Credentials | None = None
        self._held_since: datetime | None = None
        self._failure: AssumeError | None = None
        self._failed_at: datetime | None = None

    def hold(self, credentials: Credentials) -> None:
        """Serve these (just obtained) until they need replacing."""
        with self._lock:
            self._held, self._held_since = credentials, self.provider.clock()

    def current(self) -> Credentials:
        """Credentials that are not expired; raises AssumeError when none can be had."""
        with self._lock:
            now = self.provider.clock()
            if self._held is not None and self._servable(self._held, now):
                return self._held
            if self._failure is not None and _seconds(self._failed_at, now) < FAILURE_HOLD:
                raise self._failure
            try:
                fresh: Credentials = self.provider.get(self.plan)
                left = fresh.seconds_left(self.provider.clock())
                if left is not None and left <= 0:
                    raise RefreshError("The new session is already expired by this machine's "
                                       "clock.", "Check the system clock.")
            except AssumeError as exc:
                self._failure, self._failed_at = exc, now
                reason = one_line(str(exc))
                self._report(printable(f"error: refreshing {self._label()} failed: {reason}"))
                raise
            self._failure = None
            self._held, self._held_since = fresh, now
            return fresh

    def _servable(self, held: Credentials, now: datetime) -> bool:
        if is_fresh(held, now):
            return True
        left = held.seconds_left(now)
        return _seconds(self._held_since, now) < REISSUE_AFTER and (left is None or left > 0)

    def _label(self) -> str:
        return " ".join(self.plan.targets) or self.plan.hops[-1].label


def _seconds(since: datetime | None, now: datetime) -> float:
    """Seconds from `since` to `now`; a clock set back counts as no time at all."""
    return float("inf") if since is None else max(0.0, (now - since).total_seconds())


def _report_to_stderr(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def container_document(credentials: Credentials) -> dict[str, str]:
    """The JSON the SDKs' container provider reads; `AccountId` when the session knows it."""
    document = {
        "AccessKeyId": credentials.access_key_id,
        "SecretAccessKey": credentials.secret_access_key,
        "Token": credentials.session_token or "",
        "Expiration": credentials.expiration_iso or "",
    }
    account = getattr(credentials, "account_id", None)
    if account:
        document["AccountId"] = str(account)
    return document


def error_document(exc: AssumeError) -> tuple[int, dict[str, str]]:
    """Status and body for a failed refresh.

    botocore and the AWS CLI show the whole body whatever the status. A 4xx, because the JS SDK
    v3's `fromHttp` attaches `Code` and `Message` only to a 4xx, and the Go SDK (which reads
    them too) does not retry one: asking again at once cannot help. Not 401/403, which mean a
    bad token here.
    """
    code = ("AccessDenied" if isinstance(exc, AccessDeniedError)
            else "MfaRequired" if isinstance(exc, MfaError) else "CredentialsUnavailable")
    return 400, {"Code": code, "Message": one_line(str(exc))}


def host_is_loopback(host: str | None, port: int) -> bool:
    """True for `127.0.0.1:PORT`, `localhost:PORT`, `[::1]:PORT` (no port only for 80)."""
    if not host:
        return False
    name, sep, given = host.strip().lower().rpartition(":")
    if not sep or given.endswith("]"):  # no port, or an IPv6 literal without one
        name, given = host.strip().lower(), ""
    if given and given != str(port):
        return False
    if not given and port != 80:
        return False
    return name in LOOPBACK_NAMES


class _Handler(BaseHTTPRequestHandler):
    """GET PATH with the token: the credentials. Anything else: a status and nothing more."""

    server: CredentialsServer
    server_version = "assume"
    sys_version = ""
    timeout = 10  # seconds a client may take to send its request

    def do_GET(self) -> None:
        status = self._refusal()
        if status:
            self._reply(status)
            return
        if self.path.partition("?")[0] != PATH:
            self._reply(404)
            return
        try:
            credentials = self.server.source.current()
        except AssumeError as exc:
            status, document = error_document(exc)
            self._reply(status, document)
            return
        except Exception as exc:
            _report_to_stderr(f"error: the credentials endpoint failed: {type(exc).__name__}")
            self._reply(500, {"Code": "InternalError", "Message": type(exc).__name__})
            return
        self._reply(200, container_document(credentials))

    def _refusal(self) -> int:
        """403 for a foreign Host header, 401 without a token, 403 for a wrong token, else 0."""
        if not host_is_loopback(self.headers.get("Host"), self.server.server_port):
            return 403
        given = self.headers.get("Authorization")
        if given is None:
            return 401
        if not hmac.compare_digest(given.encode("utf-8", "replace"), self.server.token_bytes):
            return 403
        return 0

    def _other(self) -> None:
        self._reply(self._refusal() or 405)

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _other

    def _reply(self, status: int, document: dict[str, str] | None = None) -> None:
        body = json.dumps(document).encode() if document is not None else b""
        self.send_response(status)
        if document is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Only method, path and status, and only with --debug: never headers or bodies."""
        import logging

        path = str(getattr(self, "path", "")).partition("?")[0]
        logging.getLogger("assume").debug("endpoint: %s %s -> %s",
                                          getattr(self, "command", None), path, code)

    def log_message(self, format: str, *args: Any) -> None:
        """BaseHTTPRequestHandler's own log lines (errors included) are dropped."""


class CredentialsServer(ThreadingHTTPServer):
    """The endpoint on 127.0.0.1 (a free port unless one is given), serving in a thread."""

    daemon_threads = True
    # On Windows SO_REUSEADDR lets another process bind the same port: only set it elsewhere.
    allow_reuse_address = os.name != "nt"

    def __init__(self, source: SessionSource, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.source = source
        self.token = secrets.token_urlsafe(TOKEN_BYTES)
        self.token_bytes = self.token.encode()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}{PATH}"

    def variables(self) -> dict[str, str]:
        """What a client needs: the URI and the token."""
        return {URI_VARIABLE: self.url, TOKEN_VARIABLE: self.token}

    def start(self) -> CredentialsServer:
        self._thread = threading.Thread(target=self.serve_forever, name="assume-endpoint",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self.shutdown()
            self._thread.join()
            self._thread = None
        self.server_close()
