"""What a cache hit may import: `credential_process` runs it on every `aws` command, so a new
heavy import must fail a test, not just slow a benchmark nobody runs."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import run_assume
from tests.support import aws_world
from tests.support.sts_server import StsServer

pytestmark = pytest.mark.integration

# Top-level modules a hit may import beyond what the interpreter itself loads at start-up.
ALLOWED = frozenset({
    "assume",  # the package and its hit-path modules
    "json", "_json",  # the cache entry
    "_sha2", "_sha256",  # cache keys
    "configparser", "re", "_sre", "enum", "functools", "operator", "keyword", "reprlib",
    "collections", "itertools", "copyreg", "types", "_functools", "_collections",
    "_operator", "_weakrefset", "_locale",  # configparser and what it needs
    "socket", "_socket", "select", "math", "array", "_struct", "struct", "errno",
    "selectors",  # the D-Bus socket
    "binascii",  # D-Bus auth (hex uid)
    "fcntl", "_contextvars", "contextvars",
    "jeepney",
    "_datetime", "datetime", "time", "calendar", "_strptime",
    "sre_compile", "sre_parse", "sre_constants",
    "warnings", "weakref", "_weakref", "_thread", "threading", "atexit",
    "_io", "io", "abc", "_abc", "codecs", "encodings", "stat", "_stat", "posixpath",
    "genericpath", "os", "posix", "sys", "builtins", "marshal", "_signal", "zipimport",
})


def imported_top_level(importtime_stderr: str) -> set[str]:
    """Top-level module names from `python -X importtime` output."""
    return {line.rsplit("|", 1)[1].strip().split(".")[0]
            for line in importtime_stderr.splitlines()
            if line.startswith("import time:") and "|" in line}


def importtime(*args: str) -> set[str]:
    run = subprocess.run([sys.executable, "-X", "importtime", *args], capture_output=True,
                         text=True, stdin=subprocess.DEVNULL, timeout=60)
    assert run.returncode == 0, run.stderr[-2000:]
    return imported_top_level(run.stderr)


def test_a_cache_hit_imports_only_what_it_must(world: aws_world.World, server: StsServer) -> None:
    first = run_assume("Role-A", "--format", "credential-process")
    assert first.returncode == 0, first.stderr
    baseline = importtime("-c", "pass")
    hit = importtime("-m", "assume", "Role-A", "--format", "credential-process")
    assert "assume" in hit, "importtime output was not parsed"
    extra = sorted(hit - baseline - ALLOWED)
    print("hit imports beyond start-up:", sorted(hit - baseline))
    assert extra == []
