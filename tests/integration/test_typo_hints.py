"""A TARGET that looks like a mistyped profile, and a --profile that repeats the profile's own
source: the real CLI (full and fast path) against moto's STS."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import run_assume
from tests.support import aws_world
from tests.support.secret_service import require_secret_service
from tests.support.tools import run_with_a_terminal

pytestmark = pytest.mark.integration

HINT = "no profile 'Rol-A'; using it as a role name in the account of {source}; " \
    "did you mean 'Role-A'?"
SECRET_SERVICE = "keyring.backends.SecretService.Keyring"


def run_with_terminal_stderr(*args: str) -> tuple[int, str, str]:
    """Run `assume ARGS` with stderr on a pseudo-terminal (a person watching) and stdout piped."""
    return run_with_a_terminal(*args, terminal="stderr")


@pytest.mark.usefixtures("no_keyring")
def test_a_failing_typo_says_which_profile_was_meant_in_its_one_error_line(
    world: aws_world.World,
) -> None:
    result = run_assume("Rol-A", "--format", "json")  # [default] has no keys: no source
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.startswith("error: No source credentials found")
    assert result.stderr.count("\n") == 1
    assert "N" + HINT.format(source="profile default")[1:] in result.stderr  # a sentence


@pytest.mark.usefixtures("no_keyring")
def test_a_typo_that_fails_while_resolving_also_names_the_profile(world: aws_world.World) -> None:
    result = run_assume("Rol-A", "--profile", "alcie")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.count("\n") == 1
    assert "Did you mean 'alice'?" in result.stderr
    assert "did you mean 'Role-A'?" in result.stderr


@pytest.mark.usefixtures("no_keyring")
def test_a_typo_that_works_is_quiet_when_piped_and_noted_on_a_terminal(
    world: aws_world.World,
) -> None:
    piped = run_assume("--profile", "alice", "Rol-A", "--format", "json")
    assert piped.returncode == 0, piped.stderr
    assert piped.stderr == ""
    code, out, err = run_with_terminal_stderr("--profile", "alice", "Rol-A", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["AccessKeyId"]
    assert err == f"note: {HINT.format(source='profile alice')}\n"


def test_the_fast_path_notes_a_typo_only_on_a_terminal(
    world: aws_world.World, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_secret_service()
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", SECRET_SERVICE)
    args = ("--profile", "alice", "Rol-A", "--format", "credential-process")
    first = run_assume(*args)  # fills the keyring
    assert first.returncode == 0, first.stderr
    hit = subprocess.run([sys.executable, "-X", "importtime", "-m", "assume", *args],
                         capture_output=True, text=True, timeout=60)
    assert hit.stdout == first.stdout
    imported = {line.split("|")[-1].strip() for line in hit.stderr.splitlines() if "|" in line}
    assert "click" not in imported  # served by the fast path
    assert "difflib" not in imported  # which looks for typos only when a person watches
    assert "did you mean" not in hit.stderr
    code, out, err = run_with_terminal_stderr(*args)
    assert (code, out) == (0, first.stdout)
    assert err == f"note: {HINT.format(source='profile alice')}\n"


@pytest.mark.usefixtures("no_keyring")
def test_profile_repeating_the_role_profiles_own_source_is_accepted(
    world: aws_world.World,
) -> None:
    for args in (["--profile", "alice", "Role-A"], ["--profile", "Role-A", "Role-B"],
                 ["--profile", "alice", "Role-B"]):
        result = run_assume(*args, "--dry-run")
        assert result.returncode == 0, result.stderr
    creds = json.loads(run_assume("--profile", "alice", "Role-A", "--format", "json").stdout)
    sts = world.client("sts", key=creds["AccessKeyId"], secret=creds["SecretAccessKey"],
                       token=creds["SessionToken"])
    assert sts.get_caller_identity()["Arn"].endswith(":assumed-role/Role-A/hop")


@pytest.mark.usefixtures("no_keyring")
def test_profile_naming_a_different_source_is_refused_in_one_line(
    world: aws_world.World,
) -> None:
    result = run_assume("--profile", "Role-B", "Role-A")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "error: Profile 'Role-A' names its own source (source_profile = alice), not 'Role-B'; "
        "--profile cannot apply to it. Drop --profile, or pass the role ARN instead.\n"
    )
