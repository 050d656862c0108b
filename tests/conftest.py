"""Shared fixtures: moto's server on 127.0.0.1, a temp HOME with AWS config, a clean env,
and helpers to run the real `assume` command."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import aws_world, kernel_keys
from tests.support.sts_server import StsServer

ROOT = Path(__file__).resolve().parent.parent
_SECRETS_SEEN: set[str] = set()


@pytest.fixture(scope="session")
def sts_server() -> Iterator[StsServer]:
    server = StsServer().start()
    yield server
    server.stop()


def _collect_secrets() -> None:
    """Remember every temporary secret moto handed out, for the scan at the end.

    Long-term user keys are left out: the test config legitimately holds them in
    ~/.aws/credentials, as a user's machine does.
    """
    from moto.sts.models import sts_backends

    for regions in sts_backends.values():
        for backend in regions.values():
            for role in getattr(backend, "assumed_roles", []):
                _SECRETS_SEEN.add(role.secret_access_key)


@pytest.fixture
def server(sts_server: StsServer) -> Iterator[StsServer]:
    sts_server.reset()
    yield sts_server
    _collect_secrets()
    sts_server.reset()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private HOME and XDG folders; no AWS variables from the outside world; a kernel
    keyring namespace of its own (emptied afterwards)."""
    home = tmp_path / "home"
    home.mkdir()
    for name in list(os.environ):
        if name.startswith("AWS_") or name.startswith("ASSUME_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(home / ".aws" / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / ".aws" / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    namespace = kernel_keys.new_namespace()
    monkeypatch.setenv("ASSUME_KERNEL_NAMESPACE", namespace)
    yield home
    kernel_keys.clear(namespace)


@pytest.fixture
def world(server: StsServer, home: Path, monkeypatch: pytest.MonkeyPatch) -> aws_world.World:
    """Users, roles and config in moto, and AWS_ENDPOINT_URL pointing at it."""
    built = aws_world.build(server.url)
    aws_world.write_config(home, built)
    server.post("/_assume/calls")  # count only what the test itself causes
    monkeypatch.setenv("AWS_ENDPOINT_URL", server.url)
    return built


@pytest.fixture
def no_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the CLI with keyring's null backend (uncached) for tests that are not about caching."""
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")


def run_assume(
    *args: str, env: dict[str, str] | None = None, input: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run the real `assume` (python -m assume) in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "assume", *args],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        input=input,
        timeout=timeout,
        stdin=None if input is not None else subprocess.DEVNULL,
    )


def pytest_report_header(config: pytest.Config) -> str:
    """The versions this run resolved: a fresh machine may get newer ones than a developer's."""
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for name in ("click", "boto3", "botocore", "keyring", "jeepney", "rich", "moto"):
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} missing")
    return "resolved: " + ", ".join(found)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run if any secret access key that moto issued is found in a file on disk."""
    _collect_secrets()
    if not _SECRETS_SEEN:
        return
    # scripts/test gives the suite its own HOME and TMPDIR under ASSUME_TEST_HOME: scan it all.
    # Elsewhere, scan pytest's own temp folder (where each test's HOME lives).
    test_home = os.environ.get("ASSUME_TEST_HOME")
    roots = [Path(test_home)] if test_home else [session.config._tmp_path_factory.getbasetemp()]
    found: list[str] = []
    for root in roots:
        for path in root.rglob("*") if root.is_dir() else []:
            try:
                if not path.is_file() or path.stat().st_size > 5_000_000:
                    continue
                data = path.read_bytes()
            except OSError:
                continue
            if any(secret.encode() in data for secret in _SECRETS_SEEN):
                found.append(str(path))
    if found:
        sys.stderr.write(f"\nSECRET FOUND ON DISK in: {found[:5]}\n")
        session.exitstatus = 1
