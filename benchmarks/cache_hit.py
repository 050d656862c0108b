#!/usr/bin/env python3
"""How fast and light is a cache hit, compared with the interpreter and with peers?

Prints medians (ms) of many runs after warm-up for:
  (a) python -c pass
  (b) assume TARGET                              (cache hit, sh output)
  (c) assume TARGET --format credential-process  (cache hit)
  (d) aws configure export-credentials --profile P --format env   (AWS CLI v2, its own cache hit)
  (e) a plain botocore script with JSONFileCache (hit)
then the ratios b/a, b/d, b/e, the peak RSS of (b), and the stampede figure: 32 parallel cold
invocations for one session (STS calls made, wall time).

Everything runs against moto's STS server on 127.0.0.1 in a throw-away HOME, with a private
Secret Service: the script first moves HOME, the XDG folders and the D-Bus address into a temp
folder, then re-runs itself under `dbus-run-session` with a fresh, unlocked gnome-keyring, so it
never writes to the user's own keyring. The `assume` package is compiled to bytecode before
timing (a missing .pyc costs a cache hit ~14 ms, and PYTHONDONTWRITEBYTECODE stops Python
writing them). (a) and the `assume` script run with the interpreter printed at the top.
Usage: python benchmarks/cache_hit.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PRIVATE_HOME = "ASSUME_BENCH_HOME"  # set once the script runs in its own HOME and D-Bus session
# Variables that would lead gnome-keyring or keyring to the user's own daemon.
USER_SESSION_VARIABLES = ("DBUS_SESSION_BUS_ADDRESS", "GNOME_KEYRING_CONTROL", "SSH_AUTH_SOCK")

TARGETS = {"b/a": None, "b/d": 0.35, "b/e": 0.8}
RSS_TARGET_MB = 60
BOTOCORE_SCRIPT = """
import os, botocore.session
from botocore.credentials import JSONFileCache
session = botocore.session.Session(profile="Role-A")
provider = session.get_component("credential_provider").get_provider("assume-role")
provider.cache = JSONFileCache(os.path.expanduser("~/.aws/cli/cache"))
creds = session.get_credentials().get_frozen_credentials()
print(creds.access_key[:4])
"""


def reexec_in_private_home() -> None:
    """Move HOME, the XDG folders and the D-Bus address to a temp folder, then run this script
    again in a D-Bus session of its own with a fresh gnome-keyring that keeps its files there.

    The order matters: a keyring daemon started before HOME moves would create (or unlock) the
    user's own keyring, and a Secret Service found on the user's bus is the user's keyring.
    """
    for tool in ("dbus-run-session", "gnome-keyring-daemon"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is missing: the benchmark needs a private Secret Service.")
    work = Path(tempfile.mkdtemp(prefix="assume-bench-"))
    (work / "run").mkdir(mode=0o700)
    for name in USER_SESSION_VARIABLES:
        os.environ.pop(name, None)
    os.environ.update({
        PRIVATE_HOME: str(work), "HOME": str(work), "XDG_STATE_HOME": str(work / "state"),
        "XDG_CACHE_HOME": str(work / "cache"), "XDG_DATA_HOME": str(work / "data"),
        "XDG_CONFIG_HOME": str(work / "config"), "XDG_RUNTIME_DIR": str(work / "run"),
    })
    script = (
        'eval "$(printf pw | gnome-keyring-daemon --unlock --components=secrets)" >/dev/null; '
        'export GNOME_KEYRING_CONTROL; exec "$@"'
    )
    try:
        code = subprocess.call(["dbus-run-session", "--", "bash", "-c", script, "bash",
                                sys.executable, *sys.argv])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    raise SystemExit(code)


def compile_bytecode() -> None:
    """Write the .pyc files of the `assume` package, as an installed package would have."""
    import assume

    package = Path(assume.__file__).parent
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], check=True,
                   stdout=subprocess.DEVNULL)


def interpreter_of(script: str) -> str:
    """The interpreter a console script starts (its #! line)."""
    with open(script, "rb") as handle:
        first = handle.readline().decode(errors="replace").strip()
    return first[2:].strip() if first.startswith("#!") else "?"


def executable(name: str) -> str:
    """The real script next to this interpreter (a pyenv shim would add its own cost)."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else (shutil.which(name) or name)


def aws_cli_v2() -> str | None:
    for candidate in ("/usr/bin/aws", shutil.which("aws")):
        if candidate and "aws-cli/2" in subprocess.run(
            [candidate, "--version"], capture_output=True, text=True
        ).stdout:
            return candidate
    return None


def time_runs(command: list[str], runs: int, warmup: int = 3) -> float:
    """Median wall time in ms over the runs, after warm-up."""
    samples = []
    for index in range(warmup + runs):
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        code = process.wait()
        elapsed = (time.perf_counter() - start) * 1000
        if code != 0:
            raise SystemExit(f"benchmark command failed: {' '.join(command)}")
        if index >= warmup:
            samples.append(elapsed)
    return statistics.median(samples)


PEAK_RSS_WRAPPER = """
import os, sys
pid = os.fork()
if pid == 0:
    fd = os.open(os.devnull, os.O_WRONLY)
    os.dup2(fd, 1)
    os.execvp(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
print(usage.ru_maxrss)
"""


def peak_rss_kb(command: list[str], runs: int = 5) -> int:
    """Peak RSS of a command, measured from a small parent.

    ru_maxrss is a high-water mark that survives exec, so a child forked straight from this
    (large) benchmark process would report this process's size.
    """
    peaks = []
    for _ in range(runs):
        output = subprocess.run([sys.executable, "-S", "-c", PEAK_RSS_WRAPPER, *command],
                                capture_output=True, text=True, check=True).stdout
        peaks.append(int(output.strip()))
    return max(peaks)


def stampede(assume: str, count: int = 32) -> tuple[int, float, int]:
    """Parallel cold calls: STS AssumeRole calls made, wall ms, distinct outputs."""
    from tests.support.sts_server import remote_calls, reset_remote_calls

    subprocess.run([assume, "cache", "clear"], check=True, capture_output=True)
    url = os.environ["AWS_ENDPOINT_URL"]
    reset_remote_calls(url)
    start = time.perf_counter()
    processes = [
        subprocess.Popen([assume, "Role-A", "--format", "credential-process"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(count)
    ]
    outputs = {process.communicate()[0] for process in processes}
    wall = (time.perf_counter() - start) * 1000
    return remote_calls(url).get("AssumeRole", 0), wall, len(outputs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    if not os.environ.get(PRIVATE_HOME):
        reexec_in_private_home()

    from tests.support import aws_world
    from tests.support.sts_server import StsServer

    work = Path(os.environ[PRIVATE_HOME])
    for name in [n for n in os.environ if n.startswith(("AWS_", "ASSUME_"))]:
        del os.environ[name]
    os.environ.update(AWS_EC2_METADATA_DISABLED="true",
                      AWS_REGION="us-east-1", AWS_DEFAULT_REGION="us-east-1")
    compile_bytecode()
    server = StsServer().start()
    os.environ["AWS_ENDPOINT_URL"] = server.url
    aws_world.write_config(work, aws_world.build(server.url))

    assume, python = executable("assume"), sys.executable
    aws = aws_cli_v2()
    print(f"interpreter for (a), (e) and this script: {python} (Python {sys.version.split()[0]})")
    runner = interpreter_of(assume)
    print(f"`assume` script: {assume}, run by {runner}")
    if os.path.realpath(runner) != os.path.realpath(python):
        print("note: (a) and (b) run different interpreters, so b/a compares unlike things")
    print(f"keyring: a private gnome-keyring in a throw-away HOME ({work})")
    print()
    subprocess.run([assume, "Role-A", "--format", "sh"], check=True, capture_output=True)
    listed = subprocess.run([assume, "cache", "list", "--json"], check=True,
                            capture_output=True, text=True).stdout
    if not json.loads(listed):
        raise SystemExit("The private keyring did not cache the session: nothing to measure.")
    figures: dict[str, float] = {}
    figures["a"] = time_runs([python, "-c", "pass"], args.runs)
    figures["b"] = time_runs([assume, "Role-A", "--format", "sh"], args.runs)
    rss_b = peak_rss_kb([assume, "Role-A", "--format", "sh"])
    figures["c"] = time_runs([assume, "Role-A", "--format", "credential-process"], args.runs)
    # (e) fills ~/.aws/cli/cache through moto; the AWS CLI v2 then hits the same cache entry
    # (same botocore cache key), even where it predates AWS_ENDPOINT_URL support.
    figures["e"] = time_runs([python, "-c", BOTOCORE_SCRIPT], max(5, args.runs // 2))
    if aws:
        figures["d"] = time_runs(
            [aws, "configure", "export-credentials", "--profile", "Role-A", "--format", "env"],
            max(5, args.runs // 3))
    calls, wall, distinct = stampede(assume)

    labels = {
        "a": "python -c pass",
        "b": "assume Role-A (hit)",
        "c": "assume Role-A --format credential-process (hit)",
        "d": "aws configure export-credentials (AWS CLI v2, hit)",
        "e": "botocore + JSONFileCache script (hit)",
    }
    print(f"{'case':<52} {'median ms':>10}")
    for key, label in labels.items():
        value = f"{figures[key]:10.1f}" if key in figures else "       n/a"
        print(f"({key}) {label:<48} {value}")
    print()
    for ratio, target in TARGETS.items():
        top, bottom = ratio.split("/")
        if bottom in figures:
            goal = f"(target <= {target})" if target else ""
            print(f"{ratio} = {figures[top] / figures[bottom]:.2f} {goal}")
    print(f"peak RSS of (b) = {rss_b / 1024:.1f} MB (target <= {RSS_TARGET_MB} MB)")
    print(f"stampede: 32 parallel cold calls -> {calls} AssumeRole call(s), "
          f"{wall:.0f} ms wall, {distinct} distinct output(s) (target: 1 call)")
    server.stop()


if __name__ == "__main__":
    main()
