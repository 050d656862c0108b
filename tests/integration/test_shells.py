"""The printed lines evaluated by real bash, zsh and fish, against moto's STS.

Nothing here touches a file with a secret in it: the CLI's output reaches each shell through
command substitution or a pipe, and the shell reports its environment on stdout.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from assume.formats import ALL_VARIABLES, render
from assume.models import Credentials
from tests.conftest import run_assume
from tests.support import aws_world
from tests.support.sts_server import StsServer

pytestmark = pytest.mark.integration

SHELLS = ("bash", "zsh", "fish")
POSIX_SHELLS = ("bash", "zsh")
ROLE_A_ARN = "arn:aws:sts::123456789012:assumed-role/Role-A/hop"
ISO_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
# Prints every AWS_ variable of the shell's environment as JSON on one line.
DUMP = (
    "import json, os; "
    "print(json.dumps({k: v for k, v in os.environ.items() if k.startswith('AWS_')}))"
)
STALE = {"AWS_PROFILE": "alice", "AWS_DEFAULT_PROFILE": "alice", "AWS_SECURITY_TOKEN": "stale"}


def shell_argv(shell: str, script: str) -> list[str]:
    """Run `script` in a real shell without reading any rc file."""
    if shell == "bash":
        return ["bash", "--norc", "--noprofile", "-c", script]
    if shell == "zsh":
        return ["zsh", "-f", "-c", script]
    if shell == "dash":
        return ["dash", "-c", script]
    return ["fish", "--no-config", "-c", script]


def run_shell(
    shell: str, script: str, env: dict[str, str] | None = None, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`$PY` is this interpreter and `$DUMP` the environment dump, for both syntaxes."""
    return subprocess.run(
        shell_argv(shell, script),
        env={**os.environ, "PY": sys.executable, "DUMP": DUMP, **(env or {})},
        capture_output=True,
        text=True,
        input=input,
        stdin=None if input is not None else subprocess.DEVNULL,
        timeout=120,
    )


def eval_script(shell: str, args: str) -> str:
    """The documented way to use `assume ARGS` in each shell, then the dump."""
    if shell == "fish":
        return f"$PY -m assume {args} | source; $PY -c $DUMP"
    return f'eval "$("$PY" -m assume {args})"; "$PY" -c "$DUMP"'


def source_stdin_script(shell: str) -> str:
    """Evaluate whatever arrives on stdin, as a user's eval / source would, then the dump."""
    if shell == "fish":
        return "cat | source; $PY -c $DUMP"
    return 'eval "$(cat)"; "$PY" -c "$DUMP"'


def dumped(result: subprocess.CompletedProcess[str]) -> dict[str, str]:
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines, f"no output; stderr: {result.stderr}"
    return dict(json.loads(lines[-1]))


def caller_arn(world: aws_world.World, env: dict[str, str]) -> str:
    sts = world.client("sts", key=env["AWS_ACCESS_KEY_ID"], secret=env["AWS_SECRET_ACCESS_KEY"],
                       token=env["AWS_SESSION_TOKEN"])
    return str(sts.get_caller_identity()["Arn"])


def assert_session_variables(env: dict[str, str], region: str) -> None:
    assert env["AWS_ACCESS_KEY_ID"].startswith("ASIA")
    assert env["AWS_SECRET_ACCESS_KEY"]
    assert env["AWS_SESSION_TOKEN"]
    expiration = env["AWS_CREDENTIAL_EXPIRATION"]
    assert ISO_Z.match(expiration), expiration
    expires = datetime.strptime(expiration, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    assert timedelta(minutes=15) < expires - datetime.now(timezone.utc) <= timedelta(hours=1)
    assert env["AWS_REGION"] == region
    assert env["AWS_DEFAULT_REGION"] == region


# --- eval / source of the real CLI's output ------------------------------------------------


@pytest.mark.usefixtures("no_keyring")
@pytest.mark.parametrize("shell", SHELLS)
def test_eval_sets_every_variable_and_the_credentials_work(
    shell: str, world: aws_world.World
) -> None:
    env = dumped(run_shell(shell, eval_script(shell, "Role-A"), env=STALE))
    assert_session_variables(env, "us-east-1")
    assert caller_arn(world, env) == ROLE_A_ARN


@pytest.mark.usefixtures("no_keyring")
@pytest.mark.parametrize("shell", SHELLS)
def test_eval_unsets_a_profile_set_beforehand(shell: str, world: aws_world.World) -> None:
    env = dumped(run_shell(shell, eval_script(shell, "Role-A"), env=STALE))
    for name in STALE:
        assert name not in env, f"{name} survived the eval in {shell}"
    # The dump does see the shell's other AWS variables: the unset is selective.
    assert env["AWS_ENDPOINT_URL"] == world.endpoint
    assert env["AWS_CONFIG_FILE"] == os.environ["AWS_CONFIG_FILE"]


@pytest.mark.usefixtures("no_keyring")
@pytest.mark.parametrize("shell", SHELLS)
def test_eval_of_a_cross_account_profile_sets_its_region(
    shell: str, world: aws_world.World
) -> None:
    env = dumped(run_shell(shell, eval_script(shell, "cross"), env=STALE))
    assert_session_variables(env, "eu-west-1")
    assert caller_arn(world, env).startswith(
        f"arn:aws:sts::{aws_world.OTHER_ACCOUNT}:assumed-role/Cross-Role/"
    )


@pytest.mark.usefixtures("no_keyring")
@pytest.mark.parametrize("shell", SHELLS)
def test_explicit_format_for_the_shell_works_when_evaluated(
    shell: str, world: aws_world.World
) -> None:
    fmt = "fish" if shell == "fish" else "sh"
    env = dumped(run_shell(shell, eval_script(shell, f"Role-A --format {fmt}"), env=STALE))
    assert_session_variables(env, "us-east-1")
    assert "AWS_PROFILE" not in env
    assert caller_arn(world, env) == ROLE_A_ARN


@pytest.mark.usefixtures("no_keyring")
@pytest.mark.parametrize("shell", POSIX_SHELLS)
def test_default_format_under_a_posix_shell_is_export_lines(
    shell: str, world: aws_world.World
) -> None:
    result = run_shell(shell, 'printf "%s\\n" "$("$PY" -m assume Role-A)"')
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("export AWS_ACCESS_KEY_ID='ASIA")
    assert lines[-1] == (
        "unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SECURITY_TOKEN AWS_SESSION_EXPIRATION"
    )
    assert not any(line.startswith("set ") for line in lines)


@pytest.mark.usefixtures("no_keyring")
def test_default_format_under_fish_is_fish_syntax(world: aws_world.World) -> None:
    # `; true` keeps fish as the parent process of python.
    result = run_shell("fish", "$PY -m assume Role-A; true")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("set -gx AWS_ACCESS_KEY_ID 'ASIA")
    assert lines[-4:] == [
        "set -e AWS_PROFILE; or true",
        "set -e AWS_DEFAULT_PROFILE; or true",
        "set -e AWS_SECURITY_TOKEN; or true",
        "set -e AWS_SESSION_EXPIRATION; or true",
    ]
    assert not any(line.startswith(("export ", "unset ")) for line in lines)


@pytest.mark.usefixtures("no_keyring")
@pytest.mark.parametrize("shell", SHELLS)
def test_unset_clears_every_variable(shell: str, world: aws_world.World) -> None:
    preset = {name: f"stale-{name}" for name in ALL_VARIABLES}
    env = dumped(run_shell(shell, eval_script(shell, "--unset"), env=preset))
    assert sorted(set(ALL_VARIABLES) & set(env)) == []
    assert env["AWS_ENDPOINT_URL"] == world.endpoint


@pytest.mark.usefixtures("no_keyring")
@pytest.mark.parametrize("shell", SHELLS)
def test_unset_after_eval_leaves_no_credentials(shell: str, world: aws_world.World) -> None:
    if shell == "fish":
        script = ("$PY -m assume Role-A | source; $PY -c $DUMP; "
                  "$PY -m assume --unset | source; $PY -c $DUMP")
    else:
        script = ('eval "$("$PY" -m assume Role-A)"; "$PY" -c "$DUMP"; '
                  'eval "$("$PY" -m assume --unset)"; "$PY" -c "$DUMP"')
    result = run_shell(shell, script)
    assert result.returncode == 0, result.stderr
    before, after = (json.loads(line) for line in result.stdout.strip().splitlines()[-2:])
    assert before["AWS_ACCESS_KEY_ID"].startswith("ASIA")
    assert sorted(set(ALL_VARIABLES) & set(after)) == []


@pytest.mark.usefixtures("no_keyring")
@pytest.mark.parametrize("shell", SHELLS)
def test_evaluating_the_output_succeeds_so_and_chains_run(
    shell: str, world: aws_world.World
) -> None:
    """`eval "$(assume X)" && cmd` / `assume X | source; and cmd` run cmd, also when the
    conflicting variables were not set (erasing an unset variable fails in fish)."""
    if shell == "fish":
        script = ("$PY -m assume Role-A | source; and echo assumed=$status; "
                  "$PY -m assume --unset | source; and echo unset=$status")
    else:
        script = ('eval "$("$PY" -m assume Role-A)" && echo "assumed=$?"; '
                  'eval "$("$PY" -m assume --unset)" && echo "unset=$?"')
    result = run_shell(shell, script)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["assumed=0", "unset=0"]


# --- injection -----------------------------------------------------------------------------


def hostile_values(marker: Path) -> dict[str, str]:
    """Values that run `touch MARKER` if a shell ever treats them as code."""
    return {
        "sh_breakout": f"us-east-1'; touch {marker}; '",
        "double_quote_breakout": f'us-east-1"; touch {marker}; "',
        "command_substitution": f"us-east-1$(touch {marker})",
        "backticks": f"us-east-1`touch {marker}`",
        "fish_breakout": f"us-east-1\\'; touch {marker}; echo \\'",
        "fish_command_substitution": f"us-east-1(touch {marker})",
        "trailing_backslash": f"us-east-1; touch {marker} \\",
        "newline": f"us-east-1\ntouch {marker}",
        "typographic_quotes": f"us-east-1\u2019; touch {marker}; \u2018",
    }


HOSTILE_NAMES = tuple(hostile_values(Path("/m")))


@pytest.mark.parametrize("name", HOSTILE_NAMES)
@pytest.mark.parametrize("shell", SHELLS)
def test_rendered_hostile_values_stay_literal_in_the_shell(
    shell: str, name: str, tmp_path: Path
) -> None:
    marker = tmp_path / "injected"
    value = hostile_values(marker)[name]
    creds = Credentials(
        "ASIA" + value, "secret-" + value, "token-" + value,
        datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
    )
    text = render(creds, value, "fish" if shell == "fish" else "sh")
    env = dumped(run_shell(shell, source_stdin_script(shell), env=STALE, input=text))
    assert not marker.exists(), f"{shell} ran code from {name}"
    assert env["AWS_REGION"] == value
    assert env["AWS_DEFAULT_REGION"] == value
    assert env["AWS_ACCESS_KEY_ID"] == "ASIA" + value
    assert env["AWS_SECRET_ACCESS_KEY"] == "secret-" + value
    assert env["AWS_SESSION_TOKEN"] == "token-" + value
    assert env["AWS_CREDENTIAL_EXPIRATION"] == "2030-01-02T03:04:05Z"
    assert "AWS_PROFILE" not in env


def config_value(value: str) -> str:
    """A value as an INI line holds it: a newline becomes an indented continuation line."""
    return value.replace("\n", "\n  ")


@pytest.fixture
def secret_service(monkeypatch: pytest.MonkeyPatch) -> None:
    """The real gnome-keyring the suite runs under, named explicitly: keyring's discovery
    would hand out a chain with a plaintext fallback when keyrings.alt is installed, and
    `assume` rightly refuses that chain."""
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.SecretService.Keyring")


def fill_cache() -> dict[str, str]:
    """Role-A's session in the real keyring; its values as `--format json` printed them."""
    first = run_assume("Role-A", "--format", "json")
    assert first.returncode == 0, first.stderr
    return dict(json.loads(first.stdout))


@pytest.mark.usefixtures("secret_service")
@pytest.mark.parametrize("name", HOSTILE_NAMES)
@pytest.mark.parametrize("shell", SHELLS)
def test_hostile_region_in_config_is_refused_on_a_cache_hit_too(
    shell: str, name: str, world: aws_world.World, server: StsServer, home: Path, tmp_path: Path
) -> None:
    """The CLI end to end, real keyring: Role-A's session is cached, then a profile for the
    same role and session with a hostile region would be served from that cache, where no
    botocore call refuses the region. It is refused as on a miss: exit 2, nothing to eval."""
    marker = tmp_path / "injected"
    value = hostile_values(marker)[name]
    fill_cache()
    assert server.calls().get("AssumeRole") == 1
    aws_world.write_config(
        home, world,
        f"[profile hostile]\nrole_arn = {world.role_a}\nsource_profile = alice\n"
        f"role_session_name = {aws_world.ROLE_A_SESSION}\nregion = {config_value(value)}\n",
    )
    direct = run_assume("hostile")
    assert direct.returncode == 2, direct.stderr
    assert direct.stdout == ""
    assert "Invalid region" in direct.stderr
    env = dumped(run_shell(shell, eval_script(shell, "hostile"), env=STALE))
    assert not marker.exists(), f"{shell} ran code from a config region ({name})"
    assert "AWS_ACCESS_KEY_ID" not in env
    assert "AWS_REGION" not in env
    assert server.calls().get("AssumeRole") == 1


@pytest.mark.usefixtures("secret_service")
@pytest.mark.parametrize("where", ["--region", "AWS_REGION", "AWS_DEFAULT_REGION"])
def test_hostile_region_on_a_cache_hit_writes_no_dotenv_file_to_source(
    where: str, world: aws_world.World, server: StsServer, tmp_path: Path
) -> None:
    """The issue's reproduction: after a cache fill, `assume Role-A --region "x'; touch F #"
    -f dotenv > aws.env; set -a; . ./aws.env` ran `touch`."""
    marker = tmp_path / "pwned"
    value = f"x'; touch {marker} #"
    fill_cache()
    if where == "--region":
        args, env = f'--region "{value}"', {}
    else:
        args, env = "", {where: value}
    script = (f'cd "{tmp_path}"; "$PY" -m assume Role-A {args} -f dotenv > aws.env; '
              'echo "status=$?"; set -a; . ./aws.env; "$PY" -c "$DUMP"')
    result = run_shell("bash", script, env=env)
    assert not marker.exists()
    assert "status=2" in result.stdout, result.stderr
    assert (tmp_path / "aws.env").read_text() == ""
    assert "Invalid region" in result.stderr
    assert server.calls().get("AssumeRole") == 1


@pytest.mark.usefixtures("secret_service")
@pytest.mark.parametrize("shell", ["bash", "dash", "zsh"])
def test_dotenv_file_reads_back_exactly_in_sh_python_dotenv_and_docker(
    shell: str, world: aws_world.World, server: StsServer, tmp_path: Path
) -> None:
    """`set -a; . ./aws.env` in a POSIX shell, python-dotenv and the `docker --env-file`
    rules all read the same values as the JSON output, from the cache (the fast path)."""
    import dotenv

    from tests.test_formats import read_like_docker

    printed = fill_cache()
    expected = {
        "AWS_ACCESS_KEY_ID": printed["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": printed["SecretAccessKey"],
        "AWS_SESSION_TOKEN": printed["SessionToken"],
        "AWS_CREDENTIAL_EXPIRATION": printed["Expiration"],
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    env_file = tmp_path / "aws.env"
    try:  # the file holds a secret: it goes before the suite's scan for secrets on disk
        script = (f'cd "{tmp_path}" && "$PY" -m assume Role-A -f dotenv > aws.env && '
                  'set -a && . ./aws.env && "$PY" -c "$DUMP"')
        sourced = dumped(run_shell(shell, script))
        text = env_file.read_text()
    finally:
        env_file.unlink(missing_ok=True)
    assert {name: sourced[name] for name in expected} == expected
    assert dotenv.dotenv_values(stream=io.StringIO(text)) == expected
    assert read_like_docker(text) == expected
    assert server.calls().get("AssumeRole") == 1


@pytest.mark.usefixtures("no_keyring")
@pytest.mark.parametrize("shell", SHELLS)
def test_hostile_region_without_a_cached_session_prints_nothing_to_eval(
    shell: str, world: aws_world.World, home: Path, tmp_path: Path
) -> None:
    marker = tmp_path / "injected"
    value = hostile_values(marker)["sh_breakout"]
    aws_world.write_config(
        home, world,
        f"[profile hostile]\nrole_arn = {world.role_a}\nsource_profile = alice\n"
        f"region = {value}\n",
    )
    direct = run_assume("hostile")
    assert direct.returncode == 2, direct.stderr
    assert direct.stdout == ""
    assert "region" in direct.stderr.lower()
    env = dumped(run_shell(shell, eval_script(shell, "hostile"), env=STALE))
    assert not marker.exists()
    assert "AWS_ACCESS_KEY_ID" not in env
    assert "AWS_REGION" not in env


# --- exec ----------------------------------------------------------------------------------


@pytest.mark.usefixtures("no_keyring")
@pytest.mark.parametrize("code", [0, 7])
def test_exec_gives_the_child_credentials_and_returns_its_exit_code(
    code: int, world: aws_world.World
) -> None:
    child = f"{DUMP}; raise SystemExit({code})"
    result = run_assume("exec", "Role-A", "--", sys.executable, "-c", child, env=STALE)
    assert result.returncode == code, result.stderr
    env = dict(json.loads(result.stdout.strip().splitlines()[-1]))
    assert_session_variables(env, "us-east-1")
    for name in STALE:
        assert name not in env
    assert caller_arn(world, env) == ROLE_A_ARN


@pytest.mark.usefixtures("no_keyring")
@pytest.mark.parametrize("shell", SHELLS)
def test_exec_from_a_shell_runs_a_shell_command_and_reports_its_status(
    shell: str, world: aws_world.World
) -> None:
    inner = '"$PY" -c "$DUMP"; exit 7'
    if shell == "fish":
        script = f"$PY -m assume exec Role-A -- sh -c '{inner}'; echo status=$status"
    else:
        script = f"\"$PY\" -m assume exec Role-A -- sh -c '{inner}'; echo status=$?"
    result = run_shell(shell, script, env=STALE)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[-1] == "status=7"
    env = dict(json.loads(lines[-2]))
    assert "AWS_PROFILE" not in env
    assert caller_arn(world, env) == ROLE_A_ARN
