"""Every bad input: the right exit code, nothing on stdout, one line on stderr, no traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assume import cache_index
from assume.validation import sanitize_session_name
from tests.conftest import run_assume
from tests.support import aws_world
from tests.support.sts_server import StsServer

ROLE = "arn:aws:iam::123456789012:role/Admin"
CONFIG = """
[profile src]
region = us-east-1
[profile hub]
role_arn = arn:aws:iam::111111111111:role/Hub
source_profile = src
[profile loop-a]
role_arn = arn:aws:iam::111111111111:role/A
source_profile = loop-b
[profile loop-b]
role_arn = arn:aws:iam::111111111111:role/B
source_profile = loop-a
[profile plain]
region = eu-west-1
[profile bad-duration]
role_arn = arn:aws:iam::111111111111:role/Hub
source_profile = src
duration_seconds = soon
"""

CASES = [
    # (id, args, exit code, text expected on stderr)
    ("ten-digit-account", ["1234567890:Admin"], 2, "account IDs have 12 digits"),
    ("ten-digit-account-in-arn", ["arn:aws:iam::1234567890:role/X"], 2, "12 digits"),
    ("unknown-partition", ["arn:aws-mars:iam::123456789012:role/X"], 2, "Unknown partition"),
    ("not-a-role-arn", ["arn:aws:iam::123456789012:user/bob"], 2, "is not a role ARN"),
    ("bad-role-name", ["bad role!"], 2, "valid role name"),
    ("duration-too-short", [ROLE, "--duration", "60"], 2, "900 to 43200"),
    ("duration-too-long", [ROLE, "--duration", "50000"], 2, "900 to 43200"),
    ("duration-not-a-number", [ROLE, "--duration", "abc"], 2, "not a valid integer"),
    ("chained-duration", ["hub", ROLE, "--duration", "7200"], 2, "1 hour"),
    ("session-name-too-short", [ROLE, "--session-name", "x"], 2, "Invalid session name"),
    ("session-name-bad-chars", [ROLE, "--session-name", "a b"], 2, "Invalid session name"),
    ("external-id-bad", [ROLE, "--external-id", "a b c"], 2, "Invalid external ID"),
    ("policy-not-json", [ROLE, "--policy", "{nope"], 2, "not valid JSON"),
    ("policy-not-object", [ROLE, "--policy", "[1]"], 2, "must be a JSON object"),
    ("policy-file-missing", [ROLE, "--policy", "@/nonexistent/p.json"], 2, "Cannot read"),
    ("policy-arn-bad", [ROLE, "--policy-arn", "arn:aws:iam::aws:role/X"], 2, "managed policy"),
    ("tag-without-equals", [ROLE, "--tag", "team"], 2, "KEY=VALUE"),
    ("tag-aws-prefix", [ROLE, "--tag", "aws:x=1"], 2, "Invalid tag key"),
    ("tag-duplicate", [ROLE, "--tag", "a=1", "--tag", "A=2"], 2, "given twice"),
    ("transitive-not-a-tag", [ROLE, "--tag", "a=1", "--transitive-tag", "b"], 2, "Transitive"),
    ("source-identity-bad", [ROLE, "--source-identity", "x"], 2, "source identity"),
    ("mfa-token-not-digits", [ROLE, "--mfa-token", "12ab56"], 2, "6 digits"),
    ("mfa-serial-bad", [ROLE, "--mfa-serial", "short"], 2, "Invalid MFA serial"),
    ("unknown-profile", [ROLE, "--profile", "srx"], 2, "Did you mean 'src'"),
    ("profile-without-role-arn", ["plain"], 2, "has no role_arn"),
    ("source-profile-cycle", ["loop-a"], 2, "cycle"),
    ("config-duration-not-a-number", ["bad-duration"], 2, "expected a number"),
    ("unknown-format", [ROLE, "--format", "xml"], 2, "'xml' is not one of"),
    ("unknown-option", [ROLE, "--frobnicate"], 2, "No such option"),
    ("unset-with-json", ["--unset", "--format", "json"], 2, "--unset has no meaning"),
    ("exec-without-command", ["exec", ROLE], 2, "No command given"),
    ("no-source-credentials", [ROLE], 1, "No source credentials"),
]


@pytest.fixture
def aws_files(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (home / ".aws").mkdir()
    (home / ".aws" / "config").write_text(CONFIG)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # never reached
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")


@pytest.mark.parametrize(("args", "code", "message"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
@pytest.mark.usefixtures("aws_files")
def test_bad_input_is_one_line_on_stderr_and_nothing_on_stdout(
    args: list[str], code: int, message: str
) -> None:
    result = run_assume(*args)
    assert result.returncode == code, result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert message in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.usefixtures("aws_files")
def test_debug_shows_a_traceback_only_when_asked() -> None:
    result = run_assume("1234567890:Admin", "--debug")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" in result.stderr


# --- hostile and lookalike input against moto: refused before any STS call ---------------

FULL_WIDTH_ACCOUNT = "１２３４５６７８９０１２"  # noqa: RUF001 - full-width digits on purpose
DEEP_CHAIN = 1500
WEB_IDENTITY = """
[profile web]
role_arn = arn:aws:iam::123456789012:role/Role-A
web_identity_token_file = /nonexistent/token
"""


def deep_chain_config() -> str:
    """`p1500 -> p1499 -> ... -> p1 -> alice`: a source_profile chain 1,500 profiles long."""
    links = [f"[profile p{n}]\nrole_arn = arn:aws:iam::123456789012:role/Role-A\n"
             f"source_profile = {'alice' if n == 1 else f'p{n - 1}'}\n"
             for n in range(1, DEEP_CHAIN + 1)]
    return "\n".join(links)


LONG = "a" * 10_000
HOSTILE_CASES = [
    # (id, args, extra environment, exit code, text expected on stderr)
    ("full-width-account-in-arn", [f"arn:aws:iam::{FULL_WIDTH_ACCOUNT}:role/Role-A"], {}, 2,
     "12 digits"),
    ("full-width-account-role", [f"{FULL_WIDTH_ACCOUNT}:Role-A"], {}, 2, "valid role name"),
    ("role-name-trailing-newline", ["Role-A\n"], {}, 2, "'Role-A\\n'"),
    ("role-arn-trailing-newline", ["arn:aws:iam::123456789012:role/Role-A\n"], {}, 2,
     "not a role ARN"),
    ("non-ascii-role-name", ["Rôle-A"], {}, 2, "valid role name"),
    ("full-width-mfa-token", ["Role-A", "--mfa-token", "１２３４５６"], {}, 2, "6 digits"),  # noqa: RUF001
    ("mfa-token-trailing-newline", ["Role-A", "--mfa-token", "123456\n"], {}, 2, "6 digits"),
    ("non-ascii-session-name", ["Role-A", "--session-name", "josé"], {}, 2,
     "Invalid session name"),
    ("session-name-trailing-newline", ["Role-A", "--session-name", "hop\n"], {}, 2,
     "Invalid session name"),
    ("non-ascii-external-id", ["Role-A", "--external-id", "ｅｘｔｅｒｎａｌ"], {}, 2,  # noqa: RUF001
     "Invalid external ID"),
    ("non-ascii-source-identity", ["Role-A", "--source-identity", "josé"], {}, 2,
     "source identity"),
    ("non-ascii-mfa-serial", ["Role-A", "--mfa-serial", "arn:aws:iam::123456789012:mfa/bjørn"],
     {}, 2, "Invalid MFA serial"),
    ("tag-value-newline", ["Role-A", "--tag", "team=a\nb"], {}, 2, "Invalid value for tag"),
    ("tag-key-tab", ["Role-A", "--tag", "te\tam=a"], {}, 2, "Invalid tag key"),
    ("full-width-policy-arn",
     ["Role-A", "--policy-arn", f"arn:aws:iam::{FULL_WIDTH_ACCOUNT}:policy/P"], {}, 2,
     "managed policy"),
    ("region-trailing-newline", ["Role-A", "--region", "us-east-1\n"], {}, 2, "region"),
    ("region-shell-code", ["Role-A", "--region", "x'; touch /tmp/pwned #"], {}, 2, "region"),
    ("region-from-environment", ["Role-A"], {"AWS_REGION": "x'; touch /tmp/pwned #"}, 2,
     "AWS_REGION"),
    ("region-from-config", ["bad-region"], {}, 2, "region"),
    ("web-identity-profile-as-target", ["web"], {}, 2, "web_identity_token_file"),
    ("deep-policy-json", ["Role-A", "--policy", "[" * 50_000 + "]" * 50_000], {}, 2,
     "session policy"),
    ("deep-policy-file", ["Role-A", "--policy", "@~/deep.json"], {}, 2, "nested too deeply"),
    ("policy-from-dev-zero", ["Role-A", "--policy", "@/dev/zero"], {}, 2, "larger than"),
    ("deep-source-profile-chain", [f"p{DEEP_CHAIN}"], {}, 2, "source_profile chain"),
    ("config-file-dev-zero", ["Role-A"], {"AWS_CONFIG_FILE": "/dev/zero"}, 2, "larger than"),
    ("long-role-name-echoed-once", [LONG], {}, 2, "10000 characters"),
    ("long-role-arn-echoed-cut", [f"arn:aws:iam::123456789012:role/{LONG}"], {}, 2,
     "10031 characters"),
    ("escape-sequence-in-target", ["Role\x1b]0;owned\x07"], {}, 2, "Role\\x1b]0;owned\\x07"),
]


@pytest.fixture
def hostile_world(
    world: aws_world.World, home: Path, monkeypatch: pytest.MonkeyPatch
) -> aws_world.World:
    """moto's world, alice as the source of a bare TARGET, and the hostile profiles."""
    monkeypatch.setenv("AWS_PROFILE", "alice")
    aws_world.write_config(home, world, WEB_IDENTITY + deep_chain_config()
                           + "\n[profile bad-region]\nrole_arn = arn:aws:iam::123456789012:"
                           "role/Role-A\nsource_profile = alice\nregion = us-east-1'$(id)\n")
    (home / "deep.json").write_text("[" * 5000 + "]" * 5000)
    return world


@pytest.mark.integration
@pytest.mark.usefixtures("no_keyring", "hostile_world")
@pytest.mark.parametrize(("args", "env", "code", "message"), [c[1:] for c in HOSTILE_CASES],
                         ids=[c[0] for c in HOSTILE_CASES])
def test_hostile_input_is_refused_in_one_line_before_any_sts_call(
    args: list[str], env: dict[str, str], code: int, message: str, server: StsServer
) -> None:
    result = run_assume(*args, env=env)
    assert result.returncode == code, result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    assert message in lines[0]
    assert len(lines[0]) < 500
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert "unexpected" not in lines[0]
    assert server.calls() == {}


def test_a_non_ascii_user_name_gives_an_ascii_session_name() -> None:
    assert sanitize_session_name("josé") == "jos-"
    assert sanitize_session_name("ö") == "assume"


@pytest.mark.integration
@pytest.mark.usefixtures("no_keyring")
def test_whoami_with_a_malformed_expiration_says_time_left_unknown(
    world: aws_world.World
) -> None:
    env = {"AWS_ACCESS_KEY_ID": world.access_key_id,
           "AWS_SECRET_ACCESS_KEY": world.secret_access_key,
           "AWS_CREDENTIAL_EXPIRATION": "garbage\x1b[2J"}
    result = run_assume("whoami", env=env)
    assert result.returncode == 0, result.stderr
    assert "arn\t" + world.user_arn in result.stdout
    assert "time_left\tunknown" in result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("warning: ") and "time left unknown" in lines[0]
    assert "\x1b" not in result.stderr


@pytest.mark.integration
@pytest.mark.usefixtures("world")
def test_cache_clear_without_a_keyring_is_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, home: Path
) -> None:
    cache_index.record("0" * 40, {"role": "arn:aws:iam::123456789012:role/Role-A"})
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.SecretService.Keyring")
    result = run_assume("cache", "clear",
                        env={"DBUS_SESSION_BUS_ADDRESS": f"unix:path={home}/no-such-bus"})
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and "keyring" in lines[0]
    assert "unexpected" not in lines[0]


@pytest.mark.integration
@pytest.mark.usefixtures("no_keyring")
@pytest.mark.parametrize("through_a_profile", [False, True])
def test_a_malformed_expiration_beside_environment_keys_is_never_an_unexpected_error(
    world: aws_world.World, home: Path, through_a_profile: bool
) -> None:
    """Long-term keys need no expiry: a malformed one is ignored, as botocore ignores it for
    plain environment keys, whether the keys are the default source or a profile's
    `credential_source = Environment`."""
    target = world.role_a
    if through_a_profile:
        with (home / ".aws" / "config").open("a", encoding="utf-8") as config:
            config.write(f"\n[profile from-env]\nrole_arn = {world.role_a}\n"
                         "credential_source = Environment\n")
        target = "from-env"
    env = {"AWS_ACCESS_KEY_ID": world.access_key_id,
           "AWS_SECRET_ACCESS_KEY": world.secret_access_key,
           "AWS_CREDENTIAL_EXPIRATION": "garbage\x1b[2J"}
    result = run_assume(target, "--format", "json", env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["AccountId"] == "123456789012"
