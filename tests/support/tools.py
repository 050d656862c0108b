"""Where the real programs the integration tests drive are: assume's console script and the
AWS CLI, and an environment in which shells find them."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path


def console_script() -> Path:
    """The installed `assume` console script (next to this Python, else on PATH)."""
    sibling = Path(sys.executable).with_name("assume")
    found = sibling if sibling.is_file() else shutil.which("assume")
    assert found, "the `assume` console script is not installed (pip install -e .)"
    return Path(found)


def shell_environment(**extra: str) -> dict[str, str]:
    """This process's environment (the fixtures' HOME, config, endpoint) with the console
    script's folder first on PATH."""
    path = f"{console_script().parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return {**os.environ, "PATH": path, **extra}


def aws_cli() -> str:
    """Debian's AWS CLI v2 when present, else whichever `aws` is on PATH."""
    if Path("/usr/bin/aws").exists():
        return "/usr/bin/aws"
    found = shutil.which("aws")
    assert found, "the AWS CLI is not installed (apt-get install awscli)"
    return found


def run_with_a_terminal(
    *args: str, terminal: str = "stdout", env: dict[str, str] | None = None
) -> tuple[int, str, str]:
    """Run `assume ARGS` with `terminal` ("stdout" or "stderr") on a pseudo-terminal, as when
    a person watches it, and the other stream piped. Returns the exit code, what was piped and
    what the terminal showed (CRLF as LF)."""
    import pty
    import subprocess

    main, replica = pty.openpty()
    streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, terminal: replica}
    child = subprocess.Popen(
        [sys.executable, "-m", "assume", *args],
        env={**os.environ, "COLUMNS": "200", "PYTHONIOENCODING": "utf-8", **(env or {})},
        stdin=subprocess.DEVNULL, **streams,
    )
    os.close(replica)
    chunks: list[bytes] = []
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main)
    out, err = child.communicate(timeout=60)
    piped = (err if terminal == "stdout" else out).decode("utf-8", "replace")
    shown = b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")
    return child.returncode, piped, shown
