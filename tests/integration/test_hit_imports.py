"""What a cache hit may import: `credential_process` runs it on every `aws` command, so a new
heavy import must fail a test, not just slow a benchmark nobody runs."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import run_assume
from tests.support import aws_world
from tests.support.sts_server import StsServer
from tests.support.tools import console_script

pytestmark = pytest.mark.integration

# Top-level modules a hit may import beyond what the interpreter itself loads at start-up.
ALLOWED = frozenset({
    "assume", "__future__",
    "json", "_json",  # the cache entry
    "_sha2", "_sha256",  # cache keys (the bare C hash, without OpenSSL)
    "configparser", "re", "_sre", "sre_compile", "sre_parse", "sre_constants",  # the config
    "enum", "functools", "_functools", "operator", "_operator", "keyword", "reprlib",
    "collections", "_collections", "itertools", "copyreg", "types", "warnings",
    "datetime", "_datetime",  # expiry
    "_socket", "struct", "_struct",  # the D-Bus socket (the C module: socket.py is heavier)
    "math",
})


def imported_top_level(importtime_stderr: str) -> set[str]:
    """Top-level module names from `python -X importtime` output."""
    return {line.rsplit("|", 1)[1].strip().split(".")[0]
            for line in importtime_stderr.splitlines()
            if line.startswith("import time:") and "|" in line}


def importtime(*args: str) -> set[str]:
    """Run python -X importtime ARGS as `eval "$(...)"` does: inside bash's $(...), so the
    parent is a shell, as it is for a user."""
    script = 'out="$("$@")"; printf %s "$out"'
    run = subprocess.run(["bash", "-c", script, "bash", sys.executable, "-X", "importtime", *args],
                         capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60)
    assert run.returncode == 0, run.stderr[-2000:]
    return imported_top_level(run.stderr)


@pytest.mark.parametrize("format_args", [["--format", "credential-process"], []])
def test_a_cache_hit_imports_only_what_it_must(
    world: aws_world.World, server: StsServer, format_args: list[str]
) -> None:
    first = run_assume("Role-A", *format_args)
    assert first.returncode == 0, first.stderr
    baseline = importtime("-c", "pass")
    hit = importtime(str(console_script()), "Role-A", *format_args)
    assert "assume" in hit, "importtime output was not parsed"
    extra = sorted(hit - baseline - ALLOWED)
    print("hit imports beyond start-up:", sorted(hit - baseline))
    assert extra == []
    assert server.calls().get("AssumeRole", 0) == 1
