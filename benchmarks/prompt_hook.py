#!/usr/bin/env python3
"""What does `assume shell-init`'s prompt hook cost at each prompt?

For bash, zsh and fish, prints the cost of one hook call (ms):
  far  - credentials far from expiry: the shell compares two numbers, no process starts
  hit  - credentials inside the refresh window: one `assume` run answered from the cache
Each figure is (time of a script making N calls - time of the same script making none) / N,
so shell start-up and `assume shell-init` itself are left out.

Runs against moto's STS server on 127.0.0.1 in a throw-away HOME, with the kernel keyring as
the cache (a namespace of its own, emptied at the end). Usage:
python benchmarks/prompt_hook.py [--far N] [--hits N]
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LOAD = {"bash": 'eval "$(assume shell-init bash)"', "zsh": 'eval "$(assume shell-init zsh)"',
        "fish": "assume shell-init fish | source"}
ARGS = {"bash": ["--norc", "--noprofile", "-c"], "zsh": ["-f", "-c"], "fish": ["--no-config", "-c"]}
SOON = "$(date -u -d '+1 min' +%Y-%m-%dT%H:%M:%SZ)"


def script(shell: str, far: int, hits: int) -> str:
    """Load, assume once, call the hook once (it parses the expiry), then the loops."""
    if shell == "fish":
        return f"""{LOAD[shell]}
assume Role-A; __assume_prompt_hook
set soon (date -u -d '+1 min' +%Y-%m-%dT%H:%M:%SZ)
for i in (seq {far}); __assume_prompt_hook; end
for i in (seq {hits}); set -gx AWS_CREDENTIAL_EXPIRATION $soon; __assume_prompt_hook; end
"""
    return f"""{LOAD[shell]}
assume Role-A; __assume_prompt_hook
soon={SOON}
i=0; while [ $i -lt {far} ]; do __assume_prompt_hook; i=$((i + 1)); done
i=0; while [ $i -lt {hits} ]; do
  export AWS_CREDENTIAL_EXPIRATION=$soon; __assume_prompt_hook; i=$((i + 1))
done
"""


def wall_ms(shell: str, far: int, hits: int, runs: int = 5) -> float:
    """Median wall time of the script, in ms."""
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run([shell, *ARGS[shell], script(shell, far, hits)],
                                capture_output=True, text=True, timeout=600)
        samples.append((time.perf_counter() - start) * 1000)
        if result.returncode != 0 or result.stderr:
            raise SystemExit(f"{shell}: the benchmark script failed: {result.stderr}")
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--far", type=int, default=2000, help="hook calls far from expiry")
    parser.add_argument("--hits", type=int, default=20, help="hook calls near expiry")
    args = parser.parse_args()

    from tests.support import aws_world, kernel_keys
    from tests.support.sts_server import StsServer

    from assume.kernel_keyring import available

    refused = available()
    if refused:
        raise SystemExit(f"the benchmark caches in the kernel keyring, but {refused}")
    work = Path(tempfile.mkdtemp(prefix="assume-bench-"))
    namespace = f"assume-bench-{secrets.token_hex(4)}"
    for name in [n for n in os.environ if n.startswith(("AWS_", "ASSUME_"))]:
        del os.environ[name]
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # else every run compiles assume afresh
    os.environ.update(HOME=str(work), XDG_STATE_HOME=str(work / "state"),
                      XDG_CACHE_HOME=str(work / "cache"), AWS_EC2_METADATA_DISABLED="true",
                      ASSUME_CACHE_BACKEND="kernel", ASSUME_KERNEL_NAMESPACE=namespace,
                      PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    server = StsServer().start()
    os.environ["AWS_ENDPOINT_URL"] = server.url
    aws_world.write_config(work, aws_world.build(server.url))
    try:
        print(f"{'shell':<6} {'far (ms/prompt)':>16} {'hit (ms/prompt)':>16}")
        for shell in ("bash", "zsh", "fish"):
            if shutil.which(shell) is None:
                print(f"{shell:<6} {'n/a':>16} {'n/a':>16}")
                continue
            base = wall_ms(shell, 0, 0)
            far = (wall_ms(shell, args.far, 0) - base) / args.far
            hit = (wall_ms(shell, 0, args.hits) - base) / args.hits
            print(f"{shell:<6} {far:16.3f} {hit:16.1f}")
    finally:
        server.stop()
        kernel_keys.clear(namespace)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
