"""Sign in to the AWS console with a role session: the federation endpoint's two steps.

1. `Action=getSigninToken` exchanges the session (`Session` = JSON of sessionId, sessionKey,
   sessionToken) for a sign-in token, with `SessionDuration` where AWS allows it;
2. `Action=login` with `Issuer`, `Destination` and the token is the URL that signs in.

As the IAM User Guide ("Enable custom identity broker access to the AWS console") describes.
The token and the URL are secrets: nothing here logs them or puts them in an error.
Pure stdlib (urllib), with a hard deadline on the exchange.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from typing import NamedTuple

from assume.errors import AssumeError, InputError
from assume.models import Credentials
from assume.validation import MAX_DURATION, MIN_DURATION

log = logging.getLogger("assume")

ENDPOINT_VARIABLE = "ASSUME_FEDERATION_ENDPOINT"
FEDERATION_ENDPOINTS = {
    "aws": "https://signin.aws.amazon.com/federation",
    "aws-cn": "https://signin.amazonaws.cn/federation",
    "aws-us-gov": "https://signin.amazonaws-us-gov.com/federation",
}
CONSOLE_HOSTS = {
    "aws": "console.aws.amazon.com",
    "aws-cn": "console.amazonaws.cn",
    "aws-us-gov": "console.amazonaws-us-gov.com",
}
ISSUER = "assume"
DEFAULT_DURATION = 3600  # seconds of console session when --duration is not given
DEADLINE = 15.0  # seconds for the whole exchange: a hung endpoint is an error, never a hang
MAX_RESPONSE = 64 * 1024
_SERVICE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


class SignIn(NamedTuple):
    """What the exchange sends besides the credentials."""

    endpoint: str
    destination: str
    duration: int | None  # SessionDuration, or None to leave it out


def federation_endpoint(partition: str) -> str:
    """The partition's federation endpoint, unless ASSUME_FEDERATION_ENDPOINT overrides it."""
    return os.environ.get(ENDPOINT_VARIABLE) or FEDERATION_ENDPOINTS[partition]


def destination(partition: str, region: str | None, service: str | None) -> str:
    """The console page to land on: a service's home in the region, or the console home."""
    base = f"https://{CONSOLE_HOSTS[partition]}"
    path = f"/{service}/home" if service else "/console/home"
    return base + path + (f"?region={urllib.parse.quote(region)}" if region else "")


def check_service(service: str) -> str:
    """A --service is a console path word such as `s3` or `ec2`."""
    if not _SERVICE.match(service):
        raise InputError(f"'{service}' is not a console service name.", "Try e.g. --service s3.")
    return service


def check_destination(url: str) -> str:
    """A --destination must be an absolute https (or http) URL."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("https", "http") or not parsed.netloc:
        raise InputError(f"--destination must be an https:// URL; got '{url}'.")
    return url


def session_duration(requested: int | None, chained: bool) -> tuple[int | None, str | None]:
    """The SessionDuration to send and a note for people, if any.

    A role session made from role credentials (role chaining) cannot take SessionDuration:
    the endpoint refuses it, and such a console session lasts one hour at most.
    """
    if requested is not None and not MIN_DURATION <= requested <= MAX_DURATION:
        raise InputError(
            f"--duration {requested} is out of range for a console session.",
            f"Use {MIN_DURATION}-{MAX_DURATION} seconds.",
        )
    if chained:
        return None, "console session capped at 1 hour: the role is assumed with role " \
            "credentials (role chaining)."
    return (requested or DEFAULT_DURATION), None


def session_json(credentials: Credentials) -> str:
    """The `Session` parameter: the role session's three parts."""
    if not credentials.session_token:
        raise AssumeError(
            "Long-term keys cannot sign in to the console through federation.",
            "Assume a role first: assume console ROLE.",
        )
    return json.dumps({
        "sessionId": credentials.access_key_id,
        "sessionKey": credentials.secret_access_key,
        "sessionToken": credentials.session_token,
    })


def signin_token(credentials: Credentials, signin: SignIn, deadline: float = DEADLINE) -> str:
    """Exchange the session for a sign-in token at the federation endpoint."""
    query = {"Action": "getSigninToken", "Session": session_json(credentials)}
    if signin.duration is not None:
        query["SessionDuration"] = str(signin.duration)
    body = _fetch(f"{signin.endpoint}?{urllib.parse.urlencode(query)}", signin.endpoint,
                  deadline)
    try:
        token = json.loads(body)["SigninToken"]
    except (ValueError, KeyError, TypeError):
        token = None
    if not isinstance(token, str) or not token:
        raise AssumeError(
            f"The federation endpoint {_host(signin.endpoint)} sent no sign-in token."
        )
    return token


def login_url(token: str, signin: SignIn) -> str:
    """The URL that signs the browser in (a secret until it is used or expires)."""
    query = {"Action": "login", "Issuer": ISSUER, "Destination": signin.destination,
             "SigninToken": token}
    return f"{signin.endpoint}?{urllib.parse.urlencode(query)}"


def _host(endpoint: str) -> str:
    return urllib.parse.urlsplit(endpoint).netloc or endpoint


def _fetch(url: str, endpoint: str, deadline: float) -> bytes:
    """GET `url` (which holds the session) within `deadline` seconds; errors name only the
    endpoint's host."""
    host = _host(endpoint)
    log.debug("federation endpoint %s: getSigninToken", host)
    outcome: dict[str, object] = {}

    def work() -> None:
        try:
            with urllib.request.urlopen(url, timeout=deadline) as response:
                outcome["body"] = response.read(MAX_RESPONSE + 1)
        except BaseException as exc:
            outcome["error"] = exc

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    worker.join(deadline)
    if worker.is_alive():
        raise AssumeError(f"The federation endpoint {host} did not answer within "
                          f"{deadline:g}s.", "Check the network and try again.")
    error = outcome.get("error")
    if isinstance(error, urllib.error.HTTPError):
        raise AssumeError(
            f"The federation endpoint {host} refused the session (HTTP {error.code}).",
            "The session may have expired (try --refresh) or its role may not allow "
            "console sign-in.",
        )
    if isinstance(error, (urllib.error.URLError, OSError)):
        reason = getattr(error, "reason", error)
        raise AssumeError(f"Cannot reach the federation endpoint {host}: {reason}.",
                          "Check the network and the endpoint.")
    if error is not None:
        raise AssumeError(f"The federation exchange with {host} failed: "
                          f"{type(error).__name__}.")
    body = outcome.get("body", b"")
    assert isinstance(body, bytes)
    if len(body) > MAX_RESPONSE:
        raise AssumeError(f"The federation endpoint {host} sent an oversized answer.")
    return body
