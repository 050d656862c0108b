"""AWS services as the source: in a container, the first hop's credentials come from the
container-credentials endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI), through boto3's chain or
a profile's `credential_source = EcsContainer`; the task role then assumes the target role."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import run_assume
from tests.support import aws_world
from tests.support.container_endpoint import ContainerEndpoint, from_sts_credentials
from tests.support.sts_server import StsServer

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("no_keyring")]

ACCOUNT = aws_world.MAIN_ACCOUNT
TASK_SESSION = "task-1234"
TASK_ROLE_SESSION_ARN = f"arn:aws:sts::{ACCOUNT}:assumed-role/TaskRole/{TASK_SESSION}"
TARGET_ARN = f"arn:aws:iam::{ACCOUNT}:role/Target"


def _service_trust(service: str) -> str:
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": service},
                       "Action": "sts:AssumeRole"}],
    })


@pytest.fixture
def task_endpoint(
    world: aws_world.World, server: StsServer, home: Path
) -> Iterator[ContainerEndpoint]:
    """TaskRole (trusted by ecs-tasks) serving its credentials on 127.0.0.1; Target trusts it.

    The AWS config is emptied: no default profile, no keys; only the container endpoint.
    """
    iam = aws_world.admin(server.url)
    task_role = iam.create_role(
        RoleName="TaskRole", AssumeRolePolicyDocument=_service_trust("ecs-tasks.amazonaws.com")
    )["Role"]["Arn"]
    iam.put_role_policy(RoleName="TaskRole", PolicyName="hop",
                        PolicyDocument=aws_world.allow_assume(TARGET_ARN))
    iam.create_role(RoleName="Target",
                    AssumeRolePolicyDocument=aws_world.trust(task_role, TASK_ROLE_SESSION_ARN))
    iam.put_role_policy(RoleName="Target", PolicyName="whoami",
                        PolicyDocument=aws_world.allow_assume(TARGET_ARN))
    # What ECS does for the task: assume TaskRole and serve the session on the endpoint.
    sts = aws_world.admin(server.url, service="sts")
    raw = sts.assume_role(RoleArn=task_role, RoleSessionName=TASK_SESSION)["Credentials"]
    (home / ".aws" / "config").write_text("")
    (home / ".aws" / "credentials").unlink()
    server.enforce_policies()  # identity policies and (moto's) trust checks from here on
    server.post("/_assume/calls")
    with ContainerEndpoint(from_sts_credentials(raw), token="task-auth-token") as endpoint:
        yield endpoint


def _env(endpoint: ContainerEndpoint) -> dict[str, str]:
    return {
        "AWS_CONTAINER_CREDENTIALS_FULL_URI": endpoint.url,
        "AWS_CONTAINER_AUTHORIZATION_TOKEN": "task-auth-token",
    }


def _caller_arn(world: aws_world.World, creds: dict[str, str]) -> str:
    sts = world.client("sts", key=creds["AccessKeyId"], secret=creds["SecretAccessKey"],
                       token=creds["SessionToken"])
    return str(sts.get_caller_identity()["Arn"])


def test_container_credentials_are_the_first_hops_source(
    world: aws_world.World, server: StsServer, task_endpoint: ContainerEndpoint
) -> None:
    result = run_assume(TARGET_ARN, "--format", "json", env=_env(task_endpoint))
    assert result.returncode == 0, result.stderr
    creds = json.loads(result.stdout)
    assert _caller_arn(world, creds).startswith(f"arn:aws:sts::{ACCOUNT}:assumed-role/Target/")
    assert task_endpoint.hits >= 1
    assert task_endpoint.refused == 0
    assert server.calls().get("AssumeRole") == 1
    assert server.last("AssumeRole")["RoleArn"] == TARGET_ARN


def test_credential_source_ecs_container_profile(
    world: aws_world.World, server: StsServer, home: Path, task_endpoint: ContainerEndpoint
) -> None:
    (home / ".aws" / "config").write_text(
        f"[profile target]\nrole_arn = {TARGET_ARN}\ncredential_source = EcsContainer\n"
        "role_session_name = from-task\nregion = us-east-1\n"
    )
    result = run_assume("target", "--format", "json", env=_env(task_endpoint))
    assert result.returncode == 0, result.stderr
    creds = json.loads(result.stdout)
    assert _caller_arn(world, creds) == f"arn:aws:sts::{ACCOUNT}:assumed-role/Target/from-task"
    assert task_endpoint.hits >= 1
    assert creds["Region"] == "us-east-1"


def test_whoami_in_the_container_shows_the_task_role(
    world: aws_world.World, task_endpoint: ContainerEndpoint
) -> None:
    result = run_assume("whoami", "--json", env=_env(task_endpoint))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["arn"] == TASK_ROLE_SESSION_ARN
    assert (report["role"], report["session_name"]) == ("TaskRole", TASK_SESSION)
    assert report["expires"] is None  # AWS_CREDENTIAL_EXPIRATION describes env keys only
    assert task_endpoint.hits >= 1


def test_container_endpoint_that_refuses_is_one_line_exit_1(
    world: aws_world.World, task_endpoint: ContainerEndpoint
) -> None:
    env = {**_env(task_endpoint), "AWS_CONTAINER_AUTHORIZATION_TOKEN": "wrong"}
    result = run_assume(TARGET_ARN, "--format", "json", env=env)
    assert result.returncode == 1
    assert result.stdout == ""
    assert task_endpoint.refused >= 1
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
