"""The independent IAM simulator the differential test compares against.

``@cloud-copilot/iam-simulate`` (npm, pinned) is installed once into a cache folder under the
real user's home (``ASSUME_IAM_SIMULATE_CACHE`` overrides it), then run through a small Node
driver on a batch of simulations. Needs Debian's ``nodejs`` and ``npm``.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
from pathlib import Path
from typing import Any

PACKAGE = "@cloud-copilot/iam-simulate"
VERSION = "0.1.173"
DRIVER = Path(__file__).with_name("iam_simulate.cjs")
INSTALL_TIMEOUT = 300  # seconds
RUN_TIMEOUT = 120  # seconds


def available() -> bool:
    """True when node and npm are on PATH."""
    return shutil.which("node") is not None and shutil.which("npm") is not None


def cache_dir() -> Path:
    """Where the pinned package is installed (survives scripts/test's throw-away HOME)."""
    override = os.environ.get("ASSUME_IAM_SIMULATE_CACHE")
    if override:
        return Path(override)
    home = Path(pwd.getpwuid(os.getuid()).pw_dir)
    return home / ".cache" / "assume-tests" / f"iam-simulate-{VERSION}"


def install() -> Path:
    """The npm prefix holding the package, installing the pinned version first if needed."""
    prefix = cache_dir()
    package = prefix / "node_modules" / "@cloud-copilot" / "iam-simulate"
    manifest = package / "package.json"
    if manifest.exists() and json.loads(manifest.read_text())["version"] == VERSION:
        return prefix
    prefix.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--silent", "--prefix", str(prefix),
         f"{PACKAGE}@{VERSION}"],
        check=True, timeout=INSTALL_TIMEOUT, capture_output=True,
    )
    return prefix


def simulate(prefix: Path, simulations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One ``{"result": "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied"}`` or
    ``{"error": ...}`` per simulation."""
    done = subprocess.run(
        ["node", str(DRIVER), str(prefix)],
        input=json.dumps(simulations), capture_output=True, text=True, check=True,
        timeout=RUN_TIMEOUT,
    )
    found: list[dict[str, Any]] = json.loads(done.stdout)
    return found
