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
