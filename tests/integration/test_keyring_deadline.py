"""A hung Secret Service (gnome-keyring stopped with SIGSTOP) costs seconds, not forever: the
answer comes uncached, with one warning line, on the fast path, the full path and discovery."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import run_assume
from tests.integration.test_keyring_cache import (  # noqa: F401  (a fixture, used by name)
    SECRETS_NAME,
    assume_role_calls,
    creds_of,
    private_secret_service,
    warnings_in,
)
from tests.support import aws_world
from tests.support.sts_server import StsServer

pytestmark = pytest.mark.integration


def owner_pid(address: str, name: str) -> int:
    """The process that owns `name` on the bus: the daemon to stop."""
    from jeepney.bus_messages import message_bus
    from jeepney.io.blocking import open_dbus_connection

    with open_dbus_connection(bus=address) as connection:
        reply = connection.send_and_get_reply(
            message_bus.GetConnectionUnixProcessID(name), timeout=5)
        return int(reply.body[0])


@contextmanager
def stopped(pid: int) -> Iterator[None]:
    """The process frozen (SIGSTOP) for the block, continued (SIGCONT) afterwards."""
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


@pytest.mark.parametrize(
    ("lane", "timeout", "bound"),
    [("fast", None, 25), ("fast", "1", 12), ("full", "1", 12), ("discovery", "1", 12)],
)
def test_hung_secret_service_gives_the_answer_uncached_with_one_warning(
    world: aws_world.World, server: StsServer, home: Path, monkeypatch: pytest.MonkeyPatch,
    private_secret_service: str,  # noqa: F811
    lane: str, timeout: str | None, bound: float,
) -> None:
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    env = {"DBUS_SESSION_BUS_ADDRESS": private_secret_service}
    if timeout:
        env["ASSUME_KEYRING_TIMEOUT"] = timeout
    cached = creds_of(run_assume("Role-A", "--format", "credential-process", env=env))
    assert assume_role_calls(server) == 1
    if lane == "full":
        env["ASSUME_NO_FAST_PATH"] = "1"
    if lane == "discovery":
        (home / ".local" / "state" / "assume" / "keyring-backend").unlink()

    with stopped(owner_pid(private_secret_service, SECRETS_NAME)):
        started = time.monotonic()
        result = run_assume("Role-A", "--format", "credential-process", env=env, timeout=90)
        elapsed = time.monotonic() - started

    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["AccessKeyId"] != cached["AccessKeyId"], "uncached: a new session"
    assert assume_role_calls(server) == 2
    assert len(warnings_in(result.stderr)) == 1, result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert "keyring" in result.stderr
    assert elapsed < bound, f"took {elapsed:.1f}s"
