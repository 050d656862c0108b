"""The cache key follows the identity really resolved (issue 10, item 1).

Alice's keys fill the cache; Bob's keys straight after must get AccessDenied (moto enforces
IAM identity policies here, and Bob may not assume Role-A), never Alice's session. Both for a
`credential_source = Environment` hop and for a source profile whose keys come from a
`credential_process`; on the fast path (the cache-hit lane) and on the full path.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import run_assume
from tests.support import aws_world
from tests.support.secret_service import require_secret_service
from tests.support.sts_server import StsServer

pytestmark = pytest.mark.integration

SECRET_SERVICE = "keyring.backends.SecretService.Keyring"
FULL_PATH = {"ASSUME_NO_FAST_PATH": "1"}
# A credential_process that prints whichever keys the file names (the test switches it).
KEY_PRINTER = (
    "import json, pathlib, sys\n"
    "keys = json.load(open(sys.argv[1]))\n"
    "with open(pathlib.Path(sys.argv[1]).with_name('runs.log'), 'a') as log:\n"
    "    log.write('run\\n')\n"
    "print(json.dumps({'Version': 1, 'AccessKeyId': keys['id'], "
    "'SecretAccessKey': keys['secret']}))\n"
)


class People:
    """Alice's and Bob's long-term keys. Bob may call GetCallerIdentity and nothing else."""

    def __init__(self, world: aws_world.World, endpoint: str) -> None:
        iam = aws_world.admin(endpoint)
        iam.create_user(UserName="bob")
        key = iam.create_access_key(UserName="bob")["AccessKey"]
        iam.put_user_policy(UserName="bob", PolicyName="whoami", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "sts:GetCallerIdentity",
                           "Resource": "*"}],
        }))
        self.alice = {"id": world.access_key_id, "secret": world.secret_access_key}
        self.bob = {"id": key["AccessKeyId"], "secret": key["SecretAccessKey"]}


@pytest.fixture
def people(
    world: aws_world.World, server: StsServer, home: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[People]:
    require_secret_service()
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", SECRET_SERVICE)
    found = People(world, server.url)
    printer = home / "print_keys.py"
    printer.write_text(KEY_PRINTER)
    command = " ".join(shlex.quote(w) for w in (sys.executable, str(printer),
                                                 str(home / "keys.json")))
    aws_world.write_config(
        home, world,
        f"[profile env-role]\nrole_arn = {world.role_a}\ncredential_source = Environment\n"
        f"role_session_name = {aws_world.ROLE_A_SESSION}\nregion = us-east-1\n\n"
        f"[profile me]\ncredential_process = {command}\nregion = us-east-1\n\n"
        f"[profile process-role]\nrole_arn = {world.role_a}\nsource_profile = me\n"
        f"role_session_name = {aws_world.ROLE_A_SESSION}\nregion = us-east-1\n",
    )
    server.post("/_assume/calls")
    server.enforce_policies()
    yield found
    run_assume("cache", "clear")


def as_person(home: Path, how: str, keys: dict[str, str]) -> dict[str, str]:
    """The environment in which `keys` are the source credentials of the `how` profile."""
    if how == "env-role":
        return {"AWS_ACCESS_KEY_ID": keys["id"], "AWS_SECRET_ACCESS_KEY": keys["secret"]}
    (home / "keys.json").write_text(json.dumps(keys))
    return {}


def assume_role_calls(server: StsServer) -> int:
    return server.calls().get("AssumeRole", 0)


@pytest.mark.parametrize("path", ["fast", "full"])
@pytest.mark.parametrize("how", ["env-role", "process-role"])
def test_bob_never_gets_the_session_alice_cached(
    people: People, server: StsServer, home: Path, how: str, path: str
) -> None:
    lane = FULL_PATH if path == "full" else {}
    alice = run_assume(how, "--format", "json", env={**lane, **as_person(home, how, people.alice)})
    assert alice.returncode == 0, alice.stderr
    alice_session = json.loads(alice.stdout)
    assert assume_role_calls(server) == 1

    bob = run_assume(how, "--format", "json", env={**lane, **as_person(home, how, people.bob)})
    assert alice_session["AccessKeyId"] not in bob.stdout, "Bob was handed Alice's session"
    assert assume_role_calls(server) == 2, "Bob's request must reach STS"
    assert bob.returncode == 1, bob.stderr
    assert bob.stdout == ""
    assert "denied" in bob.stderr.lower()


@pytest.mark.parametrize("how", ["env-role", "process-role"])
def test_the_same_identity_is_still_served_from_the_cache(
    people: People, server: StsServer, home: Path, how: str
) -> None:
    first = run_assume(how, "--format", "json", env=as_person(home, how, people.alice))
    assert first.returncode == 0, first.stderr
    for lane in ({}, FULL_PATH):
        again = run_assume(how, "--format", "json", env={**lane, **as_person(home, how,
                                                                             people.alice)})
        assert again.returncode == 0, again.stderr
        assert again.stdout == first.stdout
    assert assume_role_calls(server) == 1


def test_environment_source_hit_stays_on_the_fast_path(
    people: People, server: StsServer, home: Path
) -> None:
    """The Environment source's identity is a fingerprint of AWS_ACCESS_KEY_ID: a hit needs
    neither boto3 nor an STS call."""
    env = as_person(home, "env-role", people.alice)
    assert run_assume("env-role", "--format", "json", env=env).returncode == 0
    hit = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "assume", "env-role", "--format", "json"],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60,
        env={**__import__("os").environ, **env},
    )
    assert hit.returncode == 0, hit.stderr[-2000:]
    assert "assume.fastpath" in hit.stderr
    assert not any(line.rsplit("|", 1)[-1].strip().startswith(("boto3", "botocore"))
                   for line in hit.stderr.splitlines() if line.startswith("import time:"))
    assert server.calls().get("AssumeRole", 0) == 1


def process_runs(home: Path) -> int:
    log = home / "runs.log"
    return len(log.read_text().splitlines()) if log.exists() else 0


def test_a_miss_runs_the_credential_process_once_and_assumes_with_its_keys(
    people: People, server: StsServer, home: Path
) -> None:
    result = run_assume("process-role", "--format", "json",
                        env=as_person(home, "process-role", people.alice))
    assert result.returncode == 0, result.stderr
    assert process_runs(home) == 1, "the keys the cache is keyed on are the keys assumed with"
    assert server.calls().get("GetCallerIdentity", 0) == 1
    again = run_assume("process-role", "--format", "json")
    assert again.stdout == result.stdout
    assert server.calls().get("GetCallerIdentity", 0) == 1, "a known key's caller is remembered"


def test_dry_run_of_a_chain_from_a_credential_process_runs_nothing(
    people: People, server: StsServer, home: Path
) -> None:
    as_person(home, "process-role", people.alice)
    result = run_assume("process-role", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "unknown until profile me is resolved" in result.stdout
    assert process_runs(home) == 0
    assert server.calls() == {}


def test_rejected_keys_from_the_credential_process_are_named_as_that_source(
    people: People, server: StsServer, home: Path
) -> None:
    bogus = {"id": "AKIA" + "Z" * 16, "secret": "not-a-secret"}
    result = run_assume("process-role", "--format", "json",
                        env=as_person(home, "process-role", bogus))
    assert result.returncode == 1
    assert result.stdout == ""
    assert "profile me" in result.stderr, result.stderr
    assert "previous hop" not in result.stderr
