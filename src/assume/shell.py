"""The surrounding shell: which output format it reads, and running a child with credentials."""

from __future__ import annotations

import os
import subprocess
import sys

from assume.errors import AssumeError
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


def child_environment(values: dict[str, str]) -> dict[str, str]:
    """This process's environment with every assume variable replaced by `values`."""
    env = {name: value for name, value in os.environ.items() if name not in ALL_VARIABLES}
    env.update(values)
    return env


def run(command: list[str], values: dict[str, str]) -> int:
    """Run COMMAND with the credentials; return its exit code (127 when it is not found)."""
    env = child_environment(values)
    if os.name == "posix":
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            os.execvpe(command[0], command, env)
        except FileNotFoundError:
            raise AssumeError(f"Command not found: {command[0]}.") from None
        except PermissionError:
            raise AssumeError(f"Command not executable: {command[0]}.") from None
    try:
        return subprocess.run(command, env=env, check=False).returncode
    except FileNotFoundError:
        raise AssumeError(f"Command not found: {command[0]}.") from None
