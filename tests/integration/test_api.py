"""The Python API: assume.session / assume.credentials against moto, refresh, and the
README's scripted-hopping example."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

import assume
from tests.conftest import ROOT
from tests.support import aws_world
from tests.support.sts_server import StsServer

pytestmark = [pytest.mark.integration]


@pytest.mark.usefixtures("no_keyring")
def test_session_reaches_the_last_role_of_a_chain(world: aws_world.World) -> None:
    session = assume.session("Role-A", world.cross_role)
    arn = session.client("sts").get_caller_identity()["Arn"]
    assert arn.startswith(f"arn:aws:sts::{aws_world.OTHER_ACCOUNT}:assumed-role/Cross-Role/")


@pytest.mark.usefixtures("no_keyring")
def test_credentials_are_frozen_and_typed(world: aws_world.World) -> None:
    creds = assume.credentials("Role-A", duration=1800, session_name="script", tags={"a": "b"})
    assert creds.access_key_id.startswith("ASIA")
    assert creds.expiration is not None and creds.lifetime is not None
    assert 1700 < creds.lifetime <= 1800
    assert creds.secret_access_key not in repr(creds)


def test_session_refreshes_credentials_that_expire(
    world: aws_world.World, server: StsServer
) -> None:
    now = [datetime.now(timezone.utc)]
    session = assume.session("Role-A", clock=lambda: now[0])
    credentials = session.get_credentials()
    first = credentials.get_frozen_credentials().access_key
    assert credentials.get_frozen_credentials().access_key == first  # fresh: no new call
    calls = server.calls()["AssumeRole"]
    now[0] += timedelta(minutes=50)  # inside the refresh window of a 1-hour session
    second = credentials.get_frozen_credentials().access_key
    assert second != first
    assert server.calls()["AssumeRole"] == calls + 1


def test_readme_scripted_hopping_example_runs(
    world: aws_world.World, server: StsServer, home: object
) -> None:
    accounts = ["111122223333", "444455556666"]
    for account in accounts:
        admin = aws_world.admin(server.url, account)
        admin.create_role(RoleName="Auditor",
                          AssumeRolePolicyDocument=aws_world.trust(world.role_a))
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "audit_accounts.py"), "Role-A", *accounts],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split("\t")[0] for line in lines] == accounts
    for account, line in zip(accounts, lines, strict=True):
        assert line.split("\t")[1].startswith(f"arn:aws:sts::{account}:assumed-role/Auditor/")
