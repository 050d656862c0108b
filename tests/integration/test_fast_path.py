"""The cache-hit fast path: a process that arrives while another refreshes the same session
waits for it and answers from the keyring, without starting the full CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import keyring.backends.SecretService
import pytest

from assume.cache import KeyringCache
from assume.config import Request, resolve
from assume.lock import single_flight
from assume.models import Credentials
from tests.support import aws_world

pytestmark = pytest.mark.integration
SECRET_SERVICE = "keyring.backends.SecretService.Keyring"


def test_waiter_answers_with_the_session_another_process_refreshed(
    world: aws_world.World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", SECRET_SERVICE)
    key = resolve(Request(targets=("Role-A",))).cache_keys()[-1]
    sts = world.client("sts")
    raw = sts.assume_role(RoleArn=world.role_a, RoleSessionName="hop")["Credentials"]
    fresh = Credentials(raw["AccessKeyId"], raw["SecretAccessKey"], raw["SessionToken"],
                        raw["Expiration"], 3600)
    with single_flight(key):  # this test is "the other process", mid-refresh
        waiter = subprocess.Popen(
            [sys.executable, "-X", "importtime", "-m", "assume", "Role-A",
             "--format", "credential-process"],
            env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        time.sleep(2)
        assert waiter.poll() is None, "the waiter should wait for the lock holder"
        KeyringCache(keyring.backends.SecretService.Keyring()).put(key, fresh, {"role": "x"})
    out, err = waiter.communicate(timeout=60)
    assert waiter.returncode == 0, err[-2000:]
    assert json.loads(out)["AccessKeyId"] == fresh.access_key_id
    imported = {line.split("|")[-1].strip() for line in err.splitlines() if "|" in line}
    assert "click" not in imported and "boto3" not in imported


def run_console(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "assume", *args], env=dict(os.environ),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_chain_waits_for_another_process_refreshing_its_earlier_hop(
    world: aws_world.World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fast lane holds Role-B's lock; the full path then needs Role-A's, which another
    process holds: it must wait for it, not deadlock."""
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", SECRET_SERVICE)
    role_a_key = resolve(Request(targets=("Role-A",))).cache_keys()[-1]
    with single_flight(role_a_key):
        chained = run_console("Role-B", "--format", "json")
        time.sleep(2)
        assert chained.poll() is None, "Role-B needs Role-A, whose refresh is under way"
        same_chain = run_console("Role-B", "--format", "json")
    out, err = chained.communicate(timeout=60)
    assert chained.returncode == 0, err[-2000:]
    again, err = same_chain.communicate(timeout=60)
    assert same_chain.returncode == 0, err[-2000:]
    assert json.loads(again) == json.loads(out)  # the second one read the first one's session


@pytest.mark.parametrize("targets", [("Role-A",), ("Role-B",)])
def test_parallel_cold_callers_of_overlapping_chains_make_one_call_per_hop(
    world: aws_world.World, monkeypatch: pytest.MonkeyPatch, server: object,
    targets: tuple[str, ...],
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", SECRET_SERVICE)
    callers = [run_console(*(("Role-A",) if i % 2 else targets), "--format", "json")
               for i in range(12)]
    for caller in callers:
        _, err = caller.communicate(timeout=120)
        assert caller.returncode == 0, err[-2000:]
    expected = 2 if targets == ("Role-B",) else 1
    assert server.calls().get("AssumeRole", 0) == expected  # type: ignore[attr-defined]
