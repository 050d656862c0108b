"""Builds a small AWS world in moto: an IAM user with keys, a same-account role and a
cross-account role, and the config files that point at them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

MAIN_ACCOUNT = "123456789012"  # moto's default account
OTHER_ACCOUNT = "210987654321"
ROLE_A_SESSION = "hop"


def trust(*principals: str, **conditions: Any) -> str:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": list(principals)},
        "Action": ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
    }
    if conditions:
        statement["Condition"] = conditions
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def allow_assume(*role_arns: str) -> str:
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": list(role_arns)},
            {"Effect": "Allow", "Action": ["sts:GetCallerIdentity", "sts:GetSessionToken",
                                           "sts:TagSession", "sts:SetSourceIdentity"],
             "Resource": "*"},
        ],
    })


@dataclass
class World:
    endpoint: str
    user_arn: str
    access_key_id: str
    secret_access_key: str
    role_a: str
    role_b: str
    cross_role: str

    def client(self, service: str, **keys: str) -> Any:
        return boto3.client(
            service, endpoint_url=self.endpoint, region_name="us-east-1",
            aws_access_key_id=keys.get("key", self.access_key_id),
            aws_secret_access_key=keys.get("secret", self.secret_access_key),
            aws_session_token=keys.get("token"),
        )


def admin(endpoint: str, account: str = MAIN_ACCOUNT, service: str = "iam") -> Any:
    """A client acting in `account` (moto places resources by the caller's account)."""
    root = boto3.client("sts", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")
    if account == MAIN_ACCOUNT:
        return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1",
                            aws_access_key_id="testing", aws_secret_access_key="testing")
    creds = root.assume_role(RoleArn=f"arn:aws:iam::{account}:role/bootstrap",
                             RoleSessionName="bootstrap")["Credentials"]
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id=creds["AccessKeyId"],
                        aws_secret_access_key=creds["SecretAccessKey"],
                        aws_session_token=creds["SessionToken"])


def build(endpoint: str, user: str = "alice") -> World:
    """User `alice` (with keys and an identity policy), Role-A and Role-B in the main
    account, and Cross-Role in OTHER_ACCOUNT trusted by alice and by Role-A."""
    iam = admin(endpoint)
    user_arn = iam.create_user(UserName=user)["User"]["Arn"]
    key = iam.create_access_key(UserName=user)["AccessKey"]
    role_a = iam.create_role(RoleName="Role-A", AssumeRolePolicyDocument=trust(user_arn),
                             MaxSessionDuration=43200)["Role"]["Arn"]
    # moto matches a trust principal against the exact session ARN, so name it too.
    role_a_session = f"arn:aws:sts::{MAIN_ACCOUNT}:assumed-role/Role-A/{ROLE_A_SESSION}"
    role_b = iam.create_role(RoleName="Role-B",
                             AssumeRolePolicyDocument=trust(user_arn, role_a, role_a_session)
                             )["Role"]["Arn"]
    other = admin(endpoint, OTHER_ACCOUNT)
    cross = other.create_role(RoleName="Cross-Role",
                              AssumeRolePolicyDocument=trust(user_arn, role_a, role_a_session)
                              )["Role"]["Arn"]
    iam.put_user_policy(UserName=user, PolicyName="assume",
                        PolicyDocument=allow_assume(role_a, role_b, cross))
    for role in ("Role-A", "Role-B"):
        iam.put_role_policy(RoleName=role, PolicyName="hop",
                            PolicyDocument=allow_assume("arn:aws:iam::*:role/*"))
    other.put_role_policy(RoleName="Cross-Role", PolicyName="hop",
                          PolicyDocument=allow_assume("arn:aws:iam::*:role/*"))
    return World(endpoint, user_arn, key["AccessKeyId"], key["SecretAccessKey"],
                 role_a, role_b, cross)


def write_config(home: Path, world: World, extra: str = "") -> Path:
    """~/.aws/config and ~/.aws/credentials for the world's user and roles."""
    aws = home / ".aws"
    aws.mkdir(parents=True, exist_ok=True)
    (aws / "credentials").write_text(
        f"[alice]\naws_access_key_id = {world.access_key_id}\n"
        f"aws_secret_access_key = {world.secret_access_key}\n"
    )
    config = aws / "config"
    config.write_text(
        "[default]\nregion = us-east-1\n\n"
        "[profile alice]\nregion = us-east-1\n\n"
        f"[profile Role-A]\nrole_arn = {world.role_a}\nsource_profile = alice\n"
        f"role_session_name = {ROLE_A_SESSION}\n\n"
        f"[profile Role-B]\nrole_arn = {world.role_b}\nsource_profile = Role-A\n\n"
        f"[profile cross]\nrole_arn = {world.cross_role}\nsource_profile = alice\n"
        f"region = eu-west-1\n\n" + extra
    )
    return config
