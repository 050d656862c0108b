"""`assume configure`: a credential_process profile written into a real config, then used by
boto3 and the AWS CLI against moto's STS; every other byte of the file stays."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from assume.aws_config_writer import MARKER
from assume.cli import main
from tests.conftest import run_assume
from tests.support import aws_world
from tests.support.tools import aws_cli, console_script, shell_environment

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("no_keyring")]

ROLE_A_ARN = "arn:aws:sts::123456789012:assumed-role/Role-A/hop"
EXTRA = """\
# work accounts; keep me
[profile plain]
region = eu-central-1   ; not an inline comment for configparser
s3 =
    addressing_style = path

; the SSO part
[sso-session corp]
sso_start_url = https://example.awsapps.com/start
"""


@pytest.fixture
def config(world: aws_world.World, home: Path) -> Path:
    """The world's config with comments, a nested value and a non-profile section added."""
    return aws_world.write_config(home, world, EXTRA)


def boto3_arn(profile: str) -> str:
    """GetCallerIdentity through a fresh boto3 session (AWS_ENDPOINT_URL points at moto)."""
    client = boto3.Session(profile_name=profile).client("sts", region_name="us-east-1")
    return str(client.get_caller_identity()["Arn"])


def cli_arn(world: aws_world.World, profile: str) -> str:
    """`aws sts get-caller-identity --profile PROFILE`: Debian's AWS CLI, else the one on PATH.
    AWS_ENDPOINT_URL reaches the credential_process child, --endpoint-url the CLI itself."""
    result = subprocess.run(
        [aws_cli(), "sts", "get-caller-identity", "--profile", profile, "--output", "json",
         "--endpoint-url", world.endpoint, "--region", "us-east-1"],
        env={**os.environ, "AWS_PAGER": ""}, capture_output=True, text=True, timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    return str(json.loads(result.stdout)["Arn"])


def written_block(profile: str, command: list[str], region: str = "us-east-1") -> str:
    return (f"\n[profile {profile}]\n"
            f"{MARKER}; `assume configure --remove --profile {profile}` removes it\n"
            f"credential_process = {shlex.join(command)}\n"
            f"region = {region}\n")


def cli_arn_with_the_profiles_region(world: aws_world.World, profile: str) -> str:
    """`aws sts get-caller-identity --profile PROFILE` with no --region and no region variable:
    the region must come from the profile itself."""
    assert not {"AWS_REGION", "AWS_DEFAULT_REGION"} & set(os.environ)
    result = subprocess.run(
        [aws_cli(), "sts", "get-caller-identity", "--profile", profile, "--output", "json",
         "--endpoint-url", world.endpoint],
        env={**os.environ, "AWS_PAGER": ""}, capture_output=True, text=True, timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    return str(json.loads(result.stdout)["Arn"])


def test_boto3_reaches_the_role_through_the_new_profile_and_nothing_else_changed(
    config: Path,
) -> None:
    before = config.read_bytes()
    result = run_assume("configure", "Role-A", "--profile", "role-a")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    command = [sys.executable, "-m", "assume", "Role-A", "--format", "credential-process"]
    assert config.read_bytes() == before + written_block("role-a", command).encode()
    assert boto3_arn("role-a") == ROLE_A_ARN


def test_the_aws_cli_reaches_the_role_through_the_console_script(
    world: aws_world.World, config: Path,
) -> None:
    script = console_script()
    result = subprocess.run([str(script), "configure", "Role-A", "cross", "--profile", "hop"],
                            env=shell_environment(), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert f"credential_process = {script} Role-A cross --format credential-process\n" \
        in config.read_text()
    arn = cli_arn(world, "hop")
    assert arn.startswith(f"arn:aws:sts::{aws_world.OTHER_ACCOUNT}:assumed-role/Cross-Role/")


def test_a_role_arn_target_needs_a_named_source(world: aws_world.World, config: Path) -> None:
    before = config.read_bytes()
    refused = run_assume("configure", world.role_a, "--profile", "by-arn")
    assert refused.returncode == 2
    assert refused.stderr.startswith("error: ") and refused.stderr.count("\n") == 1
    assert "--source-profile" in refused.stderr
    assert config.read_bytes() == before
    done = run_assume("configure", world.role_a, "--source-profile", "alice", "--profile", "by-arn")
    assert done.returncode == 0, done.stderr
    assert boto3_arn("by-arn").startswith("arn:aws:sts::123456789012:assumed-role/Role-A/")


def test_running_again_updates_only_that_profile(config: Path) -> None:
    assert run_assume("configure", "Role-A", "--profile", "role-a").returncode == 0
    with config.open("a") as handle:
        handle.write("\n[profile after]\nregion = us-west-2\n")
    before = config.read_text()
    result = run_assume("configure", "cross", "--profile", "role-a")
    assert result.returncode == 0, result.stderr
    assert config.read_text() == before.replace(
        " -m assume Role-A --format", " -m assume cross --format"
    )
    assert boto3_arn("role-a").startswith(
        f"arn:aws:sts::{aws_world.OTHER_ACCOUNT}:assumed-role/Cross-Role/"
    )


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["Role-A", "--profile", "Role-B"], "was not written by assume"),
        (["Role-A", "--profile", "plain"], "was not written by assume"),
        (["Role-B", "--profile", "Role-A", "--force"], "would call itself"),
        (["Role-A", "--profile", "Role-A", "--force"], "its own TARGETs"),
        (["12345:Role-A", "--profile", "x"], "12 digits"),
        (["no-such-profile", "Role-A", "--profile", "x"], "source"),
        (["Role-A", "--profile", "two words"], "cannot be a profile name"),
        (["Role-A"], "Missing option '--profile'"),
        (["--profile", "x"], "No TARGET"),
        (["--remove", "--profile", "Role-A"], "was not written by assume"),
        (["--remove", "--profile", "nobody"], "No profile 'nobody'"),
        (["--remove", "Role-A", "--profile", "x"], "takes no TARGET"),
    ],
)
def test_refusals_are_one_line_exit_2_and_leave_the_file_untouched(
    config: Path, args: list[str], says: str
) -> None:
    before = config.read_bytes()
    result = run_assume("configure", *args)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert says in result.stderr
    assert config.read_bytes() == before


def test_force_replaces_a_profile_assume_did_not_write(config: Path) -> None:
    result = run_assume("configure", "Role-A", "--profile", "cross", "--force")
    assert result.returncode == 0, result.stderr
    assert boto3_arn("cross") == ROLE_A_ARN
    assert config.read_text().endswith(EXTRA)  # the sections after it are as they were


def test_remove_takes_the_profile_out_again(config: Path) -> None:
    before = config.read_bytes()
    assert run_assume("configure", "Role-A", "--profile", "role-a").returncode == 0
    result = run_assume("configure", "--remove", "--profile", "role-a")
    assert (result.returncode, result.stdout) == (0, ""), result.stderr
    assert config.read_bytes() == before
    forced = run_assume("configure", "--remove", "--profile", "plain", "--force")
    assert forced.returncode == 0, forced.stderr
    assert "[profile plain]" not in config.read_text()
    assert "# work accounts; keep me\n" in config.read_text()


def test_a_crash_mid_write_is_one_error_line_and_the_old_file_stays(
    config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = config.read_bytes()

    def crash(*args: object) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(SystemExit) as exited:
        main(["configure", "Role-A", "--profile", "role-a"])
    assert exited.value.code == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (f"error: Cannot write {config}: Input/output error. "
                   "It was left as it was.\n")
    assert config.read_bytes() == before
    assert sorted(path.name for path in config.parent.iterdir()) == ["config", "credentials"]


def test_the_profile_carries_the_chains_region_so_clients_need_none(
    world: aws_world.World, config: Path,
) -> None:
    for target, profile in (("Role-A", "role-a"), ("cross", "far")):
        result = run_assume("configure", target, "--profile", profile)
        assert result.returncode == 0, result.stderr
    assert "  region = us-east-1\n" in run_assume("configure", "Role-A", "--profile", "r2").stderr
    session = boto3.Session(profile_name="role-a")  # AWS_REGION is not set: the profile's
    assert session.region_name == "us-east-1"
    assert session.client("sts").get_caller_identity()["Arn"] == ROLE_A_ARN
    assert boto3.Session(profile_name="far").region_name == "eu-west-1"  # cross's own region
    assert cli_arn_with_the_profiles_region(world, "role-a") == ROLE_A_ARN
    assert cli_arn_with_the_profiles_region(world, "far").startswith(
        f"arn:aws:sts::{aws_world.OTHER_ACCOUNT}:assumed-role/Cross-Role/")


def test_region_and_no_region_choose_what_is_written(config: Path) -> None:
    chosen = run_assume("configure", "Role-A", "--profile", "r", "--region", "ap-south-1")
    assert chosen.returncode == 0, chosen.stderr
    assert boto3.Session(profile_name="r").region_name == "ap-south-1"
    again = run_assume("configure", "Role-A", "--profile", "r")  # a region already there stays
    assert "is up to date" in again.stderr
    assert boto3.Session(profile_name="r").region_name == "ap-south-1"
    none = run_assume("configure", "Role-A", "--profile", "n", "--no-region")
    assert none.returncode == 0, none.stderr
    assert "no region" in none.stderr
    assert boto3.Session(profile_name="n").region_name is None
    for bad, says in ((["--region", "eu-west-1", "--no-region"], "not both"),
                      (["--region", "eu west"], "Invalid region")):
        refused = run_assume("configure", "Role-A", "--profile", "x", *bad)
        assert (refused.returncode, refused.stdout) == (2, ""), refused.stderr
        assert refused.stderr.count("\n") == 1 and says in refused.stderr
    assert "[profile x]" not in config.read_text()


def test_a_chain_with_no_region_anywhere_says_how_to_add_one(
    world: aws_world.World, home: Path,
) -> None:
    config = aws_world.write_config(home, world)
    config.write_text(config.read_text().replace("region = us-east-1\n", "")
                      .replace("region = eu-west-1\n", ""))
    result = run_assume("configure", "Role-A", "--profile", "role-a")
    assert result.returncode == 0, result.stderr
    assert "no region" in result.stderr and "--region" in result.stderr
    assert "region =" not in config.read_text()


def test_configure_names_the_profile_a_mistyped_target_may_mean(config: Path) -> None:
    refused = run_assume("configure", "Rol-A", "--profile", "x")
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1
    assert "did you mean 'Role-A'?" in refused.stderr
    done = run_assume("configure", "Rol-A", "--source-profile", "alice", "--profile", "x")
    assert done.returncode == 0, done.stderr
    assert "note: no profile 'Rol-A'; using it as a role name" in done.stderr
