"""The main path against moto's STS/IAM server: same account, cross account, chains, errors."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from tests.conftest import run_assume
from tests.support import aws_world
from tests.support.sts_server import StsServer

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("no_keyring")]


def assumed(world: aws_world.World, *args: str) -> dict[str, str]:
    result = run_assume(*args, "--format", "json")
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def caller_arn(world: aws_world.World, creds: dict[str, str]) -> str:
    sts = world.client("sts", key=creds["AccessKeyId"], secret=creds["SecretAccessKey"],
                       token=creds["SessionToken"])
    return str(sts.get_caller_identity()["Arn"])


def test_user_assumes_a_role_in_the_same_account(world: aws_world.World) -> None:
    creds = assumed(world, "Role-A")
    assert caller_arn(world, creds) == "arn:aws:sts::123456789012:assumed-role/Role-A/hop"
    assert creds["Region"] == "us-east-1"


def test_user_assumes_a_role_in_another_account(world: aws_world.World) -> None:
    creds = assumed(world, "cross")
    arn = caller_arn(world, creds)
    assert arn.startswith(f"arn:aws:sts::{aws_world.OTHER_ACCOUNT}:assumed-role/Cross-Role/")
    assert creds["Region"] == "eu-west-1"


def test_account_colon_role_target_reaches_the_other_account(world: aws_world.World) -> None:
    creds = assumed(world, "--profile", "alice", f"{aws_world.OTHER_ACCOUNT}:Cross-Role")
    assert f":{aws_world.OTHER_ACCOUNT}:assumed-role/Cross-Role/" in caller_arn(world, creds)


def test_bare_role_name_is_taken_in_the_callers_account(
    world: aws_world.World, server: StsServer
) -> None:
    aws_world.admin(server.url).create_role(
        RoleName="Worker", AssumeRolePolicyDocument=aws_world.trust(world.user_arn))
    creds = assumed(world, "--profile", "alice", "Worker")
    assert caller_arn(world, creds).startswith("arn:aws:sts::123456789012:assumed-role/Worker/")


def test_role_assumes_role_as_a_chain_of_targets(
    world: aws_world.World, server: StsServer
) -> None:
    creds = assumed(world, "Role-A", world.cross_role)
    assert f":{aws_world.OTHER_ACCOUNT}:assumed-role/Cross-Role/" in caller_arn(world, creds)
    assert server.calls()["AssumeRole"] == 2


def test_role_assumes_role_through_a_source_profile_chain(
    world: aws_world.World, server: StsServer
) -> None:
    server.enforce_policies()  # identity and (moto's) trust checks on every call
    creds = assumed(world, "Role-B")
    assert caller_arn(world, creds).startswith("arn:aws:sts::123456789012:assumed-role/Role-B/")
    assert server.calls()["AssumeRole"] == 2


def test_every_session_parameter_reaches_sts(world: aws_world.World, server: StsServer) -> None:
    creds = assumed(
        world, "Role-A", "--duration", "7200", "--session-name", "ci-job",
        "--external-id", "ext-42", "--policy", '{"Version":"2012-10-17","Statement":[]}',
        "--policy-arn", "arn:aws:iam::aws:policy/ReadOnlyAccess", "--tag", "team=blue",
        "--tag", "env=prod", "--transitive-tag", "team", "--source-identity", "alice",
    )
    sent = server.last("AssumeRole")
    assert sent["RoleArn"] == world.role_a
    assert sent["RoleSessionName"] == "ci-job"
    assert sent["DurationSeconds"] == "7200"
    assert sent["ExternalId"] == "ext-42"
    assert json.loads(sent["Policy"]) == {"Version": "2012-10-17", "Statement": []}
    assert sent["PolicyArns.member.1.arn"] == "arn:aws:iam::aws:policy/ReadOnlyAccess"
    assert {sent["Tags.member.1.Key"], sent["Tags.member.2.Key"]} == {"team", "env"}
    assert sent["TransitiveTagKeys.member.1"] == "team"
    assert sent["SourceIdentity"] == "alice"
    expires = datetime.fromisoformat(creds["Expiration"].replace("Z", "+00:00"))
    left = (expires - datetime.now(timezone.utc)).total_seconds()
    assert 7000 < left <= 7200


def test_mfa_token_starts_an_mfa_session_for_a_user_source(
    world: aws_world.World, server: StsServer
) -> None:
    assumed(world, "Role-A", "--mfa-serial", "arn:aws:iam::123456789012:mfa/alice",
            "--mfa-token", "123456")
    sent = server.last("GetSessionToken")
    assert sent["SerialNumber"] == "arn:aws:iam::123456789012:mfa/alice"
    assert sent["TokenCode"] == "123456"
    assert "TokenCode" not in server.last("AssumeRole")


def test_mfa_without_token_or_terminal_is_a_clear_error(world: aws_world.World) -> None:
    result = run_assume("Role-A", "--mfa-serial", "arn:aws:iam::123456789012:mfa/alice",
                        env={"ASSUME_NO_TTY": "1"})
    assert result.returncode == 1
    assert result.stdout == ""
    assert "MFA code is needed" in result.stderr


def test_access_denied_names_caller_role_and_both_conditions(
    world: aws_world.World, server: StsServer
) -> None:
    iam = aws_world.admin(server.url)
    locked = iam.create_role(RoleName="Locked", AssumeRolePolicyDocument=aws_world.trust(
        "arn:aws:iam::123456789012:user/bob"))["Role"]["Arn"]
    server.enforce_policies()
    result = run_assume("--profile", "alice", locked, "--format", "json")
    assert result.returncode == 1
    assert result.stdout == ""
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1
    assert world.user_arn in line and locked in line
    assert "identity policy allows sts:AssumeRole" in line
    assert "trust policy names the caller" in line


def test_sts_endpoint_comes_from_aws_endpoint_url_sts(
    world: aws_world.World, server: StsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # would fail if used
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", server.url)
    creds = assumed(world, "Role-A")
    assert creds["AccessKeyId"].startswith("ASIA")


def test_unreachable_sts_is_exit_1_with_one_line(
    world: aws_world.World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    result = run_assume("Role-A")
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith("error: Cannot reach STS")
    assert len(result.stderr.strip().splitlines()) == 1


def test_debug_logs_each_hop_and_never_a_secret(world: aws_world.World) -> None:
    result = run_assume("Role-B", "--format", "json", "--debug")
    assert result.returncode == 0
    secret = json.loads(result.stdout)["SecretAccessKey"]
    assert "hop 1/2: AssumeRole " + world.role_a in result.stderr
    assert "hop 2/2: AssumeRole " + world.role_b in result.stderr
    assert "STS endpoint http://127.0.0.1:" in result.stderr
    assert secret not in result.stderr
    assert world.secret_access_key not in result.stderr


def test_chained_clamp_note_through_the_cli(world: aws_world.World, home: object) -> None:
    from pathlib import Path

    config = Path(str(home)) / ".aws" / "config"
    config.write_text(config.read_text() + (
        f"\n[profile long-hop]\nrole_arn = {world.role_b}\nsource_profile = Role-A\n"
        "duration_seconds = 7200\n"))
    result = run_assume("long-hop", "--format", "json", "--no-cache")
    assert result.returncode == 0, result.stderr
    assert "clamped to 3600s" in result.stderr
    over = run_assume("Role-B", "--duration", "7200", "--no-cache")
    assert over.returncode == 2 and over.stdout == ""
    assert "1 hour" in over.stderr


@pytest.mark.parametrize(
    ("command", "code", "message"),
    [
        (["no-such-command-xyz"], 127, "Command not found: no-such-command-xyz."),
        (["/etc/hostname"], 126, "Cannot run /etc/hostname"),
    ],
)
def test_exec_that_cannot_start_uses_the_shells_exit_codes(
    world: aws_world.World, command: list[str], code: int, message: str
) -> None:
    result = run_assume("exec", "Role-A", "--", *command)
    assert result.returncode == code
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {message}")
