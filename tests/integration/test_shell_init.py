"""`assume shell-init`: the function in real bash, zsh and fish, against moto's STS."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support import aws_world
from tests.support.sts_server import StsServer
from tests.support.tools import console_script, shell_environment

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("no_keyring")]

SHELLS = ["bash", "zsh", "fish"]
SHELL_ARGS = {"bash": ["--norc", "--noprofile", "-c"], "zsh": ["-f", "-c"],
              "fish": ["--no-config", "-c"]}
LOAD = {"bash": 'eval "$(assume shell-init bash)"', "zsh": 'eval "$(assume shell-init zsh)"',
        "fish": "assume shell-init fish | source"}
VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION",
             "AWS_PROFILE")


def run_shell(shell: str, script: str, *, load: bool = True) -> subprocess.CompletedProcess[str]:
    """Run `script` in a fresh `shell`, after loading the function."""
    status = "$status" if shell == "fish" else "$?"
    body = script.replace("{status}", status)
    full = f"{LOAD[shell]}\n{body}" if load else body
    return subprocess.run([shell, *SHELL_ARGS[shell], full], env=shell_environment(),
                          capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)


def export(shell: str, name: str, value: str) -> str:
    return f"set -gx {name} '{value}'" if shell == "fish" else f"export {name}='{value}'"


def show_variables() -> str:
    return "\n".join(f'echo "{name}=${name}"' for name in VARIABLES)


def parse(stdout: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in stdout.splitlines() if "=" in line)


def caller_arn(world: aws_world.World, seen: dict[str, str]) -> str:
    sts = world.client("sts", key=seen["AWS_ACCESS_KEY_ID"], secret=seen["AWS_SECRET_ACCESS_KEY"],
                       token=seen["AWS_SESSION_TOKEN"])
    return str(sts.get_caller_identity()["Arn"])


@pytest.mark.parametrize("shell", SHELLS)
def test_assume_sets_the_credentials_in_the_shell_itself(
    world: aws_world.World, shell: str
) -> None:
    result = run_shell(shell, f"""
{export(shell, "AWS_PROFILE", "alice")}
assume Role-A
echo "rc={{status}}"
{show_variables()}
echo "leftover=$__assume_out"
""")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("rc=0\n")  # the function itself prints nothing
    seen = parse(result.stdout)
    assert caller_arn(world, seen) == "arn:aws:sts::123456789012:assumed-role/Role-A/hop"
    assert seen["AWS_REGION"] == "us-east-1"
    assert seen["AWS_PROFILE"] == ""  # it would contradict the new credentials
    assert seen["leftover"] == ""


@pytest.mark.parametrize("shell", SHELLS)
def test_unset_clears_what_assume_set(world: aws_world.World, shell: str) -> None:
    result = run_shell(shell, f"""
assume Role-A
assume --unset
echo "rc={{status}}"
{show_variables()}
""")
    assert result.returncode == 0, result.stderr
    seen = parse(result.stdout)
    assert seen.pop("rc") == "0"
    assert set(seen.values()) == {""}


@pytest.mark.parametrize("shell", SHELLS)
def test_a_failing_assume_keeps_its_exit_code_and_changes_nothing(
    world: aws_world.World, server: StsServer, shell: str
) -> None:
    server.enforce_policies()  # so STS refuses the made-up keys below
    before = {"AWS_ACCESS_KEY_ID": "AKIAOLDOLDOLDOLDOLD0", "AWS_SECRET_ACCESS_KEY": "old",
              "AWS_SESSION_TOKEN": "old-token", "AWS_REGION": "eu-north-1",
              "AWS_PROFILE": "alice"}
    exports = "\n".join(export(shell, name, value) for name, value in before.items())
    result = run_shell(shell, f"""
{exports}
command assume nosuchprofile >/dev/null 2>/dev/null
echo "plain={{status}}"
assume nosuchprofile
echo "function={{status}}"
assume 12345:Role-A
echo "bad_input={{status}}"
{show_variables()}
""")
    seen = parse(result.stdout)
    assert seen.pop("plain") == seen.pop("function") != "0"
    assert seen.pop("bad_input") == "2"
    assert seen == before
    errors = result.stderr.splitlines()
    assert len(errors) == 2 and all(line.startswith("error: ") for line in errors), errors


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize(
    "args", ["--version", "--help", "", "cache --help", "cache list", "Role-A --help",
             "shell-init fish", "configure --help"],
)
def test_subcommands_help_and_version_behave_as_without_the_function(
    world: aws_world.World, shell: str, args: str
) -> None:
    plain = run_shell(shell, f"command assume {args}", load=False)
    wrapped = run_shell(shell, f"assume {args}\necho \"rc={{status}}\"\n{show_variables()}")
    assert wrapped.stdout.startswith(plain.stdout)
    assert f"rc={plain.returncode}\n" in wrapped.stdout
    assert wrapped.stderr == plain.stderr
    assert set(parse(wrapped.stdout[len(plain.stdout):]).values()) == {str(plain.returncode), ""}


@pytest.mark.parametrize("shell", SHELLS)
def test_exec_and_an_explicit_format_print_and_leave_the_shell_alone(
    world: aws_world.World, shell: str
) -> None:
    result = run_shell(shell, f"""
assume exec Role-A -- printenv AWS_SESSION_TOKEN >/dev/null
echo "exec={{status}}"
assume Role-A --format json
{show_variables()}
""")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("exec=0\n{")
    document = json.loads(result.stdout[len("exec=0\n"):result.stdout.index("}") + 1])
    assert document["AccessKeyId"].startswith("ASIA")
    seen = parse(result.stdout[result.stdout.index("}") + 1 :])
    assert set(seen.values()) == {""}


NEAR_MISS = """#!/bin/sh
# Stands in for `assume` printing something other than its export lines: the function must
# print it, never run it. `shell-init` goes to the real command.
[ "$1" = shell-init ] && exec "$REAL_ASSUME" "$@"
case "$2" in
  fish) echo "set -gx AWS_ACCESS_KEY_ID 'x'; touch '$MARK'; echo 'x'" ;;
  *) echo "export AWS_ACCESS_KEY_ID='x'; touch '$MARK'; echo 'x'" ;;
esac
"""


@pytest.mark.parametrize("shell", SHELLS)
def test_output_other_than_export_lines_is_printed_never_run(
    home: Path, tmp_path: Path, shell: str
) -> None:
    fake = tmp_path / "bin" / "assume"
    fake.parent.mkdir()
    fake.write_text(NEAR_MISS)
    fake.chmod(0o755)
    mark = tmp_path / "ran"
    env = {**shell_environment(), "REAL_ASSUME": str(console_script()), "MARK": str(mark)}
    env["PATH"] = f"{fake.parent}{os.pathsep}{env['PATH']}"
    script = f"{LOAD[shell]}\nassume Role-A\necho \"rc={'$status' if shell == 'fish' else '$?'}\""
    result = subprocess.run([shell, *SHELL_ARGS[shell], f"{script}\n{show_variables()}"],
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.stderr == ""
    assert result.stdout.splitlines()[0].endswith("echo 'x'")
    assert "rc=0" in result.stdout
    assert parse(result.stdout)["AWS_ACCESS_KEY_ID"] == ""
    assert not mark.exists()


@pytest.mark.parametrize("shell", SHELLS)
def test_the_printed_lines_still_work_with_the_function_loaded(
    world: aws_world.World, shell: str
) -> None:
    use = "assume Role-A | source" if shell == "fish" else 'eval "$(assume Role-A)"'
    result = run_shell(shell, f"{use}\n{show_variables()}")
    assert result.returncode == 0, result.stderr
    assert caller_arn(world, parse(result.stdout)).endswith(":assumed-role/Role-A/hop")


def test_the_powershell_function_forces_its_format_and_checks_the_exit_code(
    world: aws_world.World,
) -> None:
    script = subprocess.run([str(console_script()), "shell-init", "powershell"],
                            env=shell_environment(), capture_output=True, text=True, check=True)
    assert script.stdout.startswith("# assume shell integration (PowerShell)")
    assert "--format powershell @args" in script.stdout
    assert "if ($LASTEXITCODE -eq 0 -and $out.Count -gt 0 -and $other.Count -eq 0)" in script.stdout
    pwsh = shutil.which("pwsh")
    if pwsh is None:
        return
    result = subprocess.run(
        [pwsh, "-NoProfile", "-Command",
         f"{script.stdout}\nassume Role-A\n'key=' + $Env:AWS_ACCESS_KEY_ID\n"
         "assume 12345:Role-A\n'rc=' + $LASTEXITCODE"],
        env=shell_environment(), capture_output=True, text=True, timeout=120)
    seen = parse(result.stdout)
    assert seen["key"].startswith("ASIA") and seen["rc"] == "2"
