"""The renderers: golden output for every format, quoting of hostile values, --unset."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta, timezone

import pytest

from assume.errors import InputError
from assume.formats import (
    ALL_VARIABLES,
    FORMATS,
    quote_fish,
    quote_powershell,
    quote_sh,
    render,
    render_unset,
)
from assume.models import Credentials

KEY = "ASIAEXAMPLE000000001"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = "FwoGZXIvYXdzEXAMPLE//token=="
EXPIRES = datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
CREDS = Credentials(KEY, SECRET, TOKEN, EXPIRES)
LONG_TERM = Credentials("AKIAEXAMPLE000000001", SECRET)


# --- golden output, one per format -------------------------------------------------------


def test_sh_renders_exports_then_unsets_conflicting_variables() -> None:
    assert render(CREDS, "eu-west-1", "sh") == (
        "export AWS_ACCESS_KEY_ID='ASIAEXAMPLE000000001'\n"
        "export AWS_SECRET_ACCESS_KEY='wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'\n"
        "export AWS_SESSION_TOKEN='FwoGZXIvYXdzEXAMPLE//token=='\n"
        "export AWS_CREDENTIAL_EXPIRATION='2030-01-02T03:04:05Z'\n"
        "export AWS_REGION='eu-west-1'\n"
        "export AWS_DEFAULT_REGION='eu-west-1'\n"
        "unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SECURITY_TOKEN AWS_SESSION_EXPIRATION\n"
    )


def test_fish_renders_global_exports_then_erases_conflicting_variables() -> None:
    assert render(CREDS, "eu-west-1", "fish") == (
        "set -gx AWS_ACCESS_KEY_ID 'ASIAEXAMPLE000000001'\n"
        "set -gx AWS_SECRET_ACCESS_KEY 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'\n"
        "set -gx AWS_SESSION_TOKEN 'FwoGZXIvYXdzEXAMPLE//token=='\n"
        "set -gx AWS_CREDENTIAL_EXPIRATION '2030-01-02T03:04:05Z'\n"
        "set -gx AWS_REGION 'eu-west-1'\n"
        "set -gx AWS_DEFAULT_REGION 'eu-west-1'\n"
        "set -e AWS_PROFILE; or true\n"
        "set -e AWS_DEFAULT_PROFILE; or true\n"
        "set -e AWS_SECURITY_TOKEN; or true\n"
        "set -e AWS_SESSION_EXPIRATION; or true\n"
    )


def test_powershell_renders_env_assignments_then_removes_conflicting_variables() -> None:
    assert render(CREDS, "eu-west-1", "powershell") == (
        "$Env:AWS_ACCESS_KEY_ID = 'ASIAEXAMPLE000000001'\n"
        "$Env:AWS_SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'\n"
        "$Env:AWS_SESSION_TOKEN = 'FwoGZXIvYXdzEXAMPLE//token=='\n"
        "$Env:AWS_CREDENTIAL_EXPIRATION = '2030-01-02T03:04:05Z'\n"
        "$Env:AWS_REGION = 'eu-west-1'\n"
        "$Env:AWS_DEFAULT_REGION = 'eu-west-1'\n"
        "Remove-Item Env:AWS_PROFILE -ErrorAction SilentlyContinue\n"
        "Remove-Item Env:AWS_DEFAULT_PROFILE -ErrorAction SilentlyContinue\n"
        "Remove-Item Env:AWS_SECURITY_TOKEN -ErrorAction SilentlyContinue\n"
        "Remove-Item Env:AWS_SESSION_EXPIRATION -ErrorAction SilentlyContinue\n"
    )


def test_dotenv_renders_one_bare_assignment_per_variable() -> None:
    assert render(CREDS, "eu-west-1", "dotenv") == (
        "AWS_ACCESS_KEY_ID=ASIAEXAMPLE000000001\n"
        "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n"
        "AWS_SESSION_TOKEN=FwoGZXIvYXdzEXAMPLE//token==\n"
        "AWS_CREDENTIAL_EXPIRATION=2030-01-02T03:04:05Z\n"
        "AWS_REGION=eu-west-1\n"
        "AWS_DEFAULT_REGION=eu-west-1\n"
    )


def test_json_renders_credentials_and_region_indented() -> None:
    assert render(CREDS, "eu-west-1", "json") == (
        "{\n"
        '  "AccessKeyId": "ASIAEXAMPLE000000001",\n'
        '  "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",\n'
        '  "SessionToken": "FwoGZXIvYXdzEXAMPLE//token==",\n'
        '  "Expiration": "2030-01-02T03:04:05Z",\n'
        '  "Region": "eu-west-1"\n'
        "}\n"
    )


def test_json_without_region_has_no_region_key() -> None:
    document = json.loads(render(CREDS, None, "json"))
    assert list(document) == ["AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"]


def test_credential_process_renders_exactly_the_aws_document() -> None:
    assert render(CREDS, "eu-west-1", "credential-process") == (
        '{"Version": 1, "AccessKeyId": "ASIAEXAMPLE000000001", '
        '"SecretAccessKey": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", '
        '"SessionToken": "FwoGZXIvYXdzEXAMPLE//token==", '
        '"Expiration": "2030-01-02T03:04:05Z"}\n'
    )


def test_credential_process_has_exactly_the_five_keys_and_a_z_expiration() -> None:
    document = json.loads(render(CREDS, "eu-west-1", "credential-process"))
    assert set(document) == {
        "Version", "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"
    }
    assert document["Version"] == 1
    assert type(document["Version"]) is int
    assert document["Expiration"].endswith("Z")
    assert datetime.strptime(document["Expiration"], "%Y-%m-%dT%H:%M:%SZ") == datetime(
        2030, 1, 2, 3, 4, 5
    )


def test_credential_process_never_carries_the_region() -> None:
    assert "eu-west-1" not in render(CREDS, "eu-west-1", "credential-process")


def test_expiration_in_another_timezone_is_printed_as_utc_with_z() -> None:
    plus_two = Credentials(KEY, SECRET, TOKEN, EXPIRES.astimezone(timezone(timedelta(hours=2))))
    assert "export AWS_CREDENTIAL_EXPIRATION='2030-01-02T03:04:05Z'\n" in render(
        plus_two, None, "sh"
    )
    assert json.loads(render(plus_two, None, "credential-process"))["Expiration"] == (
        "2030-01-02T03:04:05Z"
    )


def test_sh_without_region_sets_no_region_variables() -> None:
    assert render(CREDS, None, "sh") == (
        "export AWS_ACCESS_KEY_ID='ASIAEXAMPLE000000001'\n"
        "export AWS_SECRET_ACCESS_KEY='wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'\n"
        "export AWS_SESSION_TOKEN='FwoGZXIvYXdzEXAMPLE//token=='\n"
        "export AWS_CREDENTIAL_EXPIRATION='2030-01-02T03:04:05Z'\n"
        "unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SECURITY_TOKEN AWS_SESSION_EXPIRATION\n"
    )


def test_sh_with_long_term_keys_unsets_a_stale_token_and_expiration() -> None:
    assert render(LONG_TERM, None, "sh") == (
        "export AWS_ACCESS_KEY_ID='AKIAEXAMPLE000000001'\n"
        "export AWS_SECRET_ACCESS_KEY='wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'\n"
        "unset AWS_SESSION_TOKEN AWS_CREDENTIAL_EXPIRATION AWS_PROFILE AWS_DEFAULT_PROFILE "
        "AWS_SECURITY_TOKEN AWS_SESSION_EXPIRATION\n"
    )


def test_fish_with_long_term_keys_erases_a_stale_token_and_expiration() -> None:
    output = render(LONG_TERM, None, "fish")
    assert output.splitlines()[2:4] == [
        "set -e AWS_SESSION_TOKEN; or true",
        "set -e AWS_CREDENTIAL_EXPIRATION; or true",
    ]


def test_credential_process_with_long_term_keys_omits_token_and_expiration() -> None:
    assert render(LONG_TERM, "eu-west-1", "credential-process") == (
        '{"Version": 1, "AccessKeyId": "AKIAEXAMPLE000000001", '
        '"SecretAccessKey": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}\n'
    )


# --- quoting -------------------------------------------------------------------------------

HOSTILE = {
    "single_quote": "it's",
    "breakout": "x'; touch /tmp/pwned; '",
    "double_quote": 'say "hi"',
    "command_substitution": "$(touch /tmp/pwned)",
    "backticks": "`touch /tmp/pwned`",
    "backslash": "a\\b",
    "backslash_quote": "\\'; touch /tmp/pwned; echo \\'",
    "newline": "line1\nline2",
    "semicolon": "a;b",
    "variable": "${HOME}$PATH",
}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("single_quote", "'it'\\''s'"),
        ("breakout", "'x'\\''; touch /tmp/pwned; '\\'''"),
        ("double_quote", "'say \"hi\"'"),
        ("command_substitution", "'$(touch /tmp/pwned)'"),
        ("backticks", "'`touch /tmp/pwned`'"),
        ("backslash", "'a\\b'"),
        ("backslash_quote", "'\\'\\''; touch /tmp/pwned; echo \\'\\'''"),
        ("newline", "'line1\nline2'"),
        ("semicolon", "'a;b'"),
        ("variable", "'${HOME}$PATH'"),
    ],
)
def test_sh_quoting_keeps_hostile_values_literal(name: str, expected: str) -> None:
    assert quote_sh(HOSTILE[name]) == expected


# Values no reader may change: dotenv refuses them (InputError, exit 2) rather than write them.
DOTENV_REFUSED = {
    **HOSTILE,
    "ifs": "a${IFS}b",
    "dollar": "$HOME",
    "carriage_return": "a\rb",
    "crlf": "a\r\nb",
    "space": "a b",
    "leading_space": " a",
    "comment": "a #b",
    "hash": "#a",
    "tilde": "~/a",
    "zsh_equals_at_start": "=ls",
    "zsh_equals_after_colon": "a:=ls",
    "non_ascii": "caf\u00e9",
    "escape": "a\x1b[2Jb",
    "nul": "a\x00b",
}


def read_like_docker(text: str) -> dict[str, str]:
    """The rules of `docker run --env-file` (docker/cli opts/envfile.go): lines split at LF
    with one trailing CR dropped, leading whitespace and `#` lines skipped, and everything
    after the first `=` taken literally: no quotes, no escapes, no expansion."""
    values = {}
    for raw in text.split("\n"):
        line = raw.removesuffix("\r").lstrip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value
    return values


@pytest.mark.parametrize("name", sorted(DOTENV_REFUSED))
@pytest.mark.parametrize("field", ["secret", "token", "region"])
def test_dotenv_refuses_a_value_its_readers_would_not_read_back_exactly(
    name: str, field: str
) -> None:
    value = DOTENV_REFUSED[name]
    creds = Credentials(KEY, value if field == "secret" else SECRET,
                        value if field == "token" else TOKEN, EXPIRES)
    with pytest.raises(InputError) as raised:
        render(creds, value if field == "region" else "eu-west-1", "dotenv")
    assert raised.value.exit_code == 2
    variable = {"secret": "AWS_SECRET_ACCESS_KEY", "token": "AWS_SESSION_TOKEN",
                "region": "AWS_REGION"}[field]
    # The same words whatever the value: it may be a secret, so it is never repeated.
    assert str(raised.value) == (
        f"{variable} cannot be written to a dotenv file exactly: it holds a character other "
        "than letters, digits and + / = _ . : - (or = at its start or after a colon). "
        "Use --format json or a shell format."
    )


# Real shapes: base64 with + / and = padding, an ISO time, upper case and digits.
REALISTIC = Credentials("ASIA2EXAMPLE7QZ3", "a+b/c=d/E9+fG0hIjKlMnOpQrStUvWxYz12345678",
                        "IQoJb3JpZ2luX2VjE+/abc//def+ghi=" * 30 + "==", EXPIRES)


def test_dotenv_reads_back_exactly_with_python_dotenv_and_docker_rules() -> None:
    import dotenv

    text = render(REALISTIC, "us-gov-west-1", "dotenv")
    expected = {
        "AWS_ACCESS_KEY_ID": REALISTIC.access_key_id,
        "AWS_SECRET_ACCESS_KEY": REALISTIC.secret_access_key,
        "AWS_SESSION_TOKEN": REALISTIC.session_token,
        "AWS_CREDENTIAL_EXPIRATION": "2030-01-02T03:04:05Z",
        "AWS_REGION": "us-gov-west-1",
        "AWS_DEFAULT_REGION": "us-gov-west-1",
    }
    assert dotenv.dotenv_values(stream=io.StringIO(text)) == expected  # interpolation on
    assert read_like_docker(text) == expected


def test_hostile_region_is_quoted_in_every_shell_format() -> None:
    region = "us-east-1'; touch /tmp/pwned; '"
    assert f"export AWS_REGION={quote_sh(region)}\n" in render(CREDS, region, "sh")
    assert f"set -gx AWS_REGION {quote_fish(region)}\n" in render(CREDS, region, "fish")
    assert f"$Env:AWS_REGION = {quote_powershell(region)}\n" in render(
        CREDS, region, "powershell"
    )


def test_sh_output_with_a_multiline_value_keeps_every_line_inside_quotes() -> None:
    creds = Credentials(KEY, SECRET, "tok\nexport EVIL=1", EXPIRES)
    output = render(creds, None, "sh")
    assert "export AWS_SESSION_TOKEN='tok\nexport EVIL=1'\n" in output


def test_json_formats_escape_quotes_and_control_characters() -> None:
    creds = Credentials(KEY, 'se"cr\\et\n', "tok'en", EXPIRES)
    for fmt in ("json", "credential-process"):
        document = json.loads(render(creds, None, fmt))
        assert document["SecretAccessKey"] == 'se"cr\\et\n'
        assert document["SessionToken"] == "tok'en"
    assert render(creds, None, "credential-process").count("\n") == 1


# --- --unset -------------------------------------------------------------------------------


def test_unset_sh_removes_every_variable_in_one_line() -> None:
    assert render_unset("sh") == (
        "unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN "
        "AWS_CREDENTIAL_EXPIRATION AWS_REGION AWS_DEFAULT_REGION AWS_PROFILE "
        "AWS_DEFAULT_PROFILE AWS_SECURITY_TOKEN AWS_SESSION_EXPIRATION\n"
    )


def test_fish_erase_lines_never_fail_so_source_reports_success() -> None:
    for output in (render(CREDS, None, "fish"), render(LONG_TERM, None, "fish"),
                   render_unset("fish")):
        erase_lines = [line for line in output.splitlines() if line.startswith("set -e ")]
        assert erase_lines
        assert all(line.endswith("; or true") for line in erase_lines)


def test_unset_fish_erases_every_variable() -> None:
    assert render_unset("fish") == (
        "set -e AWS_ACCESS_KEY_ID; or true\n"
        "set -e AWS_SECRET_ACCESS_KEY; or true\n"
        "set -e AWS_SESSION_TOKEN; or true\n"
        "set -e AWS_CREDENTIAL_EXPIRATION; or true\n"
        "set -e AWS_REGION; or true\n"
        "set -e AWS_DEFAULT_REGION; or true\n"
        "set -e AWS_PROFILE; or true\n"
        "set -e AWS_DEFAULT_PROFILE; or true\n"
        "set -e AWS_SECURITY_TOKEN; or true\n"
        "set -e AWS_SESSION_EXPIRATION; or true\n"
    )


def test_unset_powershell_removes_every_variable_quietly() -> None:
    assert render_unset("powershell") == "".join(
        f"Remove-Item Env:{name} -ErrorAction SilentlyContinue\n" for name in ALL_VARIABLES
    )
    assert render_unset("powershell").startswith(
        "Remove-Item Env:AWS_ACCESS_KEY_ID -ErrorAction SilentlyContinue\n"
    )


def test_unset_dotenv_empties_every_variable() -> None:
    assert render_unset("dotenv") == (
        "AWS_ACCESS_KEY_ID=\n"
        "AWS_SECRET_ACCESS_KEY=\n"
        "AWS_SESSION_TOKEN=\n"
        "AWS_CREDENTIAL_EXPIRATION=\n"
        "AWS_REGION=\n"
        "AWS_DEFAULT_REGION=\n"
        "AWS_PROFILE=\n"
        "AWS_DEFAULT_PROFILE=\n"
        "AWS_SECURITY_TOKEN=\n"
        "AWS_SESSION_EXPIRATION=\n"
    )


def test_unset_covers_every_variable_a_render_sets() -> None:
    rendered = render(CREDS, "eu-west-1", "sh")
    set_names = {line.split("=")[0].removeprefix("export ") for line in rendered.splitlines()
                 if line.startswith("export ")}
    unset_names = set(render_unset("sh").split()[1:])
    assert set_names <= unset_names
    assert len(set_names) == 6


@pytest.mark.parametrize("fmt", ["json", "credential-process"])
def test_unset_with_a_json_format_is_an_input_error(fmt: str) -> None:
    with pytest.raises(InputError) as raised:
        render_unset(fmt)
    assert raised.value.exit_code == 2
    assert f"--format {fmt}" in str(raised.value)


def test_every_advertised_format_renders() -> None:
    assert FORMATS == ("sh", "fish", "powershell", "dotenv", "json", "credential-process")
    for fmt in FORMATS:
        assert KEY in render(CREDS, "eu-west-1", fmt)
