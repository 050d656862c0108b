"""Every bad input: the right exit code, nothing on stdout, one line on stderr, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_assume

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
