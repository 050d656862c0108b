"""`assume --format credential-process` as the credential_process of a profile, consumed by
boto3 and by the real AWS CLI, uncached and through the real keyring."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import boto3
import botocore.exceptions
import pytest

from tests.support import aws_world
from tests.support.sts_server import StsServer
from tests.support.tools import aws_cli

pytestmark = pytest.mark.integration

ROLE_A_ARN = "arn:aws:sts::123456789012:assumed-role/Role-A/hop"
CROSS_ARN_PREFIX = f"arn:aws:sts::{aws_world.OTHER_ACCOUNT}:assumed-role/Cross-Role/"


def process_command(*targets: str) -> str:
    """The credential_process line, quoted as botocore splits it (POSIX shell words)."""
    words = [sys.executable, "-m", "assume", *targets, "--format", "credential-process"]
    return " ".join(shlex.quote(word) for word in words)


def add_profiles(home: Path, world: aws_world.World) -> None:
    aws_world.write_config(
        home, world,
        "[profile via-assume]\n"
        f"credential_process = {process_command('Role-A')}\n"
        "region = us-east-1\n\n"
        "[profile via-assume-cross]\n"
        f"credential_process = {process_command('cross')}\n"
        "region = eu-west-1\n\n"
        "[profile via-assume-broken]\n"
        f"credential_process = {process_command('no-such-profile', '--profile', 'nobody')}\n"
        "region = us-east-1\n",
    )


@pytest.fixture(params=["uncached", "keyring"])
def cache_mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each consumer runs twice: with keyring's null backend (the `no_keyring` fixture) and
    with the real gnome-keyring the suite runs under. The Secret Service backend is named
    explicitly: keyring's discovery returns a chain with a plaintext fallback when
    keyrings.alt is installed, and `assume` refuses such a chain."""
    if request.param == "uncached":
        request.getfixturevalue("no_keyring")
    else:
        monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.SecretService.Keyring")
    return str(request.param)


@pytest.fixture
def profiles(world: aws_world.World, home: Path) -> aws_world.World:
    add_profiles(home, world)
    return world


def boto3_identity(world: aws_world.World, profile: str) -> tuple[dict[str, str], str]:
    """GetCallerIdentity through a fresh boto3 session (so a fresh credential_process run);
    also returns the access key id the session was given."""
    session = boto3.Session(profile_name=profile)
    identity = session.client("sts", endpoint_url=world.endpoint).get_caller_identity()
    frozen = session.get_credentials().get_frozen_credentials()
    return dict(identity), frozen.access_key


def cli_identity(world: aws_world.World, profile: str) -> dict[str, str]:
    """`aws sts get-caller-identity` with the profile; AWS_ENDPOINT_URL reaches the
    credential_process child, --endpoint-url the CLI itself (older CLIs ignore the variable)."""
    result = subprocess.run(
        [aws_cli(), "sts", "get-caller-identity", "--profile", profile, "--output", "json",
         "--endpoint-url", world.endpoint],
        env={**os.environ, "AWS_ENDPOINT_URL": world.endpoint, "AWS_PAGER": ""},
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def expected_assume_calls(cache_mode: str, runs: int) -> int:
    return 1 if cache_mode == "keyring" else runs


# --- boto3 ---------------------------------------------------------------------------------


def test_boto3_profile_with_credential_process_becomes_role_a(
    profiles: aws_world.World, server: StsServer, cache_mode: str
) -> None:
    identity, key = boto3_identity(profiles, "via-assume")
    assert identity["Arn"] == ROLE_A_ARN
    assert identity["Account"] == "123456789012"
    assert key.startswith("ASIA")
    assert server.calls()["AssumeRole"] == 1


def test_boto3_reads_the_expiration_of_the_credential_process_document(
    profiles: aws_world.World, cache_mode: str
) -> None:
    session = boto3.Session(profile_name="via-assume")
    credentials = session.get_credentials()
    credentials.get_frozen_credentials()  # runs the process
    expiry = credentials._expiry_time  # botocore keeps the parsed `Expiration` here
    assert expiry.tzinfo is not None
    left = expiry - datetime.now(timezone.utc)
    assert timedelta(minutes=50) < left <= timedelta(hours=1)
    assert not credentials.refresh_needed()


def test_boto3_second_session_is_served_from_the_keyring_cache(
    profiles: aws_world.World, server: StsServer, cache_mode: str
) -> None:
    first, first_key = boto3_identity(profiles, "via-assume")
    second, second_key = boto3_identity(profiles, "via-assume")
    assert first["Arn"] == second["Arn"] == ROLE_A_ARN
    assert server.calls()["GetCallerIdentity"] == 2
    assert server.calls()["AssumeRole"] == expected_assume_calls(cache_mode, 2)
    assert (first_key == second_key) is (cache_mode == "keyring")


def test_boto3_cross_account_credential_process_reports_the_other_account(
    profiles: aws_world.World, server: StsServer, cache_mode: str
) -> None:
    identity, _ = boto3_identity(profiles, "via-assume-cross")
    assert identity["Account"] == aws_world.OTHER_ACCOUNT
    assert identity["Arn"].startswith(CROSS_ARN_PREFIX)
    boto3_identity(profiles, "via-assume-cross")
    assert server.calls()["AssumeRole"] == expected_assume_calls(cache_mode, 2)


@pytest.mark.usefixtures("no_keyring")
def test_boto3_reports_the_one_line_error_of_a_failing_credential_process(
    profiles: aws_world.World, server: StsServer
) -> None:
    with pytest.raises(botocore.exceptions.CredentialRetrievalError) as raised:
        boto3_identity(profiles, "via-assume-broken")
    message = str(raised.value)
    assert "error:" in message
    assert "nobody" in message
    assert "Traceback" not in message
    assert server.calls().get("AssumeRole", 0) == 0


# --- the AWS CLI ---------------------------------------------------------------------------


def test_aws_cli_profile_with_credential_process_becomes_role_a(
    profiles: aws_world.World, server: StsServer, cache_mode: str
) -> None:
    identity = cli_identity(profiles, "via-assume")
    assert identity["Arn"] == ROLE_A_ARN
    assert identity["Account"] == "123456789012"
    assert server.calls()["AssumeRole"] == 1


def test_aws_cli_second_command_is_served_from_the_keyring_cache(
    profiles: aws_world.World, server: StsServer, cache_mode: str
) -> None:
    assert cli_identity(profiles, "via-assume")["Arn"] == ROLE_A_ARN
    assert cli_identity(profiles, "via-assume")["Arn"] == ROLE_A_ARN
    assert server.calls()["GetCallerIdentity"] == 2
    assert server.calls()["AssumeRole"] == expected_assume_calls(cache_mode, 2)


def test_aws_cli_cross_account_credential_process_reports_the_other_account(
    profiles: aws_world.World, server: StsServer, cache_mode: str
) -> None:
    identity = cli_identity(profiles, "via-assume-cross")
    assert identity["Account"] == aws_world.OTHER_ACCOUNT
    assert identity["Arn"].startswith(CROSS_ARN_PREFIX)
    assert server.calls()["AssumeRole"] == 1


def test_boto3_and_aws_cli_share_one_cached_session(
    profiles: aws_world.World, server: StsServer, cache_mode: str
) -> None:
    _, key = boto3_identity(profiles, "via-assume")
    assert cli_identity(profiles, "via-assume")["Arn"] == ROLE_A_ARN
    _, again = boto3_identity(profiles, "via-assume")
    assert server.calls()["AssumeRole"] == expected_assume_calls(cache_mode, 3)
    assert (key == again) is (cache_mode == "keyring")
