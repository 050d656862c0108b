"""What the shell and people see of the command tree: completions in real bash, zsh and fish
(installed as the README says), help with examples, --version, and no colour when piped."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pexpect
import pytest

from assume.cli import cli
from assume.command_registry import register
from tests.conftest import ROOT, run_assume
from tests.support import aws_world
from tests.support.tools import console_script, shell_environment

pytestmark = pytest.mark.integration

COMPLETIONS = ROOT / "completions"
ANSI = re.compile(r"\x1b\[")
# (what is typed, what TAB must turn it into)
CASES = [
    ("assume cro", "assume cross"),
    ("assume Role-A Role-", "assume Role-A Role-"),
    ("assume --profile al", "assume --profile alice"),
    ("assume --format credential-p", "assume --format credential-process"),
    ("assume exec cro", "assume exec cross"),
    ("assume shell-i", "assume shell-init"),
    ("assume configure --source-profile al", "assume configure --source-profile alice"),
    ("assume Role-A --deb", "assume Role-A --debug"),
    ("assume exec Role-A --deb", "assume exec Role-A --debug"),
]


@pytest.fixture
def config(home: Path) -> Path:
    """Profiles to complete: three roles and two plain ones."""
    aws = home / ".aws"
    aws.mkdir()
    path = aws / "config"
    path.write_text(
        "[default]\nregion = us-east-1\n\n[profile alice]\nregion = us-east-1\n\n"
        "[profile Role-A]\nrole_arn = arn:aws:iam::123456789012:role/Role-A\n"
        "source_profile = alice\n\n"
        "[profile Role-B]\nrole_arn = arn:aws:iam::123456789012:role/Role-B\n"
        "source_profile = Role-A\n\n"
        "[profile cross]\nrole_arn = arn:aws:iam::210987654321:role/Cross-Role\n"
        "source_profile = alice\n"
    )
    return path


def complete_interactively(shell: list[str], setup: list[str], typed: str) -> str:
    """Type `typed` and TAB in an interactive shell; return the line TAB made of it."""
    env = {**shell_environment(), "TERM": "dumb", "EDITOR": "", "VISUAL": ""}
    child = pexpect.spawn(shell[0], shell[1:], env=env, encoding="utf-8", timeout=30,
                          dimensions=(24, 250))
    try:
        for line in ["PS1='READY> '", *setup]:
            child.sendline(line)
            child.expect_exact("READY> ")
        child.send(typed + "\t")
        child.sendcontrol("a")  # to the start of the line, to print what is there
        child.sendline("echo __line__ ")
        child.expect(r"\n__line__ (.*?)\r?\n")
        return str(child.match.group(1)).rstrip()
    finally:
        child.close(force=True)


@pytest.fixture(scope="module", params=["committed", "generated"])
def completions(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The completion files to test: the committed ones, and the ones the generator writes
    with whatever click is installed. What they do in real shells is the contract; their
    bytes may differ between click versions."""
    if request.param == "committed":
        return COMPLETIONS
    folder = tmp_path_factory.mktemp("completions")
    subprocess.run([str(ROOT / "scripts" / "gen-completions"), str(folder)], check=True,
                   env={**os.environ, "PYTHON": sys.executable})
    return folder


def test_the_generator_writes_each_file_once_with_one_final_newline(tmp_path: Path) -> None:
    for run in ("first", "second"):
        subprocess.run([str(ROOT / "scripts" / "gen-completions"), str(tmp_path / run)],
                       check=True, env={**os.environ, "PYTHON": sys.executable})
    for name in ("assume.bash", "_assume", "assume.fish"):
        first = (tmp_path / "first" / name).read_bytes()
        assert first == (tmp_path / "second" / name).read_bytes()
        assert first.endswith(b"\n") and not first.endswith(b"\n\n")
        assert b"assume" in first


@pytest.mark.parametrize(("typed", "expected"), CASES)
def test_bash_completes_subcommands_options_formats_and_profiles(
    config: Path, completions: Path, typed: str, expected: str
) -> None:
    setup = ["bind 'set enable-bracketed-paste off'", f"source {completions / 'assume.bash'}"]
    line = complete_interactively(["bash", "--norc", "--noprofile", "-i"], setup, typed)
    assert line == expected


@pytest.mark.parametrize(("typed", "expected"), CASES)
def test_zsh_completes_from_fpath(
    config: Path, completions: Path, typed: str, expected: str
) -> None:
    setup = [f"fpath=({completions} $fpath); autoload -Uz compinit; compinit -u -D",
             "unsetopt zle_bracketed_paste 2>/dev/null"]
    line = complete_interactively(["zsh", "-f", "-i"], setup, typed)
    assert line == expected


@pytest.mark.parametrize(("typed", "expected"), CASES)
def test_fish_completes_from_its_completions_folder(
    config: Path, home: Path, completions: Path, typed: str, expected: str
) -> None:
    folder = home / ".config" / "fish" / "completions"
    folder.mkdir(parents=True)
    shutil.copy(completions / "assume.fish", folder / "assume.fish")
    result = subprocess.run(["fish", "-c", f"complete -C '{typed}'"], env=shell_environment(),
                            capture_output=True, text=True, timeout=60)
    assert result.stderr == ""
    offered = [line.split("\t")[0] for line in result.stdout.splitlines()]
    assert offered and all(value.startswith(typed.split(" ")[-1]) for value in offered)
    common = os.path.commonprefix(offered)  # noqa: RUF071 - strings, not paths
    assert common == expected.split(" ")[-1]  # what TAB inserts


def test_role_profiles_complete_with_their_role_and_plain_profiles_do_not(config: Path) -> None:
    result = subprocess.run(
        [str(console_script())], capture_output=True, text=True, timeout=60,
        env=shell_environment(_ASSUME_COMPLETE="zsh_complete", COMP_WORDS="assume ",
                              COMP_CWORD="1"),
    )
    assert result.returncode == 0 and result.stderr == ""
    items = result.stdout.split("\n")
    triples = {items[i + 1]: items[i + 2] for i in range(0, len(items) - 2, 3)}
    assert triples["cross"] == "arn:aws:iam::210987654321:role/Cross-Role"
    assert "alice" not in triples and "default" not in triples
    assert {"exec", "cache", "configure", "shell-init"} <= set(triples)


def test_a_broken_config_completes_no_profiles_and_prints_no_error(config: Path) -> None:
    config.write_text("this is not an ini file\n")
    result = subprocess.run(
        [str(console_script())], capture_output=True, text=True, timeout=60,
        env=shell_environment(_ASSUME_COMPLETE="bash_complete", COMP_WORDS="assume --profile ",
                              COMP_CWORD="2"),
    )
    assert (result.returncode, result.stdout.strip(), result.stderr) == (0, "", "")


def all_commands() -> list[tuple[str, click.Command]]:
    """Every command and subcommand, by the words that reach it."""
    register(cli)
    found: list[tuple[str, click.Command]] = [("", cli)]
    for path, command in found:
        if isinstance(command, click.Group):
            found += [(f"{path} {name}".strip(), sub) for name, sub in command.commands.items()]
    return found


@pytest.mark.parametrize("path", [path for path, _ in all_commands()],
                         ids=lambda path: path or "(group)")
def test_every_command_help_has_examples(home: Path, path: str) -> None:
    result = run_assume(*path.split(), "--help")  # `assume assume --help`: the default command
    assert result.returncode == 0, result.stderr
    assert "Examples:" in result.stdout
    examples = result.stdout.split("Examples:", 1)[1]
    assert re.search(r"^\s+assume ", examples, re.MULTILINE) or re.search(
        r"^\s+eval ", examples, re.MULTILINE
    )


@pytest.mark.parametrize("args", [["Role-A", "--help"], ["exec", "--help"], ["--help"]])
def test_debug_is_listed_in_the_help(home: Path, args: list[str]) -> None:
    result = run_assume(*args)
    assert result.returncode == 0, result.stderr
    assert re.search(r"^\s+--debug\s+Log each step", result.stdout, re.MULTILINE), result.stdout


def test_version_prints_the_package_version(home: Path) -> None:
    from assume import __version__

    result = run_assume("--version")
    assert (result.returncode, result.stdout) == (0, f"assume {__version__}\n")


@pytest.fixture
def secret_service(monkeypatch: pytest.MonkeyPatch) -> None:
    """The real gnome-keyring scripts/test runs (named: discovery finds a plaintext chain)."""
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.SecretService.Keyring")


@pytest.mark.usefixtures("secret_service")
def test_cache_list_and_help_have_no_colour_when_piped(world: aws_world.World) -> None:
    stored = run_assume("Role-A", "--format", "json")  # cached in the keyring: a table row
    assert stored.returncode == 0, stored.stderr
    listed = run_assume("cache", "list", env={"TERM": "xterm-256color"})
    assert listed.returncode == 0, listed.stderr
    assert "Role-A" in listed.stdout
    for result in (listed, run_assume("--help"), run_assume("cache", "--help")):
        assert not ANSI.search(result.stdout + result.stderr)


@pytest.mark.usefixtures("secret_service")
def test_cache_list_on_a_terminal_honours_no_color(world: aws_world.World) -> None:
    assert run_assume("Role-A", "--format", "json").returncode == 0
    env = {**shell_environment(), "NO_COLOR": "1", "TERM": "xterm-256color"}
    child = pexpect.spawn(str(console_script()), ["cache", "list"], env=env,
                          encoding="utf-8", timeout=60)
    output = child.read()
    child.close()
    assert child.exitstatus == 0, output
    assert "Role-A" in output
    assert not re.search(r"\x1b\[[0-9;]*3[0-9]", output)  # no foreground colour codes


def _readme_install_commands() -> list[str]:
    """The completion install commands of the README's Completions section, as written."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("### Completions"):text.index("### No more `eval`")]
    table = re.findall(r"`(mkdir -p [^`]+)`", section)
    block = section[section.index("```sh") + len("```sh"):]
    block = block[:block.index("```")]
    return [*table, *[line for line in block.splitlines() if line.strip()]]


def test_the_readme_completion_install_commands_work_on_a_fresh_home(home: Path) -> None:
    commands = _readme_install_commands()
    assert len(commands) >= 6
    env = shell_environment(HOME=str(home))
    for command in commands:
        result = subprocess.run(["bash", "-ec", command], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, f"{command!r}: {result.stderr}"
    for installed in (".local/share/bash-completion/completions/assume", ".zfunc/_assume",
                      ".config/fish/completions/assume.fish"):
        assert b"_assume_completion" in (home / installed).read_bytes()
