"""`assume exec --server` and `assume serve`: real SDKs and the AWS CLI get their credentials
from the local endpoint, and get new ones when the session ages (moto's STS, real keyring)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pexpect
import pytest

from tests.conftest import ROOT, run_assume
from tests.support import aws_world
from tests.support.endpoint import LIBFAKETIME, URI, faketime_environment, serving
from tests.support.secret_service import require_secret_service
from tests.support.sts_server import StsServer
from tests.support.tools import aws_cli

pytestmark = pytest.mark.integration

ROLE_A_ARN = "arn:aws:sts::123456789012:assumed-role/Role-A/hop"
SERIAL = "arn:aws:iam::123456789012:mfa/alice"
# What a boto3 program sees: its identity, its key, where boto3 found it, its AWS_ variables.
BOTO3_CHILD = """
import json, os, boto3
session = boto3.Session()
credentials = session.get_credentials()
print(json.dumps({
    "arn": session.client("sts").get_caller_identity()["Arn"],
    "key": credentials.get_frozen_credentials().access_key,
    "method": credentials.method,
    "env": sorted(name for name in os.environ if name.startswith("AWS_")),
}))
"""
# Variables an SDK would prefer over the endpoint: the child must not see them.
SHADOWING = {
    "AWS_ACCESS_KEY_ID": "AKIASTALESTALESTALE0", "AWS_SECRET_ACCESS_KEY": "stale",
    "AWS_SESSION_TOKEN": "stale", "AWS_PROFILE": "alice", "AWS_SECURITY_TOKEN": "stale",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/stale",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": "/nonexistent/token",
}
NPM_PACKAGE = "@aws-sdk/client-sts@3.1177.0"  # pinned: the endpoint is tested against this
NODE_CACHE = ROOT / ".cache" / "node-client-sts"
JS_CHILD = """
const { STSClient, GetCallerIdentityCommand } = require("@aws-sdk/client-sts");
(async () => {
  const client = new STSClient({ region: "us-east-1", endpoint: process.env.AWS_ENDPOINT_URL });
  const answer = await client.send(new GetCallerIdentityCommand({}));
  const credentials = await client.config.credentials();
  console.log(JSON.stringify({ arn: answer.Arn, key: credentials.accessKeyId }));
})().catch((error) => {
  console.error(`${error.name}: ${error.message} Code=${error.Code} Message=${error.Message}`);
  process.exit(3);
});
"""


def child_report(result: subprocess.CompletedProcess[str]) -> dict[str, object]:
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def cached_key(*targets: str) -> str:
    """Fill the cache at real time; the cached session's access key id."""
    result = run_assume(*targets, "--format", "json")
    assert result.returncode == 0, result.stderr
    return str(json.loads(result.stdout)["AccessKeyId"])


@pytest.fixture
def keyring_cache(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real Secret Service as the cache (scripts/test starts one)."""
    require_secret_service()
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))


@pytest.fixture
def long_hub(world: aws_world.World, home: Path) -> aws_world.World:
    """`hub` (Role-A for two hours) and `chained` (Role-B from hub, one hour); `mfa-a`."""
    with (home / ".aws" / "config").open("a") as config:
        config.write(
            f"\n[profile hub]\nrole_arn = {world.role_a}\nsource_profile = alice\n"
            f"role_session_name = {aws_world.ROLE_A_SESSION}\nduration_seconds = 7200\n\n"
            f"[profile chained]\nrole_arn = {world.role_b}\nsource_profile = hub\n\n"
            f"[profile mfa-a]\nrole_arn = {world.role_a}\nsource_profile = alice\n"
            f"mfa_serial = {SERIAL}\n"
        )
    return world


# --- real clients through the endpoint ------------------------------------------------------


@pytest.mark.usefixtures("no_keyring")
def test_boto3_in_the_child_gets_the_role_from_the_endpoint_and_nothing_that_shadows_it(
    world: aws_world.World,
) -> None:
    result = run_assume("exec", "--server", "Role-A", "--", sys.executable, "-c", BOTO3_CHILD,
                        env=SHADOWING)
    report = child_report(result)
    assert report["arn"] == ROLE_A_ARN
    assert report["method"] == "container-role"
    env = report["env"]
    assert isinstance(env, list)
    assert {URI, "AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_REGION"} <= set(env)
    assert not set(SHADOWING) & set(env)


@pytest.mark.usefixtures("no_keyring")
def test_the_aws_cli_in_the_child_gets_the_role_from_the_endpoint(
    world: aws_world.World,
) -> None:
    result = run_assume("exec", "--server", "Role-A", "--", aws_cli(), "sts",
                        "get-caller-identity", "--endpoint-url", world.endpoint,
                        "--output", "json", env=SHADOWING)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["Arn"] == ROLE_A_ARN


def node_client_sts() -> Path:
    """node_modules with the pinned @aws-sdk/client-sts, installed once into .cache/."""
    if not (shutil.which("node") and shutil.which("npm")):
        pytest.skip("node and npm are not installed")
    modules = NODE_CACHE / "node_modules"
    if not (modules / "@aws-sdk" / "client-sts" / "package.json").is_file():
        NODE_CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--prefix", str(NODE_CACHE), "--no-audit", "--no-fund",
                        "--no-save", NPM_PACKAGE], check=True, capture_output=True,
                       timeout=600, env={**os.environ, "HOME": str(NODE_CACHE)})
    return modules


@pytest.mark.usefixtures("no_keyring")
def test_the_javascript_sdk_v3_in_the_child_gets_the_role_from_the_endpoint(
    world: aws_world.World,
) -> None:
    modules = node_client_sts()
    result = run_assume("exec", "--server", "Role-A", "--", "node", "-e", JS_CHILD,
                        env={**SHADOWING, "NODE_PATH": str(modules)})
    report = child_report(result)
    assert report["arn"] == ROLE_A_ARN
    assert str(report["key"]).startswith("ASIA")


# --- refresh --------------------------------------------------------------------------------


@pytest.mark.skipif(not LIBFAKETIME.exists(), reason="libfaketime is not installed")
@pytest.mark.usefixtures("keyring_cache")
def test_fifty_minutes_later_the_child_gets_a_new_session_from_one_assume_role(
    world: aws_world.World, server: StsServer
) -> None:
    old_key = cached_key("Role-A")
    server.post("/_assume/calls")
    result = subprocess.run(
        ["faketime", "-f", "+50m", sys.executable, "-m", "assume", "exec", "--server", "Role-A",
         "--", sys.executable, "-c", BOTO3_CHILD],
        env={**os.environ, "FAKETIME_DONT_FAKE_MONOTONIC": "1"}, capture_output=True,
        text=True, timeout=120, stdin=subprocess.DEVNULL,
    )
    report = child_report(result)
    assert report["arn"] == ROLE_A_ARN
    assert report["key"] != old_key
    assert server.calls().get("AssumeRole") == 1


@pytest.mark.skipif(not LIBFAKETIME.exists(), reason="libfaketime is not installed")
@pytest.mark.usefixtures("keyring_cache")
def test_a_chained_hop_is_assumed_again_from_its_cached_source(
    long_hub: aws_world.World, server: StsServer, tmp_path: Path
) -> None:
    clock = tmp_path / "offset"
    with serving("chained", env=faketime_environment(clock)) as endpoint:
        first = endpoint.credentials()
        assert server.calls().get("AssumeRole") == 2  # hub, then Role-B from hub
        clock.write_text("+50m\n")  # Role-B's hour is nearly over; hub has 70 minutes left
        second = endpoint.credentials()
        assert second["AccessKeyId"] != first["AccessKeyId"]
        assert server.calls().get("AssumeRole") == 3
        assert server.last("AssumeRole")["RoleArn"] == long_hub.role_b
        # moto's clock is real, so the new session already looks nearly over here; it is
        # still not replaced on every request.
        assert endpoint.credentials() == second
        code, stderr = endpoint.stop()
    assert server.calls().get("AssumeRole") == 3
    assert code == 0, stderr


@pytest.mark.skipif(not LIBFAKETIME.exists(), reason="libfaketime is not installed")
@pytest.mark.usefixtures("no_keyring")
def test_an_mfa_session_is_reused_until_it_expires_and_then_the_endpoint_never_prompts(
    long_hub: aws_world.World, server: StsServer, tmp_path: Path
) -> None:
    clock = tmp_path / "offset"
    env = faketime_environment(clock)
    with serving("mfa-a", "--mfa-token", "123456", "--no-cache", env=env) as endpoint:
        first = endpoint.credentials()
        assert server.calls() == {"GetSessionToken": 1, "AssumeRole": 1}
        clock.write_text("+50m\n")
        second = endpoint.credentials()
        assert second["AccessKeyId"] != first["AccessKeyId"]
        assert server.calls() == {"GetSessionToken": 1, "AssumeRole": 2}  # no new code asked

        clock.write_text("+13h\n")  # the 12-hour MFA session is over: a code is needed
        answers = [endpoint.request({"Authorization": endpoint.token}) for _ in range(3)]
        code, stderr = endpoint.stop()
    assert {status for status, _ in answers} == {400}
    error = json.loads(answers[0][1])
    assert error["Code"] == "MfaRequired" and "MFA code is needed" in error["Message"]
    assert server.calls() == {"GetSessionToken": 1, "AssumeRole": 2}
    failures = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(failures) == 1 and "mfa-a" in failures[0]  # retries are answered from memory
    assert code == 0


@pytest.mark.skipif(not LIBFAKETIME.exists(), reason="libfaketime is not installed")
@pytest.mark.usefixtures("no_keyring")
def test_a_refresh_that_sts_refuses_reaches_boto3_as_an_error_naming_access_denied(
    world: aws_world.World, server: StsServer, tmp_path: Path
) -> None:
    clock = tmp_path / "offset"
    with serving("Role-A", env=faketime_environment(clock)) as endpoint:
        aws_world.admin(server.url).delete_user_policy(UserName="alice", PolicyName="assume")
        server.enforce_policies()
        clock.write_text("+50m\n")
        child = subprocess.run(
            [sys.executable, "-c", BOTO3_CHILD], capture_output=True, text=True, timeout=120,
            env={**os.environ, **faketime_environment(clock, "+50m"), URI: endpoint.url,
                 "AWS_CONTAINER_AUTHORIZATION_TOKEN": endpoint.token},
        )
        code, stderr = endpoint.stop()
    assert child.returncode != 0
    assert "AccessDenied" in child.stderr
    assert len([line for line in stderr.splitlines() if line.startswith("error:")]) == 1
    assert code == 0


@pytest.mark.usefixtures("no_keyring")
def test_a_default_profile_with_keys_is_named_in_one_warning(
    world: aws_world.World, home: Path
) -> None:
    """botocore reads the default profile's keys before it asks a container endpoint."""
    with (home / ".aws" / "credentials").open("a") as credentials:
        credentials.write("\n[default]\naws_access_key_id = AKIADEFAULTDEFAULT00\n"
                          "aws_secret_access_key = default\n")
    result = run_assume("exec", "--server", "Role-A", "--", sys.executable, "-c", "")
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("warning:") == 1
    assert "default AWS profile sets aws_access_key_id" in result.stderr


# --- exit codes and signals -----------------------------------------------------------------


@pytest.mark.usefixtures("no_keyring")
@pytest.mark.parametrize("code", [0, 3])
def test_exec_server_exits_with_the_childs_code(world: aws_world.World, code: int) -> None:
    result = run_assume("exec", "--server", "Role-A", "--", sys.executable, "-c",
                        f"raise SystemExit({code})")
    assert result.returncode == code, result.stderr


@pytest.mark.usefixtures("no_keyring")
def test_exec_server_with_a_missing_command_exits_127_with_one_line(
    world: aws_world.World,
) -> None:
    result = run_assume("exec", "--server", "Role-A", "--", "no-such-command-anywhere")
    assert result.returncode == 127 and result.stdout == ""
    assert result.stderr == "error: Command not found: no-such-command-anywhere.\n"


@pytest.mark.usefixtures("no_keyring")
@pytest.mark.parametrize("name", ["SIGTERM", "SIGHUP", "SIGINT"])
def test_a_signal_to_assume_reaches_the_child_and_the_endpoint_stops_with_it(
    world: aws_world.World, tmp_path: Path, name: str
) -> None:
    """The child reports the signal it got and exits 40; assume exits with that code."""
    ready = tmp_path / "ready"
    child = (
        "import os, signal, sys, time\n"
        "def caught(signum, frame):\n"
        "    print(signal.Signals(signum).name, os.environ['" + URI + "'], flush=True)\n"
        "    sys.exit(40)\n"
        f"signal.signal(signal.{name}, caught)\n"
        f"open({str(ready)!r}, 'w').close()\n"
        "time.sleep(60)\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "assume", "exec", "--server", "Role-A", "--", sys.executable,
         "-c", child], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, start_new_session=True,  # no terminal: nothing else delivers the signal
    )
    deadline = time.monotonic() + 60
    while not ready.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(getattr(signal, name))
    stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 40, stderr
    got, url = stdout.split()
    assert got == name
    with pytest.raises(OSError):  # the endpoint is gone with the child
        __import__("urllib.request").request.urlopen(url, timeout=5)


@pytest.mark.usefixtures("no_keyring")
def test_the_mfa_prompt_comes_up_front_on_the_terminal_and_one_ctrl_c_reaches_the_child_once(
    long_hub: aws_world.World, server: StsServer
) -> None:
    """In a terminal, Ctrl-C signals assume and the child alike: assume passes nothing on."""
    child = (
        "import signal, sys, time\n"
        "got = []\n"
        "signal.signal(signal.SIGINT, lambda signum, frame: got.append(signum))\n"
        "print('child ready', flush=True)\n"
        "while not got: time.sleep(0.05)\n"
        "time.sleep(1)\n"
        "print('SIGINTs:', len(got), flush=True)\n"
        "sys.exit(41)\n"
    )
    terminal = pexpect.spawn(
        sys.executable, ["-m", "assume", "exec", "--server", "mfa-a", "--no-cache", "--",
                         sys.executable, "-c", child],
        env={**os.environ}, encoding="utf-8", timeout=60,
    )
    terminal.expect("MFA code for " + SERIAL)
    assert server.calls() == {}  # the child has not started: it waits for the code
    terminal.sendline("123456")
    terminal.expect("child ready")
    assert server.calls() == {"GetSessionToken": 1, "AssumeRole": 1}
    terminal.sendintr()
    terminal.expect(r"SIGINTs: (\d+)")
    count = terminal.match.group(1)
    terminal.expect(pexpect.EOF)
    terminal.close()
    assert count == "1"
    assert terminal.exitstatus == 41


@pytest.mark.usefixtures("no_keyring")
def test_exec_server_without_a_command_is_a_usage_error(world: aws_world.World) -> None:
    result = run_assume("exec", "--server", "Role-A")
    assert result.returncode == 2 and result.stdout == ""
    assert "No command given" in result.stderr


@pytest.mark.usefixtures("no_keyring")
def test_exec_server_reports_a_failed_first_session_before_starting_the_child(
    world: aws_world.World, tmp_path: Path
) -> None:
    marker = tmp_path / "started"
    result = run_assume("exec", "--server", "arn:aws:iam::123456789012:role/Nope", "--",
                        sys.executable, "-c", f"open({str(marker)!r}, 'w')")
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith("error:") and len(result.stderr.splitlines()) == 1
    assert not marker.exists()


# --- serve ----------------------------------------------------------------------------------


@pytest.mark.usefixtures("no_keyring")
def test_serve_prints_shell_lines_that_a_shell_and_boto3_use(world: aws_world.World) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "assume", "serve", "Role-A", "--format", "sh"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert process.stdout is not None
    lines = [process.stdout.readline() for _ in range(3)]
    try:
        script = "".join(lines) + f'"$PY" -c \'{BOTO3_CHILD}\''
        shell = subprocess.run(["bash", "--norc", "--noprofile", "-c", script],
                               env={**os.environ, **SHADOWING, "PY": sys.executable},
                               capture_output=True, text=True, timeout=60)
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    assert lines[0].startswith(f"export {URI}='http://127.0.0.1:")
    assert lines[1].startswith("export AWS_CONTAINER_AUTHORIZATION_TOKEN='")
    assert lines[2].startswith("unset AWS_ACCESS_KEY_ID ")
    report = child_report(shell)
    assert report["arn"] == ROLE_A_ARN and report["method"] == "container-role"
    assert process.returncode == 0, stderr


@pytest.mark.usefixtures("no_keyring")
@pytest.mark.parametrize("fmt", ["fish", "powershell", "dotenv"])
def test_serve_prints_the_two_variables_in_each_format(
    world: aws_world.World, fmt: str
) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "assume", "serve", "Role-A", "--format", fmt],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert process.stdout is not None
    first, second = process.stdout.readline(), process.stdout.readline()
    process.send_signal(signal.SIGINT)
    rest, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    assert URI in first and "http://127.0.0.1:" in first
    assert "AWS_CONTAINER_AUTHORIZATION_TOKEN" in second
    if fmt == "dotenv":
        assert rest == ""
    assert "Traceback" not in stderr


@pytest.mark.usefixtures("no_keyring")
def test_serve_on_a_port_in_use_is_one_line_and_exit_1(world: aws_world.World) -> None:
    with serving("Role-A") as endpoint:
        result = run_assume("serve", "Role-A", "--port", str(endpoint.port))
        endpoint.stop()
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith("error: Cannot listen on 127.0.0.1:")


@pytest.mark.usefixtures("no_keyring")
def test_serve_rejects_credential_process_format_as_bad_usage(world: aws_world.World) -> None:
    result = run_assume("serve", "Role-A", "--format", "credential-process")
    assert result.returncode == 2 and result.stdout == ""
