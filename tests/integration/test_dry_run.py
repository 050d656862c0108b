"""--dry-run: the planned chain, its sources and cache state, with no STS call."""

from __future__ import annotations

import pytest

from tests.conftest import run_assume
from tests.support import aws_world
from tests.support.sts_server import StsServer

pytestmark = pytest.mark.integration


@pytest.mark.usefixtures("no_keyring")
def test_dry_run_prints_the_chain_and_calls_nothing(
    world: aws_world.World, server: StsServer
) -> None:
    result = run_assume("Role-B", "--dry-run")
    assert result.returncode == 0, result.stderr
    lines = [line.split("\t") for line in result.stdout.splitlines()]
    assert lines == [
        ["1", "AssumeRole", world.role_a, "profile alice", "STS call needed"],
        ["2", "AssumeRole", world.role_b, world.role_a, "STS call needed"],
    ]
    assert server.calls() == {}


def test_dry_run_shows_cached_hops(world: aws_world.World, server: StsServer) -> None:
    assert run_assume("Role-A").returncode == 0
    result = run_assume("Role-B", "--dry-run")
    first, second = (line.split("\t") for line in result.stdout.splitlines())
    assert first[4].startswith("cached until 20")
    assert second[4] == "STS call needed"
    assert server.calls() == {"AssumeRole": 1}

