"""MFA: one GetSessionToken serves every role sharing a device; parallel callers prompt once."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pexpect
import pytest

from tests.conftest import run_assume
from tests.support import aws_world
from tests.support.sts_server import StsServer

pytestmark = pytest.mark.integration
SERIAL = "arn:aws:iam::123456789012:mfa/alice"


@pytest.fixture
def mfa_world(world: aws_world.World, home: Path) -> aws_world.World:
    with (home / ".aws" / "config").open("a") as config:
        config.write(
            f"\n[profile mfa-a]\nrole_arn = {world.role_a}\nsource_profile = alice\n"
            f"mfa_serial = {SERIAL}\n\n"
            f"[profile mfa-b]\nrole_arn = {world.cross_role}\nsource_profile = alice\n"
            f"mfa_serial = {SERIAL}\n\n"
            f"[profile mfa-chained]\nrole_arn = {world.role_b}\nsource_profile = Role-A\n"
            f"mfa_serial = {SERIAL}\n\n"
            f"[profile mfa-process]\nrole_arn = {world.role_a}\nsource_profile = alice\n"
            f"mfa_serial = arn:aws:iam::123456789012:mfa/robot\n"
            f"mfa_process = {sys.executable} -c \"print('654321')\"\n"
        )
    return world


def test_one_mfa_session_serves_two_roles(mfa_world: aws_world.World, server: StsServer) -> None:
    first = run_assume("mfa-a", "--mfa-token", "123456", "--format", "json")
    assert first.returncode == 0, first.stderr
    assert server.calls().get("GetSessionToken") == 1
    sent = server.last("GetSessionToken")
    assert sent["SerialNumber"] == SERIAL and sent["TokenCode"] == "123456"
    assert sent["DurationSeconds"] == "43200"
    assert "SerialNumber" not in server.last("AssumeRole")  # the session carries the MFA

    second = run_assume("mfa-b", "--format", "json", env={"ASSUME_NO_TTY": "1"})
    assert second.returncode == 0, second.stderr  # no code asked: the session is cached
    assert server.calls() == {"GetSessionToken": 1, "AssumeRole": 2}
    creds = json.loads(second.stdout)
    sts = mfa_world.client("sts", key=creds["AccessKeyId"], secret=creds["SecretAccessKey"],
                           token=creds["SessionToken"])
    assert f":{aws_world.OTHER_ACCOUNT}:assumed-role/Cross-Role/" in sts.get_caller_identity()[
        "Arn"]


def test_mfa_on_a_chained_hop_goes_on_assume_role_with_a_note(
    mfa_world: aws_world.World, server: StsServer
) -> None:
    result = run_assume("mfa-chained", "--mfa-token", "123456", "--format", "json",
                        "--no-cache")
    assert result.returncode == 0, result.stderr
    assert "GetSessionToken" not in server.calls()
    assert server.last("AssumeRole")["SerialNumber"] == SERIAL
    assert "note: MFA on the AssumeRole call for mfa-chained: its source is a role session" \
        in result.stderr


def test_mfa_process_supplies_the_code(mfa_world: aws_world.World, server: StsServer) -> None:
    result = run_assume("mfa-process", "--format", "json", "--no-cache")
    assert result.returncode == 0, result.stderr
    assert server.last("GetSessionToken")["TokenCode"] == "654321"


def test_no_code_and_no_terminal_is_a_clear_error(mfa_world: aws_world.World) -> None:
    result = run_assume("mfa-a", "--no-cache", env={"ASSUME_NO_TTY": "1"})
    assert result.returncode == 1 and result.stdout == ""
    assert "MFA code is needed" in result.stderr and "--mfa-token" in result.stderr


def test_parallel_callers_prompt_once_on_the_terminal(
    mfa_world: aws_world.World, server: StsServer
) -> None:
    env = {**os.environ}
    children = [
        pexpect.spawn(sys.executable, ["-m", "assume", "mfa-a", "--format", "json"],
                      env=env, encoding="utf-8", timeout=60)
        for _ in range(3)
    ]
    prompted: list[pexpect.spawn] = []
    deadline = time.monotonic() + 60
    while not prompted and time.monotonic() < deadline:
        for child in children:
            try:
                child.expect("MFA code for " + SERIAL, timeout=0.2)
                prompted.append(child)
            except pexpect.TIMEOUT:
                continue
    assert len(prompted) == 1
    prompted[0].sendline("123456")
    outputs = []
    for child in children:
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 0, child.before
        text = child.before
        outputs.append(json.loads(text[text.index("{"):])["AccessKeyId"])
        if child is not prompted[0]:
            assert "MFA code" not in text  # the others waited for the session
    assert len(set(outputs)) == 1
    assert server.calls() == {"GetSessionToken": 1, "AssumeRole": 1}
