"""`assume shell-init`'s prompt hook in real interactive bash, zsh and fish (pexpect), against
moto's STS: credentials near expiry are re-exported at the next prompt, from the cache or STS."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pexpect
import pytest

from tests.support import aws_world, kernel_keys
from tests.support.sts_server import StsServer
from tests.support.tools import shell_environment

pytestmark = [pytest.mark.integration]

SHELLS = ["bash", "zsh", "fish"]
PROMPT = "READY>"
START = {"bash": ["--norc", "--noprofile", "-i"], "zsh": ["-f", "-i"],
         "fish": ["--no-config", "-i"]}
SETUP = {
    "bash": "PS1='$ '; eval \"$(assume shell-init bash)\"",
    "zsh": "PROMPT='$ '; eval \"$(assume shell-init zsh)\"",
    "fish": "function fish_prompt; echo -n '$ '; end; assume shell-init fish | source",
}
# Typed as `@@'DONE'@@`, printed as @@DONE@@: the terminal's echo of a line (fish repaints it
# on every key) never looks like the output.
MARK = "@@DONE@@"
MARK_COMMAND = "echo @@'DONE'@@"
SERIAL = "arn:aws:iam::123456789012:mfa/alice"


class Shell:
    """An interactive shell on a pseudo-terminal, driven line by line."""

    def __init__(self, name: str, env: dict[str, str]) -> None:
        self.name = name
        self.child = pexpect.spawn(name, START[name], env={**env, "TERM": "dumb"},
                                   encoding="utf-8", timeout=60, dimensions=(50, 400))
        self.run(SETUP[name])

    def run(self, line: str) -> str:
        """Send one line; what the terminal showed until the marker that follows it (the
        prompt hook runs in between, before the shell reads the marker's line)."""
        self.child.sendline(line)
        self.child.sendline(MARK_COMMAND)
        self.child.expect_exact(MARK)
        return self._clean(self.child.before or "")

    def enter(self) -> str:
        return self.run("")

    def export(self, name: str, value: str) -> str:
        if self.name == "fish":
            return self.run(f"set -gx {name} '{value}'")
        return self.run(f"export {name}='{value}'")

    def variables(self) -> dict[str, str]:
        out = self.run('echo "K=$AWS_ACCESS_KEY_ID" "E=$AWS_CREDENTIAL_EXPIRATION" '
                       '"T=$AWS_SESSION_TOKEN"')
        match = re.search(r'K=([^\s$"]*) E=([^\s$"]*) T=([^\s$"]*)', out)
        assert match, out
        return {"key": match[1], "expires": match[2], "token": match[3]}

    @staticmethod
    def _clean(text: str) -> str:
        return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\r", "", text)

    def close(self) -> None:
        self.child.close(force=True)


@pytest.fixture
def shell_env(world: aws_world.World, home: Path) -> dict[str, str]:
    """The shells' environment: the kernel keyring as the cache, no MFA terminal tricks."""
    kernel_keys.require_kernel_keyring()
    return shell_environment(ASSUME_CACHE_BACKEND="kernel")


@pytest.fixture
def open_shell(shell_env: dict[str, str]):  # type: ignore[no-untyped-def]
    shells: list[Shell] = []

    def start(name: str, **extra: str) -> Shell:
        shell = Shell(name, {**shell_env, **extra})
        shells.append(shell)
        return shell

    yield start
    for shell in shells:
        shell.close()


def soon(seconds: int = 60) -> str:
    return (datetime.now(timezone.utc) + timedelta(seconds=seconds)).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def seconds_left(iso: str) -> float:
    expires = datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    return (expires - datetime.now(timezone.utc)).total_seconds()


def assume_role_calls(server: StsServer) -> int:
    return server.calls().get("AssumeRole", 0)


@pytest.mark.parametrize("shell", SHELLS)
def test_near_expiry_the_next_prompt_re_exports_from_the_cache(
    open_shell, server: StsServer, shell: str  # type: ignore[no-untyped-def]
) -> None:
    sh = open_shell(shell)
    assert "error" not in sh.run("assume Role-A")
    before = sh.variables()
    assert before["key"].startswith("ASIA") and seconds_left(before["expires"]) > 3000
    sh.export("AWS_CREDENTIAL_EXPIRATION", soon())
    sh.enter()
    after = sh.variables()
    assert after == before, "the cached session, with its real expiry, is back"
    assert assume_role_calls(server) == 1


@pytest.mark.parametrize("shell", SHELLS)
def test_near_expiry_with_nothing_fresh_cached_gets_a_new_session(
    open_shell, server: StsServer, shell: str  # type: ignore[no-untyped-def]
) -> None:
    sh = open_shell(shell, ASSUME_CACHE_BACKEND="none")
    sh.run("assume Role-A --region eu-west-1")
    before = sh.variables()
    sh.export("AWS_CREDENTIAL_EXPIRATION", soon())
    sh.enter()
    after = sh.variables()
    assert after["key"].startswith("ASIA") and after["key"] != before["key"]
    assert seconds_left(after["expires"]) > 3000
    assert assume_role_calls(server) == 2
    assert server.last("AssumeRole")["RoleArn"].endswith(":role/Role-A")
    assert "eu-west-1" in sh.run('echo "R=$AWS_REGION"')


@pytest.mark.parametrize("shell", SHELLS)
def test_auto_refresh_off_leaves_the_variables_alone(
    open_shell, server: StsServer, shell: str  # type: ignore[no-untyped-def]
) -> None:
    sh = open_shell(shell, ASSUME_AUTO_REFRESH="0")
    sh.run("assume Role-A")
    near = soon()
    sh.export("AWS_CREDENTIAL_EXPIRATION", near)
    sh.enter()
    assert sh.variables()["expires"] == near
    assert assume_role_calls(server) == 1


@pytest.mark.parametrize("shell", SHELLS)
def test_far_from_expiry_the_prompt_runs_nothing(
    open_shell, server: StsServer, shell: str  # type: ignore[no-untyped-def]
) -> None:
    sh = open_shell(shell)
    sh.run("assume Role-A")
    before = sh.variables()
    sh.export("AWS_CREDENTIAL_EXPIRATION", soon(3000))
    sh.enter()
    sh.enter()
    assert sh.variables()["expires"] != before["expires"], "nothing re-exported"
    assert assume_role_calls(server) == 1


@pytest.mark.parametrize("shell", SHELLS)
def test_credentials_not_from_assume_are_never_replaced(
    open_shell, server: StsServer, shell: str  # type: ignore[no-untyped-def]
) -> None:
    sh = open_shell(shell)
    sh.run("assume Role-A")
    sh.export("AWS_ACCESS_KEY_ID", "ASIAOTHERTOOLOTHER00")
    near = soon()
    sh.export("AWS_CREDENTIAL_EXPIRATION", near)
    sh.enter()
    seen = sh.variables()
    assert (seen["key"], seen["expires"]) == ("ASIAOTHERTOOLOTHER00", near)


@pytest.fixture
def mfa_profile(world: aws_world.World, home: Path) -> None:
    with (home / ".aws" / "config").open("a") as config:
        config.write(f"\n[profile mfa-a]\nrole_arn = {world.role_a}\nsource_profile = alice\n"
                     f"mfa_serial = {SERIAL}\n")


@pytest.mark.parametrize("shell", SHELLS)
def test_when_mfa_is_needed_one_line_and_nothing_changes(
    open_shell, server: StsServer, mfa_profile: None, shell: str  # type: ignore[no-untyped-def]
) -> None:
    sh = open_shell(shell, ASSUME_CACHE_BACKEND="none")
    sh.run("assume mfa-a --mfa-token 123456")
    before = sh.variables()
    assert before["key"].startswith("ASIA")
    near = soon()
    out = sh.export("AWS_CREDENTIAL_EXPIRATION", near)  # its prompt runs the hook
    assert out.count("error: ") == 1 and out.count("MFA code is needed") == 1, out
    assert "error" not in sh.enter(), "no retry, no second line"
    assert sh.variables() == {**before, "expires": near}
    assert server.calls() == {"GetSessionToken": 1, "AssumeRole": 1}, "the first assume only"


NO_PROCESS = {
    "bash": """eval "$(assume shell-init bash)"
assume Role-A && __assume_prompt_hook
PATH=/nonexistent
for i in 1 2 3 4 5 6 7 8 9 10; do __assume_prompt_hook; done
echo "done=$?"
""",
    "zsh": """eval "$(assume shell-init zsh)"
assume Role-A && __assume_prompt_hook
PATH=/nonexistent
for i in 1 2 3 4 5 6 7 8 9 10; do __assume_prompt_hook; done
echo "done=$?"
""",
    "fish": """assume shell-init fish | source
assume Role-A; and __assume_prompt_hook
set PATH /nonexistent
for i in 1 2 3 4 5 6 7 8 9 10; __assume_prompt_hook; end
echo "done=$status"
""",
}
SHELL_ARGS = {"bash": ["--norc", "--noprofile", "-c"], "zsh": ["-f", "-c"],
              "fish": ["--no-config", "-c"]}


@pytest.mark.parametrize("shell", SHELLS)
def test_far_from_expiry_the_hook_starts_no_process(
    shell_env: dict[str, str], server: StsServer, shell: str
) -> None:
    """With PATH emptied, any program the hook tried to start would fail loudly."""
    import subprocess

    result = subprocess.run([shell, *SHELL_ARGS[shell], NO_PROCESS[shell]], env=shell_env,
                            capture_output=True, text=True, timeout=120,
                            stdin=subprocess.DEVNULL)
    assert result.stderr == ""
    assert result.stdout == "done=0\n"
    assert assume_role_calls(server) == 1
