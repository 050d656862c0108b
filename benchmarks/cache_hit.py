#!/usr/bin/env python3
"""How fast and light is `assume`, side by side with the interpreter and with its peers?

Interleaved rounds (each round runs every case once, in a rotating order, so load on the
machine touches every case alike); per-round ratios with their min/median/max, and a verdict
against each target of the speed issue:
  hit / python -c pass             the cache hit (credential-process) against the bare interpreter
  hit / botocore script            a plain botocore role-profile script with JSONFileCache (hit)
  hit / AWS CLI v2 hit             `aws configure export-credentials` served from its own cache
  e2e credential_process / native `aws sts get-caller-identity` through a credential_process =
                                   assume profile, against the same CLI with a native role profile
  miss - --no-cache                what the keyring adds to a miss (ms)
then the peak RSS of a hit, and the stampede: 32 parallel cold calls for one session (STS calls
made, wall time).

Everything runs against moto's STS server on 127.0.0.1 in a throw-away HOME, with a private
Secret Service: the script first moves HOME, the XDG folders and the D-Bus address into a temp
folder, then re-runs itself under `dbus-run-session` with a fresh, unlocked gnome-keyring, so it
never writes to the user's own keyring. The `assume` package is compiled to bytecode before
timing (a missing .pyc costs a cache hit ~14 ms, and PYTHONDONTWRITEBYTECODE stops Python
writing them). `python -c pass` and the `assume` script run the interpreter printed at the top.
Usage: python benchmarks/cache_hit.py [--rounds N]
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

# (name, numerator, denominator, target, "ratio" or "difference in ms")
TARGETS = [
    ("hit / python -c pass", "hit", "python", 3.0, "ratio"),
    ("hit / botocore script", "hit", "botocore", 0.25, "ratio"),
    ("hit / AWS CLI v2 hit", "hit", "awscli", 0.08, "ratio"),
    ("e2e credential_process / native", "e2e_cp", "e2e_native", 1.06, "ratio"),
    ("miss - --no-cache (ms)", "miss", "nocache", 40.0, "difference"),
]
RSS_TARGET_MB = 30
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


def time_once(command: list[str]) -> float:
    """Wall time of one run in ms; the command must succeed."""
    start = time.perf_counter()
    code = subprocess.call(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = (time.perf_counter() - start) * 1000
    if code != 0:
        raise SystemExit(f"benchmark command failed: {' '.join(command)}")
    return elapsed


def interleaved(cases: dict[str, list[str]], rounds: int) -> list[dict[str, float]]:
    """`rounds` rounds, each running every case once in a rotating order (after a warm-up)."""
    names = list(cases)
    for name in names:
        time_once(cases[name])
    results = []
    for index in range(rounds):
        order = names[index % len(names):] + names[:index % len(names)]
        results.append({name: time_once(cases[name]) for name in order})
    return results


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


def stampede(assume: str, count: int = 32, **env: str) -> tuple[int, float, int]:
    """Parallel cold calls: STS AssumeRole calls made, wall ms, distinct outputs."""
    from tests.support.sts_server import remote_calls, reset_remote_calls

    subprocess.run([assume, "cache", "clear"], check=True, capture_output=True)
    url = os.environ["AWS_ENDPOINT_URL"]
    reset_remote_calls(url)
    start = time.perf_counter()
    processes = [
        subprocess.Popen([assume, "Role-A", "--format", "credential-process"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, **env})
        for _ in range(count)
    ]
    outputs = {process.communicate()[0] for process in processes}
    wall = (time.perf_counter() - start) * 1000
    return remote_calls(url).get("AssumeRole", 0), wall, len(outputs)


def summary(values: list[float]) -> str:
    return (f"min {min(values):8.2f}  median {statistics.median(values):8.2f}  "
            f"max {max(values):8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=25)
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
    print(f"interpreter for python -c pass, botocore and this script: {python} "
          f"(Python {sys.version.split()[0]})")
    runner = interpreter_of(assume)
    print(f"`assume` script: {assume}, run by {runner}")
    if os.path.realpath(runner) != os.path.realpath(python):
        print("note: the hit and python -c pass run different interpreters")
    print(f"keyring: a private gnome-keyring in a throw-away HOME ({work})")
    print(f"machine: {os.cpu_count()} cores; {time.strftime('%Y-%m-%d')}; {args.rounds} rounds")
    print()
    hit = [assume, "Role-A", "--format", "credential-process"]
    subprocess.run(hit, check=True, capture_output=True)
    listed = subprocess.run([assume, "cache", "list", "--json"], check=True,
                            capture_output=True, text=True).stdout
    if not json.loads(listed):
        raise SystemExit("The private keyring did not cache the session: nothing to measure.")
    # The botocore script fills ~/.aws/cli/cache through moto; the AWS CLI v2 then hits the
    # same entry (same botocore cache key), even where it predates AWS_ENDPOINT_URL support.
    subprocess.run([python, "-c", BOTOCORE_SCRIPT], check=True, capture_output=True)
    with open(work / ".aws" / "config", "a", encoding="utf-8") as config:
        config.write(f"\n[profile cp-role-a]\nregion = us-east-1\n"
                     f"credential_process = {assume} Role-A --format credential-process\n")
    cases = {
        "python": [python, "-c", "pass"],
        "hit": hit,
        "hit_sh": [assume, "Role-A", "--format", "sh"],
        "botocore": [python, "-c", BOTOCORE_SCRIPT],
        "miss": [*hit, "--refresh"],
        "nocache": [*hit, "--no-cache"],
    }
    if aws:
        identity = [aws, "sts", "get-caller-identity", "--endpoint-url", server.url]
        cases.update({
            "awscli": [aws, "configure", "export-credentials", "--profile", "Role-A",
                       "--format", "env"],
            "e2e_cp": [*identity, "--profile", "cp-role-a"],
            "e2e_native": [*identity, "--profile", "Role-A"],
        })
    rounds = interleaved(cases, args.rounds)
    rss = peak_rss_kb(hit)
    calls, wall, distinct = stampede(assume)
    # Before the fast lane took the lock, cold callers all started the full CLI: measure that
    # behaviour too (ASSUME_NO_FAST_PATH), on the same machine in the same run.
    _, wall_before, _ = stampede(assume, ASSUME_NO_FAST_PATH="1")

    print("ms per run:")
    for name in cases:
        print(f"{name:<34} {summary([r[name] for r in rounds])}")
    print()
    verdicts = []
    for label, top, bottom, target, kind in TARGETS:
        if top not in cases or bottom not in cases:
            print(f"{label:<34} n/a (the AWS CLI v2 is not installed)")
            continue
        values = [r[top] / r[bottom] if kind == "ratio" else r[top] - r[bottom] for r in rounds]
        median = statistics.median(values)
        verdict = "met" if median <= target else "NOT MET"
        verdicts.append(verdict)
        print(f"{label:<34} {summary(values)}  target <= {target}: {verdict}")
    rss_mb = rss / 1024
    print(f"{'peak RSS of a hit (MB)':<34} {rss_mb:8.1f}  target <= {RSS_TARGET_MB}: "
          f"{'met' if rss_mb <= RSS_TARGET_MB else 'NOT MET'}")
    share = wall / wall_before
    print(f"{'stampede: 32 cold callers':<34} {calls} AssumeRole call(s), {distinct} distinct "
          f"output(s), {wall:.0f} ms wall = {share:.2f} x {wall_before:.0f} ms with every "
          f"caller on the full path (target: 1 call, <= 0.6 x): "
          f"{'met' if calls == 1 and share <= 0.6 else 'NOT MET'}")
    server.stop()


if __name__ == "__main__":
    main()
