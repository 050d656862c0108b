"""The keyring cache through the real CLI: moto's STS over HTTP, gnome-keyring's Secret Service
over D-Bus (as scripts/test runs it), and `python -m assume` in subprocesses."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from assume.cache import SERVICE
from assume.config import Request, resolve
from assume.errors import LockTimeoutError
from assume.lock import single_flight
from tests.conftest import run_assume
from tests.support import aws_world
from tests.support.secret_service import require_secret_service
from tests.support.sts_server import StsServer

pytestmark = pytest.mark.integration

# The keyring library without a bus (`auto` would use the kernel keyring: test_kernel_cache).
NO_DBUS = {"DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent",
           "ASSUME_CACHE_BACKEND": "keyring"}
PARALLEL = 32
KEYRING_PASSWORD = "pw"  # what scripts/test (and the private daemon below) unlocks with
# With these set, gnome-keyring-daemon hands `--unlock` to the running daemon instead.
DAEMON_VARIABLES = {"GNOME_KEYRING_CONTROL", "SSH_AUTH_SOCK"}
SECRETS_NAME = "org.freedesktop.secrets"


# --- helpers -------------------------------------------------------------------------------------


def secret_service_items(bus: str = "SESSION") -> list[tuple[str, object]]:
    """(username, item) of every `assume` item in the default collection."""
    import secretstorage
    from jeepney.io.blocking import open_dbus_connection

    connection = open_dbus_connection(bus=bus)
    collection = secretstorage.get_default_collection(connection)
    return [(item.get_attributes().get("username", ""), item)
            for item in collection.search_items({"service": SERVICE})]


def clear_secret_service() -> None:
    for _, item in secret_service_items():
        item.delete()  # type: ignore[attr-defined]


def assume_role_calls(server: StsServer) -> int:
    return server.calls().get("AssumeRole", 0)


def creds_of(result: subprocess.CompletedProcess[str]) -> dict[str, str]:
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def warnings_in(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("warning:")]


def key_of(*targets: str) -> str:
    """The cache key of the last hop, as the CLI computes it (in this test's HOME)."""
    return resolve(Request(targets=targets)).cache_keys()[-1]


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting until {what}")
        time.sleep(0.05)


def lock_is_held(key: str) -> bool:
    try:
        with single_flight(key, timeout=0):
            return False
    except LockTimeoutError:
        return True


@pytest.fixture(autouse=True)
def secret_service(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """The real Secret Service as the keyring, no backend chosen yet, no `assume` items."""
    require_secret_service()
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    clear_secret_service()
    yield
    clear_secret_service()


# --- hits, misses, list, clear -----------------------------------------------------------------


def test_second_call_is_served_from_the_keyring_without_sts(
    world: aws_world.World, server: StsServer
) -> None:
    first = run_assume("Role-A", "--format", "credential-process")
    assert first.returncode == 0, first.stderr
    assert assume_role_calls(server) == 1
    second = run_assume("Role-A", "--format", "credential-process")
    assert second.returncode == 0, second.stderr
    assert assume_role_calls(server) == 1
    assert second.stdout == first.stdout
    assert warnings_in(first.stderr + second.stderr) == []


def test_cached_credentials_live_in_the_secret_service_not_on_disk(
    world: aws_world.World, server: StsServer, home: Path
) -> None:
    creds = creds_of(run_assume("Role-A", "--format", "json"))
    assert [name for name, _ in secret_service_items()] == [key_of("Role-A")]
    for path in home.rglob("*"):
        if path.is_file():
            assert creds["SecretAccessKey"].encode() not in path.read_bytes(), path


def test_cache_list_shows_role_and_source_but_never_the_secret(
    world: aws_world.World, server: StsServer
) -> None:
    creds = creds_of(run_assume("Role-A", "--format", "json"))
    listed = run_assume("cache", "list")
    assert listed.returncode == 0, listed.stderr
    rows = [line.split("\t") for line in listed.stdout.splitlines()]
    assert len(rows) == 1
    target, role, source, _ = rows[0]
    assert (target, role, source) == ("Role-A", world.role_a, "profile alice")
    for secret in (creds["SecretAccessKey"], creds["SessionToken"]):
        assert secret not in listed.stdout + listed.stderr


def test_cache_list_json_lists_each_cached_hop(
    world: aws_world.World, server: StsServer
) -> None:
    creds = creds_of(run_assume("Role-B", "--format", "json"))
    listed = run_assume("cache", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    records = json.loads(listed.stdout)
    assert sorted((r["target"], r["role"], r["source"]) for r in records) == [
        ("Role-A", world.role_a, "profile alice"),
        ("Role-B", world.role_b, world.role_a),
    ]
    expiry = datetime.strptime(creds["Expiration"], "%Y-%m-%dT%H:%M:%SZ")
    epoch = int(expiry.replace(tzinfo=timezone.utc).timestamp())
    for record in records:
        assert set(record) == {"target", "role", "source", "expires", "expires_epoch",
                               "seconds_left"}
        assert isinstance(record["seconds_left"], int) and not isinstance(
            record["seconds_left"], bool)
        assert 3000 < record["seconds_left"] <= 3600, record
        assert isinstance(record["expires_epoch"], int)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", record["expires"])
    role_b = next(record for record in records if record["target"] == "Role-B")
    assert (role_b["expires"], role_b["expires_epoch"]) == (creds["Expiration"], epoch)
    assert creds["SecretAccessKey"] not in listed.stdout
    assert creds["SessionToken"] not in listed.stdout


def test_cache_list_is_empty_before_any_call(world: aws_world.World) -> None:
    listed = run_assume("cache", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == []
    plain = run_assume("cache", "list")
    assert (plain.returncode, plain.stdout) == (0, "")
    assert plain.stderr == "No cached sessions (cache backend: Secret Service).\n"


def test_an_empty_cache_on_a_terminal_is_one_line_not_an_empty_table(
    world: aws_world.World,
) -> None:
    import pexpect

    child = pexpect.spawn(sys.executable, ["-m", "assume", "cache", "list"],
                          env=dict(os.environ), encoding="utf-8", timeout=60)
    output = child.read()
    child.close()
    assert child.exitstatus == 0, output
    assert output == "No cached sessions (cache backend: Secret Service).\r\n"


def test_cache_clear_target_forces_one_new_sts_call(
    world: aws_world.World, server: StsServer
) -> None:
    first = creds_of(run_assume("Role-A", "--format", "json"))
    cleared = run_assume("cache", "clear", "Role-A")
    assert cleared.returncode == 0, cleared.stderr
    assert secret_service_items() == []
    assert json.loads(run_assume("cache", "list", "--json").stdout) == []
    second = creds_of(run_assume("Role-A", "--format", "json"))
    assert assume_role_calls(server) == 2
    assert second["AccessKeyId"] != first["AccessKeyId"]


def test_cache_clear_without_target_removes_every_session(
    world: aws_world.World, server: StsServer
) -> None:
    creds_of(run_assume("Role-B", "--format", "json"))
    assert len(secret_service_items()) == 2
    cleared = run_assume("cache", "clear")
    assert cleared.returncode == 0, cleared.stderr
    assert secret_service_items() == []
    creds_of(run_assume("Role-B", "--format", "json"))
    assert assume_role_calls(server) == 4


def test_no_cache_always_calls_sts_and_stores_nothing(
    world: aws_world.World, server: StsServer
) -> None:
    first = creds_of(run_assume("Role-A", "--no-cache", "--format", "json"))
    second = creds_of(run_assume("Role-A", "--no-cache", "--format", "json"))
    assert assume_role_calls(server) == 2
    assert first["AccessKeyId"] != second["AccessKeyId"]
    assert secret_service_items() == []
    assert json.loads(run_assume("cache", "list", "--json").stdout) == []


def test_no_cache_ignores_a_cached_session(world: aws_world.World, server: StsServer) -> None:
    cached = creds_of(run_assume("Role-A", "--format", "json"))
    bypassed = creds_of(run_assume("Role-A", "--no-cache", "--format", "json"))
    assert assume_role_calls(server) == 2
    assert bypassed["AccessKeyId"] != cached["AccessKeyId"]
    assert creds_of(run_assume("Role-A", "--format", "json")) == cached


def test_refresh_calls_once_and_replaces_the_cached_session(
    world: aws_world.World, server: StsServer
) -> None:
    old = creds_of(run_assume("Role-A", "--format", "json"))
    new = creds_of(run_assume("Role-A", "--refresh", "--format", "json"))
    assert assume_role_calls(server) == 2
    assert new["AccessKeyId"] != old["AccessKeyId"]
    assert creds_of(run_assume("Role-A", "--format", "json")) == new
    assert assume_role_calls(server) == 2


def test_chain_after_its_first_hop_is_cached_makes_one_assume_role(
    world: aws_world.World, server: StsServer
) -> None:
    server.enforce_policies()  # the cached Role-A session must really be able to hop
    creds_of(run_assume("Role-A", "--format", "json"))
    assert assume_role_calls(server) == 1
    creds = creds_of(run_assume("Role-B", "--format", "json"))
    assert assume_role_calls(server) == 2
    assert server.last("AssumeRole")["RoleArn"] == world.role_b
    arn = world.client("sts", key=creds["AccessKeyId"], secret=creds["SecretAccessKey"],
                       token=creds["SessionToken"]).get_caller_identity()["Arn"]
    assert arn.startswith("arn:aws:sts::123456789012:assumed-role/Role-B/")


# --- concurrency ---------------------------------------------------------------------------------


def test_parallel_cold_invocations_make_one_sts_call(
    world: aws_world.World, server: StsServer
) -> None:
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "assume", "Role-A", "--format", "credential-process"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
        )
        for _ in range(PARALLEL)
    ]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=300)
        results.append((process.returncode, out, err))
    assert [code for code, _, _ in results] == [0] * PARALLEL, [err for _, _, err in results]
    assert assume_role_calls(server) == 1
    outputs = {out for _, out, _ in results}
    assert len(outputs) == 1
    assert json.loads(outputs.pop())["Version"] == 1
    assert [warnings_in(err) for _, _, err in results] == [[]] * PARALLEL


def test_killed_lock_holder_does_not_deadlock_the_next_invocation(
    world: aws_world.World, server: StsServer
) -> None:
    key = key_of("Role-A")
    with socket.socket() as black_hole:  # accepts connections, never answers
        black_hole.bind(("127.0.0.1", 0))
        black_hole.listen(16)
        port = black_hole.getsockname()[1]
        stuck = subprocess.Popen(
            [sys.executable, "-m", "assume", "Role-A", "--format", "json"],
            env={**os.environ, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}"},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
        )
        try:
            wait_until(lambda: lock_is_held(key), 60, "the first assume holds the lock")
            time.sleep(0.5)  # let it get well into its STS call
            assert stuck.poll() is None, "the first assume should be stuck in its STS call"
        finally:
            os.kill(stuck.pid, signal.SIGKILL)
            stuck.wait()
    started = time.monotonic()
    result = run_assume("Role-A", "--format", "json", env={"ASSUME_LOCK_TIMEOUT": "30"})
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert elapsed < 20, f"took {elapsed:.1f}s: the dead holder's lock was waited out"
    assert assume_role_calls(server) == 1
    assert warnings_in(result.stderr) == []


# --- faults ------------------------------------------------------------------------------------


def test_without_dbus_the_command_works_uncached_with_one_warning(
    world: aws_world.World, server: StsServer, home: Path
) -> None:
    results = [run_assume("Role-A", "--format", "json", env=NO_DBUS) for _ in range(2)]
    for result in results:
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["AccessKeyId"].startswith("ASIA")
        assert len(warnings_in(result.stderr)) == 1, result.stderr
        assert result.stderr.count("\n") == 1, result.stderr
    assert assume_role_calls(server) == 2, "nothing could be cached"
    assert not (home / ".local" / "share" / "python_keyring").exists()


def test_without_dbus_credential_process_output_is_still_clean_json(
    world: aws_world.World, server: StsServer
) -> None:
    result = run_assume("Role-A", "--format", "credential-process", env=NO_DBUS)
    assert result.returncode == 0, result.stderr
    assert set(json.loads(result.stdout)) == {
        "Version", "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration", "AccountId"}
    assert len(warnings_in(result.stderr)) == 1


def importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # the parent package is missing
        return False


needs_keyrings_alt = pytest.mark.skipif(
    not importable("keyrings.alt"),
    reason="keyrings.alt is not installed: nothing offers a plaintext keyring to refuse",
)


@needs_keyrings_alt
def test_plaintext_keyring_is_refused_when_discovery_finds_only_it(
    world: aws_world.World, server: StsServer, home: Path
) -> None:
    result = run_assume("Role-A", "--format", "json", env=NO_DBUS)
    assert result.returncode == 0, result.stderr
    warnings = warnings_in(result.stderr)
    assert len(warnings) == 1
    assert "plain" in warnings[0] and "keyrings.alt" in warnings[0]
    assert not (home / ".local" / "share" / "python_keyring").exists(), "nothing written"
    creds_of(run_assume("Role-A", "--format", "json", env=NO_DBUS))
    assert assume_role_calls(server) == 2


@needs_keyrings_alt
def test_secret_service_is_used_when_keyring_chains_it_with_a_plaintext_keyring(
    world: aws_world.World, server: StsServer, home: Path
) -> None:
    """With keyrings.alt installed, keyring's own choice is a chainer that would fall through
    to the plaintext file when the Secret Service is locked: assume takes the real member."""
    first = run_assume("Role-A", "--format", "json")
    assert warnings_in(first.stderr) == []
    assert creds_of(run_assume("Role-A", "--format", "json")) == creds_of(first)
    assert assume_role_calls(server) == 1
    remembered = home / ".local" / "state" / "assume" / "keyring-backend"
    assert remembered.read_text().strip() == "keyring.backends.SecretService.Keyring"
    assert not (home / ".local" / "share" / "python_keyring").exists()


@needs_keyrings_alt
@pytest.mark.parametrize("chosen_by", ["environment", "keyringrc"])
def test_plaintext_keyring_chosen_explicitly_is_used_with_one_warning(
    world: aws_world.World, server: StsServer, home: Path, chosen_by: str
) -> None:
    plaintext = "keyrings.alt.file.PlaintextKeyring"
    env = dict(NO_DBUS)
    if chosen_by == "environment":
        env["PYTHON_KEYRING_BACKEND"] = plaintext
    else:
        config = home / ".config" / "python_keyring" / "keyringrc.cfg"
        config.parent.mkdir(parents=True)
        config.write_text(f"[backend]\ndefault-keyring = {plaintext}\n")
    store = home / ".local" / "share" / "python_keyring"
    try:
        first = run_assume("Role-A", "--format", "json", env=env)
        second = run_assume("Role-A", "--format", "json", env=env)
        [warning] = warnings_in(first.stderr)
        assert plaintext in warning and "plain file" in warning
        assert first.stderr.count("\n") == 1, first.stderr
        assert len(warnings_in(second.stderr)) <= 1, second.stderr
        assert creds_of(second) == creds_of(first)
        assert assume_role_calls(server) == 1
        assert store.is_dir()
    finally:
        shutil.rmtree(store, ignore_errors=True)  # the user's choice, not the test suite's


@pytest.fixture
def private_secret_service(home: Path) -> Iterator[str]:
    """A D-Bus session of its own with its own gnome-keyring, so locking it cannot disturb
    the daemon the rest of the suite uses. Yields the bus address."""
    for tool in ("dbus-daemon", "gnome-keyring-daemon"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed")
    # The control socket lives here; a path under pytest's tmp_path can pass the 108-byte
    # limit of a unix socket address.
    runtime = tempfile.mkdtemp(prefix="gk")
    bus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    daemon: subprocess.Popen[str] | None = None
    try:
        assert bus.stdout is not None
        address = bus.stdout.readline().strip()
        assert address, "dbus-daemon printed no address"
        daemon = subprocess.Popen(
            ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
            env={**{k: v for k, v in os.environ.items() if k not in DAEMON_VARIABLES},
                 "DBUS_SESSION_BUS_ADDRESS": address, "XDG_RUNTIME_DIR": runtime},
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            text=True,
        )
        assert daemon.stdin is not None
        daemon.stdin.write(KEYRING_PASSWORD)
        daemon.stdin.close()

        # Ask the bus, not the service: a call to an unowned name would make dbus-daemon
        # start a second gnome-keyring from its service files, racing ours.
        wait_until(lambda: name_has_owner(address, SECRETS_NAME), 30,
                   "the private gnome-keyring is on its bus")
        assert not default_collection(address).is_locked()  # type: ignore[attr-defined]
        yield address
    finally:
        for process in (daemon, bus):
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        shutil.rmtree(runtime, ignore_errors=True)


def name_has_owner(address: str, name: str) -> bool:
    from jeepney.bus_messages import message_bus
    from jeepney.io.blocking import open_dbus_connection

    with open_dbus_connection(bus=address) as connection:
        reply = connection.send_and_get_reply(message_bus.NameHasOwner(name), timeout=5)
        return bool(reply.body[0])


def default_collection(address: str) -> object:
    import secretstorage
    from jeepney.io.blocking import open_dbus_connection

    return secretstorage.get_default_collection(open_dbus_connection(bus=address))


def unlock_with_password(address: str, password: str) -> None:
    """gnome-keyring's own unlock-without-prompt call (what its PAM module uses)."""
    from jeepney import DBusAddress, new_method_call
    from jeepney.io.blocking import open_dbus_connection

    connection = open_dbus_connection(bus=address)
    try:
        service = DBusAddress("/org/freedesktop/secrets", bus_name="org.freedesktop.secrets",
                              interface="org.freedesktop.Secret.Service")
        _, session = connection.send_and_get_reply(
            new_method_call(service, "OpenSession", "sv", ("plain", ("s", ""))), timeout=10
        ).body
        collection = connection.send_and_get_reply(
            new_method_call(service, "ReadAlias", "s", ("default",)), timeout=10).body[0]
        internal = DBusAddress(
            "/org/freedesktop/secrets", bus_name="org.freedesktop.secrets",
            interface="org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface")
        connection.send_and_get_reply(new_method_call(
            internal, "UnlockWithMasterPassword", "o(oayays)",
            (collection, (session, b"", password.encode(), "text/plain"))), timeout=10)
    finally:
        connection.close()


def test_locked_collection_still_succeeds_with_one_warning(
    world: aws_world.World, server: StsServer, private_secret_service: str
) -> None:
    env = {"DBUS_SESSION_BUS_ADDRESS": private_secret_service}
    cached = creds_of(run_assume("Role-A", "--format", "json", env=env))
    assert assume_role_calls(server) == 1

    collection = default_collection(private_secret_service)
    collection.lock()  # type: ignore[attr-defined]
    assert collection.is_locked()  # type: ignore[attr-defined]
    for format_ in ("json", "credential-process"):
        locked = run_assume("Role-A", "--format", format_, env=env, timeout=60)
        assert locked.returncode == 0, locked.stderr
        assert json.loads(locked.stdout)["AccessKeyId"] != cached["AccessKeyId"]
        assert len(warnings_in(locked.stderr)) == 1, locked.stderr
        assert locked.stderr.count("\n") == 1, locked.stderr
    assert assume_role_calls(server) == 3

    unlock_with_password(private_secret_service, KEYRING_PASSWORD)
    assert not default_collection(private_secret_service).is_locked()  # type: ignore[attr-defined]
    again = run_assume("Role-A", "--format", "json", env=env)
    assert creds_of(again) == cached, "the session cached before the lock is served again"
    assert warnings_in(again.stderr) == []
    assert assume_role_calls(server) == 3


def test_corrupt_entry_in_the_keyring_is_a_miss_and_is_replaced(
    world: aws_world.World, server: StsServer
) -> None:
    from keyring.backends import SecretService

    first = creds_of(run_assume("Role-A", "--format", "json"))
    SecretService.Keyring().set_password(SERVICE, key_of("Role-A"), "3|{garbage")
    second = run_assume("Role-A", "--format", "json")
    replaced = creds_of(second)
    assert warnings_in(second.stderr) == []
    assert assume_role_calls(server) == 2
    assert replaced["AccessKeyId"] != first["AccessKeyId"]
    assert creds_of(run_assume("Role-A", "--format", "json")) == replaced
    assert assume_role_calls(server) == 2


def rewrite_entry(key: str, change: dict[str, object]) -> None:
    """Change fields of the stored entry through the keyring API, as another program might."""
    from keyring.backends import SecretService

    backend = SecretService.Keyring()
    stored = backend.get_password(SERVICE, key)
    assert stored is not None and stored.startswith("1|"), stored
    data = json.loads(stored[2:])
    data.update(change)
    backend.set_password(SERVICE, key, "1|" + json.dumps(data))


def write_invalid_utf8(key: str) -> None:
    """Replace the stored entry with bytes that are not UTF-8 (secretstorage, the same
    Secret Service keyring uses)."""
    [item] = [item for name, item in secret_service_items() if name == key]
    item.set_secret(b"1|{\xff\xfe\"a\":1}")  # type: ignore[attr-defined]


DAMAGED_ENTRIES: dict[str, Callable[[str], None]] = {
    "no-expiry": lambda key: rewrite_entry(key, {"e": None}),
    "no-access-key": lambda key: rewrite_entry(key, {"a": None}),
    "integer-token": lambda key: rewrite_entry(key, {"t": 1234567}),
    "text-lifetime": lambda key: rewrite_entry(key, {"l": "x"}),
    "expiry-in-a-month": lambda key: rewrite_entry(
        key, {"e": int(time.time()) + 30 * 86400}),
    "written-for-another-key": lambda key: rewrite_entry(key, {"k": "0" * 40}),
    "invalid-utf8": write_invalid_utf8,
}


@pytest.mark.parametrize("lane", ["fast", "full"])
@pytest.mark.parametrize("damage", list(DAMAGED_ENTRIES.values()), ids=list(DAMAGED_ENTRIES))
def test_entry_outside_the_schema_is_a_miss_and_is_overwritten(
    world: aws_world.World, server: StsServer, damage: Callable[[str], None], lane: str
) -> None:
    env = {"ASSUME_NO_FAST_PATH": "1"} if lane == "full" else {}
    first = creds_of(run_assume("Role-A", "--format", "json", env=env))
    damage(key_of("Role-A"))
    second = run_assume("Role-A", "--format", "json", env=env)
    replaced = creds_of(second)
    assert second.stderr == "", "a damaged entry is a plain miss: no warning, no error"
    assert assume_role_calls(server) == 2
    assert replaced["AccessKeyId"] != first["AccessKeyId"]
    assert isinstance(replaced["SessionToken"], str)
    third = run_assume("Role-A", "--format", "json", env=env)
    assert creds_of(third) == replaced, "the damaged entry was overwritten"
    assert assume_role_calls(server) == 2


def test_session_too_large_to_cache_does_not_leave_the_older_one_in_place(
    world: aws_world.World, server: StsServer
) -> None:
    older = creds_of(run_assume("Role-A", "--format", "json"))
    server.app.token_padding = 12_000  # more than the 8 items of 1,200 characters an entry has
    refreshed = run_assume("Role-A", "--refresh", "--format", "json")
    big = creds_of(refreshed)
    assert len(big["SessionToken"]) > 12_000
    [warning] = warnings_in(refreshed.stderr)
    assert "too large" in warning
    assert secret_service_items() == [], "the older session was removed"
    server.app.token_padding = 0
    after = creds_of(run_assume("Role-A", "--format", "json"))
    assert after["AccessKeyId"] not in (older["AccessKeyId"], big["AccessKeyId"])
    assert assume_role_calls(server) == 3


# --- the index is a view, the keyring the truth (issue 10, item 7) --------------------------


def lose_the_index(home: Path) -> None:
    index = home / ".local" / "state" / "assume" / "cache-index.json"
    assert index.is_file()
    index.unlink()


def test_cache_clear_finds_sessions_by_searching_when_the_index_is_lost(
    world: aws_world.World, server: StsServer, home: Path
) -> None:
    creds_of(run_assume("Role-B", "--format", "json"))
    assert len(secret_service_items()) == 2
    lose_the_index(home)
    cleared = run_assume("cache", "clear")
    assert cleared.returncode == 0, cleared.stderr
    assert "Cleared 2 cached session(s)" in cleared.stderr
    assert secret_service_items() == []
    creds_of(run_assume("Role-B", "--format", "json"))
    assert assume_role_calls(server) == 4, "the next call is a miss"


def test_cache_list_shows_sessions_whose_index_was_lost(
    world: aws_world.World, server: StsServer, home: Path
) -> None:
    creds_of(run_assume("Role-A", "--format", "json"))
    lose_the_index(home)
    listed = run_assume("cache", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    [record] = json.loads(listed.stdout)
    assert 3000 < record["seconds_left"] <= 3600, record


def test_cache_list_without_dbus_shows_the_index(
    world: aws_world.World, server: StsServer
) -> None:
    creds_of(run_assume("Role-A", "--format", "json"))
    listed = run_assume("cache", "list", "--json", env=NO_DBUS)
    assert listed.returncode == 0, listed.stderr
    assert [record["role"] for record in json.loads(listed.stdout)] == [world.role_a]


def test_cache_list_drops_index_entries_whose_session_is_gone(
    world: aws_world.World, server: StsServer
) -> None:
    creds_of(run_assume("Role-A", "--format", "json"))
    clear_secret_service()  # removed behind assume's back (seahorse, secret-tool clear)
    listed = run_assume("cache", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == []


# --- the hot path ------------------------------------------------------------------------------


def imported_modules(importtime_stderr: str) -> set[str]:
    """Module names from `python -X importtime` output."""
    names = set()
    for line in importtime_stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    return names


def test_cache_hit_does_not_import_boto3_botocore_or_rich(
    world: aws_world.World, server: StsServer
) -> None:
    first = run_assume("Role-A", "--format", "credential-process")
    assert first.returncode == 0, first.stderr
    hit = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "assume", "Role-A",
         "--format", "credential-process"],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60,
    )
    assert hit.returncode == 0, hit.stderr[-2000:]
    assert hit.stdout == first.stdout
    assert assume_role_calls(server) == 1
    modules = imported_modules(hit.stderr)
    assert "assume.fastpath" in modules, "importtime output was not parsed"
    heavy = sorted(m for m in modules if m.split(".")[0] in {"boto3", "botocore", "rich"})
    assert heavy == []


def test_cache_hit_skips_keyring_backend_discovery(
    world: aws_world.World, server: StsServer
) -> None:
    """Once the backend is remembered, a hit reads the Secret Service directly."""
    assert run_assume("Role-A", "--format", "credential-process").returncode == 0
    hit = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "assume", "Role-A",
         "--format", "credential-process"],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60,
    )
    assert hit.returncode == 0, hit.stderr[-2000:]
    assert assume_role_calls(server) == 1
    modules = imported_modules(hit.stderr)
    assert "assume.fastpath" in modules, "importtime output was not parsed"
    discovery = sorted(m for m in modules
                       if m == "keyring.core" or m.startswith("keyring.backends"))
    assert discovery == []
