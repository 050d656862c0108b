"""A hung STS (accepts, never answers) costs a bounded time, and waiters on the single-flight
lock give up no later than the process that holds it."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from tests.conftest import run_assume
from tests.integration.test_keyring_cache import key_of, lock_is_held, wait_until
from tests.support import aws_world
from tests.support.black_hole import black_hole

pytestmark = pytest.mark.integration

BOUND = 40  # seconds: "about 30 s" with room for a loaded machine


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr and "unexpected" not in result.stderr
    return lines[0]


def test_hung_sts_fails_within_the_budget_with_one_line(
    world: aws_world.World, no_keyring: None
) -> None:
    with black_hole() as hole:
        started = time.monotonic()
        result = run_assume("Role-A", "--format", "json",
                            env={"AWS_ENDPOINT_URL_STS": hole.url}, timeout=200)
        elapsed = time.monotonic() - started
        tries = len(hole.connections)
    line = one_error_line(result)
    assert "STS" in line and "answer" in line, line
    assert elapsed < BOUND, f"took {elapsed:.0f}s"
    assert tries == 2, f"{tries} tries: the retry budget is one retry"


def test_waiter_on_the_lock_gives_up_no_later_than_the_hung_holder(
    world: aws_world.World, no_keyring: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    with black_hole() as hole:
        monkeypatch.setenv("AWS_ENDPOINT_URL_STS", hole.url)  # part of the cache key
        key = key_of("Role-A")
        command = [sys.executable, "-m", "assume", "Role-A", "--format", "json"]
        env = dict(os.environ)

        def start() -> subprocess.Popen[str]:
            return subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)

        started = time.monotonic()
        holder = start()
        wait_until(lambda: lock_is_held(key), 60, "the first assume holds the lock")
        waiter = start()
        ends = []
        results = []
        for process in (holder, waiter):
            out, err = process.communicate(timeout=300)
            ends.append(time.monotonic() - started)
            results.append(subprocess.CompletedProcess(command, process.returncode, out, err))
        tries = len(hole.connections)
    for result in results:
        one_error_line(result)
    holder_end, waiter_end = ends
    assert holder_end < BOUND, f"the holder took {holder_end:.0f}s"
    assert waiter_end < holder_end + 5, f"the waiter gave up at {waiter_end:.0f}s"
    assert tries == 2, f"{tries} tries: the waiter must not try the hung STS again"
