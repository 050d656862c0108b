"""The surrounding shell: which output format it reads, and running a child with credentials."""

from __future__ import annotations

import os
import subprocess
import sys

from assume.errors import CommandError
from assume.formats import ALL_VARIABLES

_FORMAT_BY_SHELL = {"fish": "fish", "pwsh": "powershell", "powershell": "powershell"}


def detect_format() -> str:
    """`sh` for POSIX shells, `fish` or `powershell` when that is the parent shell."""
    try:
        import shellingham

        name, _ = shellingham.detect_shell()
    except Exception:
        return "powershell" if os.name == "nt" else "sh"
    return _FORMAT_BY_SHELL.get(name.lower().removesuffix(".exe"), "sh")


def child_environment(values: dict[str, str], remove: tuple[str, ...] = ()) -> dict[str, str]:
    """This process's environment with every assume variable (and `remove`) replaced by
    `values`."""
    gone = set(ALL_VARIABLES) | set(remove)
    env = {name: value for name, value in os.environ.items() if name not in gone}
    env.update(values)
    return env


def start_error(command: str, exc: OSError) -> CommandError:
    """The shell's convention: 127 when the command is not found, 126 when it cannot run."""
    if isinstance(exc, FileNotFoundError):
        return CommandError(f"Command not found: {command}.", 127)
    return CommandError(f"Cannot run {command}: {exc.strerror or exc}.", 126)


def run(command: list[str], values: dict[str, str]) -> int:
    """Run COMMAND with the credentials; return its exit code.

    On POSIX the command replaces this process, so signals and the exit code are its own.
    """
    env = child_environment(values)
    try:
        if os.name == "posix":
            sys.stdout.flush()
            sys.stderr.flush()
            os.execvpe(command[0], command, env)
        return subprocess.run(command, env=env, check=False).returncode
    except OSError as exc:
        raise start_error(command[0], exc) from None
