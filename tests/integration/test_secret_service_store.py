"""`secret_service.SecretServiceStore` against the real gnome-keyring: it reads what keyring
writes and keyring reads what it writes, a missing item is None, and a stopped daemon costs the
timeout, not a hang."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid

import pytest

from assume.dbus_wire import Connection
from assume.secret_service import SecretServiceStore, SecretServiceUnavailable
from tests.conftest import run_assume
from tests.support import aws_world
from tests.support.secret_service import require_secret_service
from tests.support.sts_server import StsServer

pytestmark = pytest.mark.integration
SERVICE = "assume-store-test"


@pytest.fixture
def keyring_backend() -> object:
    require_secret_service()
    from keyring.backends import SecretService

    return SecretService.Keyring()


def test_what_keyring_writes_the_store_reads_and_the_other_way(keyring_backend: object) -> None:
    name = uuid.uuid4().hex
    keyring_backend.set_password(SERVICE, name, "written by keyring ✓")  # type: ignore[attr-defined]
    store = SecretServiceStore()
    try:
        assert store.get_password(SERVICE, name) == "written by keyring ✓"
        store.set_password(SERVICE, name, "replaced by the store")
        store.set_password(SERVICE, name + ".1", "x" * 5000)
        assert keyring_backend.get_password(SERVICE, name) == "replaced by the store"  # type: ignore[attr-defined]
        assert store.get_password(SERVICE, name + ".1") == "x" * 5000
        store.delete_password(SERVICE, name)
        store.delete_password(SERVICE, name + ".1")
        store.delete_password(SERVICE, name)  # nothing left: no error
        assert store.get_password(SERVICE, name) is None
        assert keyring_backend.get_password(SERVICE, name) is None  # type: ignore[attr-defined]
    finally:
        store.close()


def test_no_bus_is_unavailable_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
    with pytest.raises(SecretServiceUnavailable):
        SecretServiceStore().get_password(SERVICE, "x")


def secret_service_pid() -> int:
    connection = Connection(5)
    try:
        (pid,) = connection.call("org.freedesktop.DBus", "/org/freedesktop/DBus",
                                 "org.freedesktop.DBus", "GetConnectionUnixProcessID", "s",
                                 "org.freedesktop.secrets")
        return int(pid)
    finally:
        connection.close()


def test_a_stopped_daemon_costs_the_timeout_not_a_hang(keyring_backend: object) -> None:
    pid = secret_service_pid()
    os.kill(pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        with pytest.raises(SecretServiceUnavailable):
            SecretServiceStore(timeout=1.0).get_password(SERVICE, "x")
        assert time.monotonic() - started < 5
    finally:
        os.kill(pid, signal.SIGCONT)


def test_a_miss_reads_and_writes_without_keyring_once_the_backend_is_known(
    world: aws_world.World, server: StsServer
) -> None:
    assert run_assume("Role-A", "--format", "json").returncode == 0  # discovers the backend
    miss = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "assume", "Role-A", "--format", "json",
         "--refresh"], capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60)
    assert miss.returncode == 0, miss.stderr[-2000:]
    modules = {line.rsplit("|", 1)[1].strip() for line in miss.stderr.splitlines()
               if line.startswith("import time:") and "|" in line}
    assert "botocore" in modules, "importtime output was not parsed"
    assert not {"keyring", "secretstorage", "cryptography"} & modules
    assert server.calls().get("AssumeRole", 0) == 2
