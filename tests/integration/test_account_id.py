"""The account id beside the credentials, through the real consumers: boto3 reads
`AccountId` from credential_process and `AWS_ACCOUNT_ID` from the environment, the AWS CLI
accepts both, and the cache (fast lane included) and the Python API keep it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

import assume
from tests.conftest import run_assume
from tests.integration.test_credential_process import process_command
from tests.support import aws_world
from tests.support.tools import aws_cli

pytestmark = pytest.mark.integration

OTHER = aws_world.OTHER_ACCOUNT
SECRET_SERVICE = "keyring.backends.SecretService.Keyring"
# A child that reports what boto3 made of its environment, and the variable itself.
BOTO3_REPORT = (
    "import boto3, json, os; c = boto3.Session().get_credentials(); "
    "print(json.dumps({'account_id': c.account_id, 'env': os.environ.get('AWS_ACCOUNT_ID')}))"
)


@pytest.fixture
def process_profile(world: aws_world.World, home: Path) -> aws_world.World:
    aws_world.write_config(
        home, world,
        f"[profile via-assume-cross]\ncredential_process = {process_command('cross')}\n"
        "region = eu-west-1\n",
    )
    return world


@pytest.mark.usefixtures("no_keyring")
def test_boto3_exposes_the_account_id_of_a_credential_process_profile(
    process_profile: aws_world.World,
) -> None:
    credentials = boto3.Session(profile_name="via-assume-cross").get_credentials()
    assert credentials.get_frozen_credentials().account_id == OTHER
    assert credentials.account_id == OTHER


@pytest.mark.usefixtures("no_keyring")
def test_aws_cli_accepts_credential_process_output_with_account_id(
    process_profile: aws_world.World,
) -> None:
    result = subprocess.run(
        [aws_cli(), "sts", "get-caller-identity", "--profile", "via-assume-cross",
         "--output", "json", "--endpoint-url", process_profile.endpoint],
        env={**os.environ, "AWS_PAGER": ""},
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["Account"] == OTHER


@pytest.mark.usefixtures("no_keyring")
def test_exec_gives_boto3_the_account_id_in_the_environment(world: aws_world.World) -> None:
    result = run_assume("exec", "cross", "--", sys.executable, "-c", BOTO3_REPORT)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"account_id": OTHER, "env": OTHER}


@pytest.mark.usefixtures("no_keyring")
def test_exec_server_endpoint_gives_boto3_the_account_id(world: aws_world.World) -> None:
    result = run_assume("exec", "--server", "cross", "--", sys.executable, "-c", BOTO3_REPORT)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"account_id": OTHER, "env": None}


@pytest.mark.usefixtures("no_keyring")
def test_aws_cli_accepts_the_evaluated_shell_lines_with_aws_account_id(
    world: aws_world.World,
) -> None:
    script = (f'eval "$("$PY" -m assume cross --format sh)" && test "$AWS_ACCOUNT_ID" = {OTHER} '
              f'&& "$AWS" sts get-caller-identity --output json --endpoint-url "$EP"')
    result = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", script],
        env={**os.environ, "PY": sys.executable, "AWS": aws_cli(), "EP": world.endpoint,
             "AWS_PAGER": ""},
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["Account"] == OTHER


@pytest.mark.usefixtures("no_keyring")
def test_json_and_dotenv_carry_the_account(world: aws_world.World) -> None:
    result = run_assume("cross", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["AccountId"] == OTHER
    dotenv = run_assume("Role-A", "--format", "dotenv")
    assert f"AWS_ACCOUNT_ID={aws_world.MAIN_ACCOUNT}" in dotenv.stdout.splitlines()


def test_fast_lane_prints_the_cached_account_id(
    world: aws_world.World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", SECRET_SERVICE)
    first = run_assume("cross", "--format", "credential-process", "--refresh")
    assert first.returncode == 0, first.stderr
    fast = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "assume", "cross",
         "--format", "credential-process"],
        env=dict(os.environ), capture_output=True, text=True, timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert fast.returncode == 0, fast.stderr[-2000:]
    imported = {line.split("|")[-1].strip() for line in fast.stderr.splitlines() if "|" in line}
    assert "boto3" not in imported and "click" not in imported  # served by the fast lane
    document = json.loads(fast.stdout)
    assert document["AccessKeyId"] == json.loads(first.stdout)["AccessKeyId"]
    assert document["AccountId"] == OTHER


@pytest.mark.usefixtures("no_keyring")
def test_python_api_has_the_account_id(world: aws_world.World) -> None:
    assert assume.credentials("cross").account_id == OTHER
    session = assume.session("Role-A", "cross")
    assert session.get_credentials().account_id == OTHER
