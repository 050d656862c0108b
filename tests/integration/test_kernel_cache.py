"""The kernel keyring cache through the real CLI: moto's STS over HTTP, the real kernel user
keyring (each test in a namespace of its own, see conftest's `home`), the keyctl tool as an
independent reader, and a real seccomp filter for the refused case."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assume.cache import SERVICE
from assume.kernel_keyring import KernelKeyring
from tests.conftest import run_assume
from tests.integration.test_keyring_cache import assume_role_calls, creds_of, key_of, warnings_in
from tests.support import aws_world, kernel_keys, no_keyctl
from tests.support.secret_service import clear_assume_items
from tests.support.sts_server import StsServer

pytestmark = [pytest.mark.integration]

NO_BUS = {"DBUS_SESSION_BUS_ADDRESS": ""}
DEAD_BUS = {"DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent"}


@pytest.fixture(autouse=True)
def kernel(home: Path, monkeypatch: pytest.MonkeyPatch) -> KernelKeyring:
    """The real kernel keyring in this test's namespace; keyring left to its own choice."""
    kernel_keys.require_kernel_keyring()
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    return KernelKeyring()


def keyctl(*args: str) -> str:
    return subprocess.run(["keyctl", *args], capture_output=True, text=True, check=True,
                          timeout=30).stdout.strip()


@pytest.mark.parametrize("bus", [None, NO_BUS, DEAD_BUS], ids=["unset", "empty", "dead-bus"])
def test_without_a_secret_service_two_calls_make_one_assume_role(
    world: aws_world.World, server: StsServer, kernel: KernelKeyring, home: Path,
    bus: dict[str, str] | None, monkeypatch: pytest.MonkeyPatch,
) -> None:
    if bus is None:
        monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
        bus = {}
    first = run_assume("Role-A", "--format", "json", env=bus)
    second = run_assume("Role-A", "--format", "json", env=bus)
    assert creds_of(second) == creds_of(first)
    assert assume_role_calls(server) == 1
    assert warnings_in(first.stderr + second.stderr) == []
    assert kernel.usernames(SERVICE) == [key_of("Role-A")]
    secret = creds_of(first)["SecretAccessKey"]
    for path in home.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path


def test_keys_are_the_users_only_and_time_out_at_expiry(
    world: aws_world.World, server: StsServer, kernel: KernelKeyring
) -> None:
    creds = creds_of(run_assume("Role-A", "--format", "json", env=NO_BUS))
    serial = keyctl("search", "@u", "user", f"{kernel.namespace}:{key_of('Role-A')}")
    kind, uid, _, perm, _ = keyctl("rdescribe", serial).split(";", 4)
    assert (kind, uid, perm) == ("user", str(os.getuid()), "3f3f0000")  # nothing for others
    assert creds["SecretAccessKey"] in keyctl("print", serial)
    line = next(line for line in Path("/proc/keys").read_text().splitlines()
                if line.split()[0] == f"{int(serial):08x}")
    assert line.split()[3] in ("59m", "1h"), line  # the timeout: the session's hour


def test_a_process_whose_session_keyring_lacks_the_user_keyring_reads_it(
    world: aws_world.World, server: StsServer
) -> None:
    """Keys carry user permissions, so possession (a session linking @u) is not needed."""
    first = run_assume("Role-A", "--format", "credential-process", env=NO_BUS)
    assert first.returncode == 0, first.stderr
    hit = subprocess.run(
        ["keyctl", "session", "-", sys.executable, "-m", "assume", "Role-A",
         "--format", "credential-process"],
        env={**os.environ, **NO_BUS}, capture_output=True, text=True, timeout=60,
        stdin=subprocess.DEVNULL)
    assert hit.returncode == 0, hit.stderr
    assert hit.stdout == first.stdout
    assert assume_role_calls(server) == 1


def test_explicit_kernel_backend_is_used_even_with_a_secret_service(
    world: aws_world.World, server: StsServer, kernel: KernelKeyring
) -> None:
    env = {"ASSUME_CACHE_BACKEND": "kernel"}
    first = creds_of(run_assume("Role-A", "--format", "json", env=env))
    assert creds_of(run_assume("Role-A", "--format", "json", env=env)) == first
    assert assume_role_calls(server) == 1
    assert kernel.usernames(SERVICE) == [key_of("Role-A")]


def test_cache_list_names_the_kernel_keyring_and_clear_empties_it(
    world: aws_world.World, server: StsServer, kernel: KernelKeyring
) -> None:
    creds = creds_of(run_assume("Role-B", "--format", "json", env=NO_BUS))
    listed = run_assume("cache", "list", "--json", env=NO_BUS)
    assert listed.returncode == 0, listed.stderr
    assert listed.stderr == "Cache backend: kernel keyring\n"
    records = json.loads(listed.stdout)
    assert sorted((r["target"], r["role"]) for r in records) == [
        ("Role-A", world.role_a), ("Role-B", world.role_b)]
    assert creds["SecretAccessKey"] not in listed.stdout
    assert len(kernel.usernames(SERVICE)) == 2
    cleared = run_assume("cache", "clear", "Role-B", env=NO_BUS)
    assert cleared.returncode == 0, cleared.stderr
    assert kernel.usernames(SERVICE) == []
    creds_of(run_assume("Role-B", "--format", "json", env=NO_BUS))
    assert assume_role_calls(server) == 4
    cleared = run_assume("cache", "clear", env=NO_BUS)
    assert cleared.returncode == 0, cleared.stderr
    assert kernel.usernames(SERVICE) == []
    assert json.loads(run_assume("cache", "list", "--json", env=NO_BUS).stdout) == []


def test_cache_list_names_the_secret_service_when_it_answers(world: aws_world.World) -> None:
    clear_assume_items()  # sessions other tests left in the shared Secret Service
    listed = run_assume("cache", "list")
    assert listed.returncode == 0, listed.stderr
    assert listed.stderr == "No cached sessions (cache backend: Secret Service).\n"
    creds_of(run_assume("Role-A", "--format", "json"))
    listed = run_assume("cache", "list")
    assert listed.stderr == "Cache backend: Secret Service\n"
    assert listed.stdout.startswith("Role-A\t")


def test_cache_hit_from_the_kernel_imports_neither_keyring_nor_boto3(
    world: aws_world.World, server: StsServer
) -> None:
    first = run_assume("Role-A", "--format", "credential-process", env=NO_BUS)
    assert first.returncode == 0, first.stderr
    hit = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "assume", "Role-A",
         "--format", "credential-process"],
        env={**os.environ, **NO_BUS}, capture_output=True, text=True,
        stdin=subprocess.DEVNULL, timeout=60,
    )
    assert hit.returncode == 0, hit.stderr[-2000:]
    assert hit.stdout == first.stdout
    assert assume_role_calls(server) == 1
    modules = {line.rsplit("|", 1)[1].strip() for line in hit.stderr.splitlines()
               if line.startswith("import time:") and "|" in line}
    assert "assume.fastpath" in modules and "assume.kernel_keyring" in modules
    heavy = sorted(m for m in modules
                   if m.split(".")[0] in {"boto3", "botocore", "rich", "click", "keyring",
                                          "jeepney", "secretstorage"})
    assert heavy == []


@pytest.mark.skipif(not no_keyctl.supported(), reason="no seccomp filter for this machine")
@pytest.mark.parametrize("env", [NO_BUS, {"ASSUME_CACHE_BACKEND": "kernel"}],
                         ids=["auto", "kernel"])
def test_refused_keyring_calls_mean_uncached_with_one_warning(
    world: aws_world.World, server: StsServer, kernel: KernelKeyring, env: dict[str, str]
) -> None:
    for _ in range(2):
        result = subprocess.run(
            [sys.executable, "-m", "tests.support.no_keyctl", sys.executable, "-m", "assume",
             "Role-A", "--format", "credential-process"],
            env={**os.environ, **env}, capture_output=True, text=True, timeout=60,
            stdin=subprocess.DEVNULL, cwd=Path(__file__).resolve().parents[2])
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["AccessKeyId"].startswith("ASIA")
        warnings = warnings_in(result.stderr)
        assert len(warnings) == 1 and result.stderr.count("\n") == 1, result.stderr
        assert "kernel keyring" in warnings[0] and "Operation not permitted" in warnings[0]
    assert assume_role_calls(server) == 2
    assert kernel.usernames(SERVICE) == []


@pytest.mark.parametrize("value", ["none", "NONE"])
def test_backend_none_caches_nothing_and_says_nothing(
    world: aws_world.World, server: StsServer, kernel: KernelKeyring, value: str
) -> None:
    env = {**NO_BUS, "ASSUME_CACHE_BACKEND": value}
    for _ in range(2):
        result = run_assume("Role-A", "--format", "json", env=env)
        assert result.returncode == 0 and result.stderr == "", result.stderr
    assert assume_role_calls(server) == 2
    assert kernel.usernames(SERVICE) == []


def test_an_unknown_backend_is_a_usage_error(world: aws_world.World, server: StsServer) -> None:
    result = run_assume("Role-A", "--format", "json", env={"ASSUME_CACHE_BACKEND": "vault"})
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: ASSUME_CACHE_BACKEND='vault' is not one of")
    assert result.stderr.count("\n") == 1
    assert assume_role_calls(server) == 0


def refused(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`assume ARGS` under a seccomp filter that refuses the keyring calls."""
    return subprocess.run(
        [sys.executable, "-m", "tests.support.no_keyctl", sys.executable, "-m", "assume", *args],
        env={**os.environ, **env}, capture_output=True, text=True, timeout=60,
        stdin=subprocess.DEVNULL, cwd=Path(__file__).resolve().parents[2])


@pytest.mark.skipif(not no_keyctl.supported(), reason="no seccomp filter for this machine")
def test_refused_keyring_calls_with_refresh_and_cache_commands_say_so_once(
    world: aws_world.World, server: StsServer
) -> None:
    env = {"ASSUME_CACHE_BACKEND": "kernel"}
    result = refused("Role-A", "--refresh", "--format", "json", env=env)
    assert result.returncode == 0, result.stderr
    assert len(warnings_in(result.stderr)) == 1 and result.stderr.count("\n") == 1
    listed = refused("cache", "list", env=env)
    assert listed.returncode == 0 and listed.stdout == ""
    assert listed.stderr.splitlines() == [
        "warning: cache unavailable (the kernel keyring refuses its calls: Operation not "
        "permitted).", "No cached sessions (cache backend: none)."]
    cleared = refused("cache", "clear", "Role-A", env=env)
    assert cleared.returncode == 1 and cleared.stdout == ""
    assert cleared.stderr.startswith("error: Cannot clear the cache: the keyring is unavailable")
    assert "the kernel keyring refuses" in cleared.stderr
    everything = refused("cache", "clear", env=env)
    assert everything.returncode == 0, everything.stderr
    assert everything.stderr.startswith("warning: cache unavailable (the kernel keyring refuses")


def test_a_foreign_unreadable_key_of_the_same_name_is_a_miss_and_is_replaced(
    world: aws_world.World, server: StsServer, kernel: KernelKeyring
) -> None:
    name = f"{kernel.namespace}:{key_of('Role-A')}"
    foreign = keyctl("add", "user", name, "1|not ours", "@u")
    keyctl("setperm", foreign, "0x09090000")  # view and search only: found, not readable

    def outside_the_session() -> subprocess.CompletedProcess[str]:
        """In a session keyring of its own, which does not possess @u (a possessor may read
        whatever it can search)."""
        return subprocess.run(
            ["keyctl", "session", "-", sys.executable, "-m", "assume", "Role-A", "--format",
             "json"], env={**os.environ, **NO_BUS}, capture_output=True, text=True, timeout=60,
            stdin=subprocess.DEVNULL)

    first = outside_the_session()
    assert warnings_in(first.stderr) == [], first.stderr
    assert creds_of(outside_the_session()) == creds_of(first)
    assert assume_role_calls(server) == 1
    assert keyctl("search", "@u", "user", name) != foreign
