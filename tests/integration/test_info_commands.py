"""`assume whoami` and `assume list` against moto's server: JSON, plain (piped) and terminal."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from assume.commands.info_cmd import WHOAMI_KEYS, parse_arn
from tests.conftest import run_assume
from tests.support import aws_world
from tests.support.sts_server import StsServer
from tests.support.tools import run_with_a_terminal

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("no_keyring")]

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
ROLE_A_SESSION_ARN = f"arn:aws:sts::{aws_world.MAIN_ACCOUNT}:assumed-role/Role-A/hop"


def role_a_env() -> dict[str, str]:
    """The variables `eval "$(assume Role-A)"` would set, passed on in memory only."""
    result = run_assume("Role-A", "--format", "json")
    assert result.returncode == 0, result.stderr
    creds = json.loads(result.stdout)
    return {
        "AWS_ACCESS_KEY_ID": creds["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
        "AWS_SESSION_TOKEN": creds["SessionToken"],
        "AWS_CREDENTIAL_EXPIRATION": creds["Expiration"],
    }


def whoami_json(*args: str, env: dict[str, str] | None = None) -> dict[str, object]:
    result = run_assume("whoami", *args, "--json", env=env)
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def plain_pairs(stdout: str) -> dict[str, str]:
    """`key<TAB>value` lines as a dict; every line must have exactly one tab."""
    assert not ANSI.search(stdout)
    lines = stdout.splitlines()
    assert lines and all(line.count("\t") == 1 for line in lines), stdout
    return dict(line.split("\t") for line in lines)


def run_on_terminal(*args: str, env: dict[str, str] | None = None, raw: bool = False) -> str:
    """Run `assume ARGS` with stdout on a pseudo-terminal; return what it showed (with its
    escape sequences when `raw`)."""
    code, err, shown = run_with_a_terminal(*args, env=env)
    assert code == 0, err
    return shown if raw else ANSI.sub("", shown)


# whoami ------------------------------------------------------------------------------------

def test_whoami_reports_the_credentials_in_the_environment(world: aws_world.World) -> None:
    env = role_a_env()
    report = whoami_json(env=env)
    assert report["account"] == aws_world.MAIN_ACCOUNT
    assert report["arn"] == ROLE_A_SESSION_ARN
    assert (report["role"], report["session_name"], report["user"]) == ("Role-A", "hop", None)
    assert report["expires"] == env["AWS_CREDENTIAL_EXPIRATION"]
    assert isinstance(report["seconds_left"], int) and 0 < report["seconds_left"] <= 3600


def test_whoami_json_has_every_key(world: aws_world.World) -> None:
    assert tuple(whoami_json(env=role_a_env())) == WHOAMI_KEYS
    assert tuple(whoami_json("--profile", "alice")) == WHOAMI_KEYS


def test_whoami_piped_prints_tab_separated_lines_without_escapes(world: aws_world.World) -> None:
    result = run_assume("whoami", env=role_a_env())
    assert result.returncode == 0, result.stderr
    pairs = plain_pairs(result.stdout)
    assert pairs["account"] == aws_world.MAIN_ACCOUNT
    assert pairs["arn"] == ROLE_A_SESSION_ARN
    assert (pairs["role"], pairs["session_name"]) == ("Role-A", "hop")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", pairs["expires"]), pairs
    assert re.fullmatch(r"1h 00m|\d{1,2}m", pairs["time_left"]), pairs
    assert result.stderr == ""


def test_whoami_without_an_expiration_says_unknown(world: aws_world.World) -> None:
    env = role_a_env()
    del env["AWS_CREDENTIAL_EXPIRATION"]
    report = whoami_json(env=env)
    assert report["role"] == "Role-A"
    assert report["expires"] is None and report["seconds_left"] is None
    pairs = plain_pairs(run_assume("whoami", env=env).stdout)
    assert pairs["expires"] == pairs["time_left"] == "unknown"


def test_whoami_for_a_user_profile_names_the_user(world: aws_world.World) -> None:
    report = whoami_json("--profile", "alice")
    assert report["arn"] == world.user_arn
    assert (report["user"], report["role"], report["session_name"]) == ("alice", None, None)
    pairs = plain_pairs(run_assume("whoami", "--profile", "alice").stdout)
    assert pairs["user"] == "alice" and "role" not in pairs


def test_whoami_target_assumes_and_reports_with_expiry(
    world: aws_world.World, server: StsServer
) -> None:
    report = whoami_json("Role-A")
    assert report["arn"] == ROLE_A_SESSION_ARN
    assert (report["account"], report["role"], report["session_name"]) == (
        aws_world.MAIN_ACCOUNT, "Role-A", "hop")
    assert isinstance(report["seconds_left"], int) and 0 < report["seconds_left"] <= 3600
    expires = datetime.strptime(str(report["expires"]), "%Y-%m-%dT%H:%M:%SZ")
    assert expires.replace(tzinfo=timezone.utc) > datetime.now(timezone.utc)
    calls = server.calls()
    assert calls["AssumeRole"] == 1 and calls["GetCallerIdentity"] == 1


def test_whoami_chain_of_targets_reports_the_last_hop(world: aws_world.World) -> None:
    report = whoami_json("Role-A", world.cross_role)
    assert report["account"] == aws_world.OTHER_ACCOUNT
    assert report["role"] == "Cross-Role"


def test_whoami_without_credentials_is_one_line_exit_1(world: aws_world.World) -> None:
    result = run_assume("whoami")  # the config has no default credentials
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("error: No source credentials")
    assert len(result.stderr.splitlines()) == 1


def test_whoami_with_rejected_credentials_is_one_line_exit_1(
    world: aws_world.World, server: StsServer
) -> None:
    server.enforce_policies()
    env = {"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": "x" * 40}
    result = run_assume("whoami", "--json", env=env)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "rejected" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_whoami_session_options_need_a_target(world: aws_world.World) -> None:
    result = run_assume("whoami", "--duration", "900")
    assert result.returncode == 2
    assert "--duration applies only with a TARGET" in result.stderr


def test_whoami_on_a_terminal_is_a_table(world: aws_world.World) -> None:
    shown = run_on_terminal("whoami", "Role-A")
    assert "Caller identity" in shown
    assert ROLE_A_SESSION_ARN in shown and "Role-A" in shown
    assert "\t" not in shown


# list --------------------------------------------------------------------------------------

MFA_SERIAL = "arn:aws:iam::123456789012:mfa/alice"
EXTRA_PROFILES = (
    f"[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/Admin\n"
    f"source_profile = alice\nmfa_serial = {MFA_SERIAL}\n\n"
    "[profile on-ec2]\nrole_arn = arn:aws:iam::123456789012:role/Worker\n"
    "credential_source = Ec2InstanceMetadata\n"
)


def test_list_piped_shows_role_profiles_as_plain_rows(world: aws_world.World) -> None:
    result = run_assume("list")
    assert result.returncode == 0, result.stderr
    assert not ANSI.search(result.stdout)
    rows = {line.split("\t")[0]: line.split("\t") for line in result.stdout.splitlines()}
    assert set(rows) == {"Role-A", "Role-B", "cross"}  # alice and default are not roles
    assert all(len(row) == 5 for row in rows.values())
    assert rows["Role-A"] == ["Role-A", world.role_a, "source_profile alice", "-", "-"]
    assert rows["Role-B"] == ["Role-B", world.role_b, "source_profile Role-A", "-", "-"]
    assert rows["cross"] == ["cross", world.cross_role, "source_profile alice", "-", "eu-west-1"]


def test_list_json(world: aws_world.World) -> None:
    result = run_assume("list", "--json")
    assert result.returncode == 0, result.stderr
    records = {record["profile"]: record for record in json.loads(result.stdout)}
    assert set(records) == {"Role-A", "Role-B", "cross"}
    assert records["Role-B"] == {"profile": "Role-B", "role_arn": world.role_b,
                                 "source": "source_profile Role-A", "mfa": None, "region": None}
    assert records["cross"]["region"] == "eu-west-1"


def test_list_shows_mfa_and_credential_source(world: aws_world.World, home: Path) -> None:
    aws_world.write_config(home, world, extra=EXTRA_PROFILES)
    rows = {line.split("\t")[0]: line.split("\t") for line in run_assume("list").stdout.split("\n")
            if line}
    assert rows["admin"][2:4] == ["source_profile alice", MFA_SERIAL]
    assert rows["on-ec2"][2:4] == ["credential_source Ec2InstanceMetadata", "-"]
    records = {r["profile"]: r for r in json.loads(run_assume("list", "--json").stdout)}
    assert records["admin"]["mfa"] == MFA_SERIAL


def test_list_makes_no_network_call(world: aws_world.World, server: StsServer) -> None:
    result = run_assume("list", env={"AWS_ENDPOINT_URL": "http://127.0.0.1:9"})
    assert result.returncode == 0, result.stderr
    assert server.calls() == {}


def test_list_with_no_role_profiles_says_so_on_stderr(world: aws_world.World, home: Path) -> None:
    (home / ".aws" / "config").write_text("[default]\nregion = us-east-1\n")
    result = run_assume("list")
    assert result.returncode == 0
    assert result.stdout == ""
    assert "No role profiles" in result.stderr
    assert json.loads(run_assume("list", "--json").stdout) == []


def test_list_on_a_terminal_is_a_table(world: aws_world.World) -> None:
    shown = run_on_terminal("list")
    assert "Role profiles" in shown
    for text in ("Role-A", "Role-B", "cross", world.cross_role, "source_profile Role-A"):
        assert text in shown
    assert "\t" not in shown


# ARN parsing -------------------------------------------------------------------------------

@pytest.mark.parametrize(("arn", "expected"), [
    ("arn:aws:sts::123456789012:assumed-role/Role-A/hop",
     ("123456789012", "Role-A", "hop", None)),
    ("arn:aws-cn:sts::123456789012:assumed-role/Deploy/ci@example.com",
     ("123456789012", "Deploy", "ci@example.com", None)),
    ("arn:aws:iam::123456789012:user/team/alice", ("123456789012", None, None, "alice")),
    ("arn:aws:sts::123456789012:federated-user/bob", ("123456789012", None, None, "bob")),
    ("arn:aws:iam::123456789012:root", ("123456789012", None, None, "root")),
])
def test_parse_arn(arn: str, expected: tuple[str | None, ...]) -> None:
    found = parse_arn(arn)
    assert (found["account"], found["role"], found["session_name"], found["user"]) == expected
