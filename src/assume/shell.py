"""The surrounding shell: which output format it reads, and running a child with credentials."""

from __future__ import annotations

import os
import sys

from assume.errors import CommandError
from assume.formats import ALL_VARIABLES

_FORMAT_BY_SHELL = {"fish": "fish", "pwsh": "powershell", "powershell": "powershell"}
_POSIX_SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "yash", "busybox"})


def _parent_shell_from_proc() -> str | None:
    """The parent's name from /proc when it is a known shell (the usual case, `eval "$(...)"`):
    shellingham imports subprocess and friends, which the cache-hit path cannot afford."""
    try:
        with open(f"/proc/{os.getppid()}/comm", encoding="utf-8") as handle:
            name = handle.read().strip().lstrip("-")
    except OSError:
        return None
    return name if name in _FORMAT_BY_SHELL or name in _POSIX_SHELLS else None


def detect_format() -> str:
    """`sh` for POSIX shells, `fish` or `powershell` when that is the parent shell."""
    parent = _parent_shell_from_proc()
    if parent is not None:
        return _FORMAT_BY_SHELL.get(parent, "sh")
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
        import subprocess

        return subprocess.run(command, env=env, check=False).returncode
    except OSError as exc:
        raise start_error(command[0], exc) from None
