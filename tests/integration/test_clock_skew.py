"""Expiry and clock skew, with the real `assume` under `faketime` against moto's STS.

STS's `Date` header tells how far this machine's clock is off. A session's expiry is moved
onto the local clock on arrival (so the cache and the SDKs reading the printed expiry, on the
same clock, stop using it when STS would), a large skew is told in one warning line, and a
session that STS's clock says has expired is never printed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import pytest

from tests.integration.test_keyring_cache import (  # noqa: F401  (secret_service: an autouse fixture)
    assume_role_calls,
    secret_service,
    warnings_in,
)
from tests.support import aws_world
from tests.support.local_http import LocalHttpServer, QuietHandler
from tests.support.sts_server import StsServer

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("faketime") is None, reason="faketime is not installed"),
]


def assume_at(offset: str | None, *args: str, env: dict[str, str] | None = None
              ) -> subprocess.CompletedProcess[str]:
    """The real `assume` with this machine's clock moved by `offset` (faketime's "-120m")."""
    prefix = ["faketime", "-f", offset] if offset else []
    return subprocess.run(
        [*prefix, sys.executable, "-m", "assume", *args],
        env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=120,
        stdin=subprocess.DEVNULL,
    )


def expiry(result: subprocess.CompletedProcess[str]) -> datetime:
    assert result.returncode == 0, result.stderr
    text = json.loads(result.stdout)["Expiration"]
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def near(when: datetime, expected: datetime, slack: float = 120) -> bool:
    return abs((when - expected).total_seconds()) < slack


def test_clock_behind_a_session_is_not_served_past_its_real_expiry(
    world: aws_world.World, server: StsServer
) -> None:
    filled = assume_at("-120m", "Role-A", "--format", "json")
    real_now = datetime.now(timezone.utc)
    assert assume_role_calls(server) == 1
    # Half an hour later in real time: still a hit.
    assert expiry(assume_at("-90m", "Role-A", "--format", "json")) == expiry(filled)
    assert assume_role_calls(server) == 1
    # A minute past the real expiry, the clock still two hours behind: never the old session.
    late = assume_at("-59m", "Role-A", "--format", "json")
    assert assume_role_calls(server) == 2, "the expired session was served from the cache"
    assert expiry(late) > expiry(filled)

    # On this clock (two hours behind) the session lasts an hour from its local "now".
    assert near(expiry(filled), real_now - timedelta(hours=1)), expiry(filled)
    warnings = warnings_in(filled.stderr)
    assert len(warnings) == 1 and "clock" in warnings[0] and "behind" in warnings[0]
    assert filled.stderr.count("\n") == 1, filled.stderr


def test_a_session_cached_before_the_clock_went_back_is_not_trusted(
    world: aws_world.World, server: StsServer
) -> None:
    first = assume_at(None, "Role-A", "--format", "json")
    assert warnings_in(first.stderr) == []
    back = assume_at("-120m", "Role-A", "--format", "json")
    assert assume_role_calls(server) == 2, "refetched: the old expiry means nothing now"
    assert json.loads(back.stdout)["AccessKeyId"] != json.loads(first.stdout)["AccessKeyId"]
    assert len(warnings_in(back.stderr)) == 1, back.stderr


def test_clock_ahead_the_printed_expiry_is_in_this_clocks_future(
    world: aws_world.World, server: StsServer, no_keyring: None
) -> None:
    result = assume_at("+120m", "Role-A", "--format", "credential-process")
    real_now = datetime.now(timezone.utc)
    assert near(expiry(result), real_now + timedelta(hours=3)), expiry(result)
    warnings = warnings_in(result.stderr)
    assert len(warnings) == 1 and "ahead" in warnings[0], result.stderr


class ExpiredSessionSts(QuietHandler):
    """An STS whose AssumeRole answers with a session that expired ten minutes before its own
    `Date` header: what a real STS would never do, but a proxy, a replay or a broken emulator
    can."""

    def do_POST(self) -> None:
        self.read_body()
        expired = (datetime.now(timezone.utc) - timedelta(minutes=10)).strftime(
            "%Y-%m-%dT%H:%M:%SZ")
        body = (
            '<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
            "<AssumeRoleResult><Credentials><AccessKeyId>ASIAEXPIREDEXAMPLE00</AccessKeyId>"
            "<SecretAccessKey>expired-secret</SecretAccessKey>"
            "<SessionToken>expired-token</SessionToken>"
            f"<Expiration>{expired}</Expiration></Credentials>"
            "<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/Role-A/s</Arn>"
            "<AssumedRoleId>AROAEXAMPLE:s</AssumedRoleId></AssumedRoleUser>"
            "</AssumeRoleResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>"
            "</AssumeRoleResponse>"
        ).encode()
        self.reply(200, body, {"Content-Type": "text/xml"})  # with the Date header


@contextmanager
def expired_session_sts() -> Iterator[str]:
    with LocalHttpServer(ExpiredSessionSts) as server:
        yield server.url


@pytest.mark.parametrize("offset", [None, "-120m"])
def test_a_session_expired_on_arrival_is_refused(
    world: aws_world.World, no_keyring: None, offset: str | None
) -> None:
    with expired_session_sts() as url:
        result = assume_at(offset, "Role-A", "--format", "credential-process",
                           env={"AWS_ENDPOINT_URL_STS": url})
    assert result.returncode == 1, "credentials printed that STS's clock says have expired"
    assert result.stdout == ""
    errors = [line for line in result.stderr.splitlines() if not line.startswith("warning:")]
    assert len(errors) == 1 and "expired" in errors[0], result.stderr
    assert "expired-secret" not in result.stderr
