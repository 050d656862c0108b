"""`assume explain` and `assume policy` against moto's IAM/STS server, identity policies enforced.

moto does not implement iam:SimulatePrincipalPolicy, so these runs also drive the fallback that
reads the caller's policies one by one; the simulation path is covered in test_explain_offline.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import run_assume
from tests.support import aws_world
from tests.support.sts_server import StsServer

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("no_keyring")]

MAIN = aws_world.MAIN_ACCOUNT
OTHER = aws_world.OTHER_ACCOUNT
READ_IAM = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{
        "Effect": "Allow",
        "Action": ["iam:Get*", "iam:List*", "iam:SimulatePrincipalPolicy"],
        "Resource": "*",
    }],
})
ASSUME_ANY_ROLE = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
})


def trust_document(principal: str, actions: Any = "sts:AssumeRole", **condition: Any) -> str:
    statement: dict[str, Any] = {
        "Effect": "Allow", "Principal": {"AWS": principal}, "Action": actions,
    }
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def let_read_iam(server: StsServer, *roles: str) -> None:
    """alice (and the given roles of the main account) may read IAM, as explain needs."""
    iam = aws_world.admin(server.url)
    iam.put_user_policy(UserName="alice", PolicyName="read-iam", PolicyDocument=READ_IAM)
    for role in roles:
        iam.put_role_policy(RoleName=role, PolicyName="read-iam", PolicyDocument=READ_IAM)


def create_role(server: StsServer, name: str, trust: str, account: str = MAIN, **extra: Any) -> str:
    client = aws_world.admin(server.url, account)
    return str(client.create_role(RoleName=name, AssumeRolePolicyDocument=trust, **extra)
               ["Role"]["Arn"])


def explain_json(*args: str, env: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    result = run_assume("explain", *args, "--json", env=env)
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


def cause_codes(hop: dict[str, Any]) -> list[str]:
    return [cause["code"] for cause in hop["causes"]]


def test_a_trust_policy_that_lacks_the_caller_is_named_as_the_failing_side(
    world: aws_world.World, server: StsServer
) -> None:
    locked = create_role(server, "Locked", trust_document(f"arn:aws:iam::{MAIN}:user/bob"))
    aws_world.admin(server.url).put_user_policy(
        UserName="alice", PolicyName="any-role", PolicyDocument=ASSUME_ANY_ROLE)
    let_read_iam(server)
    server.enforce_policies()

    code, report = explain_json("--profile", "alice", locked)

    assert code == 1
    assert report["decision"] == "implicit-deny" and report["failing_hop"] == 1
    hop = report["hops"][0]
    assert hop["caller"] == world.user_arn and hop["role"] == locked
    assert hop["failing_side"] == "trust"
    assert hop["trust"]["decision"] == "implicit-deny"
    assert hop["trust"]["read_with"] == "iam:GetRole"
    assert hop["identity"]["decision"] == "allow"
    assert "principal-not-trusted" in cause_codes(hop)
    assert hop["aws"]["result"] == "skipped"  # no AssumeRole call when the policies refuse

    human = run_assume("explain", "--profile", "alice", locked)
    assert human.returncode == 1 and human.stderr == ""
    assert "the trust side fails" in human.stdout
    assert "Denied at hop 1 of 1" in human.stdout


@pytest.mark.parametrize(
    ("args", "problem"),
    [((), "No ExternalId was passed"),
     (("--external-id", "guess-1"), "ExternalId passed is wrong")],
)
def test_a_missing_or_wrong_external_id_is_named(
    world: aws_world.World, server: StsServer, args: tuple[str, ...], problem: str
) -> None:
    partner = create_role(server, "Partner", trust_document(
        world.user_arn, StringEquals={"sts:ExternalId": "partner-42"}))
    let_read_iam(server)
    server.enforce_policies()

    code, report = explain_json("--profile", "alice", partner, *args)

    assert code == 1
    hop = report["hops"][0]
    assert hop["failing_side"] == "trust"
    external = [c for c in hop["causes"] if c["code"] == "external-id"]
    assert external and problem in external[0]["message"]
    assert "sts:ExternalId" in external[0]["message"]


def test_the_right_external_id_is_allowed_and_aws_agrees(
    world: aws_world.World, server: StsServer
) -> None:
    partner = create_role(server, "Partner", trust_document(
        world.user_arn, StringEquals={"sts:ExternalId": "partner-42"}))
    aws_world.admin(server.url).put_user_policy(
        UserName="alice", PolicyName="any-role", PolicyDocument=ASSUME_ANY_ROLE)
    let_read_iam(server)
    server.enforce_policies()

    code, report = explain_json("--profile", "alice", partner, "--external-id", "partner-42")

    assert code == 0
    assert report["decision"] == "allow" and report["allowed"] is True
    hop = report["hops"][0]
    assert hop["trust"]["decision"] == "allow" and hop["identity"]["decision"] == "allow"
    assert hop["aws"]["result"] == "allowed"
    assert server.last("AssumeRole")["ExternalId"] == "partner-42"


def test_a_chain_whose_second_hop_fails_names_hop_two(
    world: aws_world.World, server: StsServer, home: Any
) -> None:
    tail = create_role(server, "Tail", trust_document(world.user_arn))  # not Role-A
    aws_world.write_config(home, world, f"[profile tail]\nrole_arn = {tail}\n"
                                        "source_profile = Role-A\n")
    let_read_iam(server, "Role-A")
    server.enforce_policies()

    code, report = explain_json("tail")

    assert code == 1
    assert report["failing_hop"] == 2 and report["hop_count"] == 2
    first, second = report["hops"]
    assert first["role"] == world.role_a and first["allowed"] is True
    assert first["aws"]["result"] == "allowed"
    assert second["caller"] == f"arn:aws:sts::{MAIN}:assumed-role/Role-A/{aws_world.ROLE_A_SESSION}"
    assert second["role"] == tail and second["allowed"] is False
    assert second["failing_side"] == "trust"
    assert "principal-not-trusted" in cause_codes(second)

    human = run_assume("explain", "tail")
    assert "Hop 1 of 2" in human.stdout and "Hop 2 of 2" in human.stdout
    assert f"Denied at hop 2 of 2 ({tail})" in human.stdout


def test_a_cross_account_trust_policy_cannot_be_read_and_aws_settles_it(
    world: aws_world.World, server: StsServer
) -> None:
    let_read_iam(server)
    server.enforce_policies()

    code, report = explain_json("cross")

    assert code == 0
    hop = report["hops"][0]
    assert hop["trust"]["decision"] == "unknown" and hop["trust"]["readable"] is False
    assert f"account {OTHER}" in hop["trust"]["explanation"]
    assert any(world.user_arn in check for check in hop["trust"]["must_check"])
    assert hop["identity"]["decision"] == "allow"
    assert hop["policies"] == "unknown" and hop["aws"]["result"] == "allowed"
    assert hop["decision"] == "allow"


def test_without_iam_read_access_both_sides_say_what_must_be_checked(
    world: aws_world.World, server: StsServer
) -> None:
    locked = create_role(server, "Locked", trust_document(f"arn:aws:iam::{MAIN}:user/bob"))
    server.enforce_policies()

    code, report = explain_json("--profile", "alice", locked)

    assert code == 1
    hop = report["hops"][0]
    assert hop["trust"]["decision"] == hop["identity"]["decision"] == "unknown"
    assert "iam:GetRole: AccessDenied" in hop["trust"]["explanation"]
    assert hop["aws"]["result"] == "denied"
    assert "unreadable" in cause_codes(hop)
    assert hop["trust"]["must_check"] and hop["identity"]["must_check"]


@pytest.mark.parametrize(
    ("condition", "actions", "args", "code"),
    [
        ({"Bool": {"aws:MultiFactorAuthPresent": "true"}}, "sts:AssumeRole", (), "mfa-required"),
        ({}, "sts:AssumeRole", ("--tag", "team=blue"), "tag-session"),
        ({"StringLike": {"sts:RoleSessionName": "ci-*"}}, "sts:AssumeRole",
         ("--session-name", "laptop"), "session-name"),
    ],
    ids=["mfa", "tags-without-TagSession", "session-name"],
)
def test_common_causes_are_called_out_by_name(
    world: aws_world.World, server: StsServer,
    condition: dict[str, Any], actions: str, args: tuple[str, ...], code: str,
) -> None:
    role = create_role(server, "Guarded", trust_document(world.user_arn, actions, **condition))
    let_read_iam(server)
    server.enforce_policies()

    status, report = explain_json("--profile", "alice", role, *args)

    assert status == 1
    assert code in cause_codes(report["hops"][0])


def test_a_duration_over_the_roles_maximum_is_named(
    world: aws_world.World, server: StsServer
) -> None:
    short = create_role(server, "Short", trust_document(world.user_arn), MaxSessionDuration=3600)
    let_read_iam(server)

    status, report = explain_json("--profile", "alice", short, "--duration", "7200")

    assert status == 1
    hop = report["hops"][0]
    assert hop["policies"] == "allow" and hop["allowed"] is False
    assert hop["decision"] == report["decision"] == "invalid-request"
    assert "max-session-duration" in cause_codes(hop)
    assert hop["aws"]["result"] == "skipped"
    session = hop["session"]
    assert session["binding"] == "role-max-session-duration" and session["maximum"] == 3600
    assert session["fits"] is False and "update-role --role-name Short" in session["advice"]


def test_a_role_session_asking_for_more_than_an_hour_is_named(
    world: aws_world.World, server: StsServer
) -> None:
    let_read_iam(server, "Role-A")
    session = run_assume("Role-A", "--format", "json")
    creds = json.loads(session.stdout)
    env = {"AWS_ACCESS_KEY_ID": creds["AccessKeyId"],
           "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
           "AWS_SESSION_TOKEN": creds["SessionToken"]}

    status, report = explain_json(world.role_b, "--duration", "7200", env=env)

    assert status == 1
    hop = report["hops"][0]
    assert "chained-duration" in cause_codes(hop)
    # One field states the decision and every other agrees: never "allow" beside allowed false.
    assert report["decision"] == hop["decision"] == "invalid-request"
    assert report["allowed"] is False and hop["allowed"] is False
    assert hop["session"]["binding"] == "chained-role" and hop["session"]["console_max"] == 3600


def test_a_missing_role_is_named(world: aws_world.World, server: StsServer) -> None:
    let_read_iam(server)

    status, report = explain_json("--profile", "alice", f"{MAIN}:No-Such-Role")

    assert status == 1
    hop = report["hops"][0]
    assert hop["failing_side"] == "trust" and "role-not-found" in cause_codes(hop)


def test_no_source_credentials_is_one_line_on_stderr_and_exit_1(world: aws_world.World) -> None:
    result = run_assume("explain", world.role_a)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith("error: No source credentials found")
    assert len(result.stderr.strip().splitlines()) == 1


# --------------------------------------------------------------------------- assume policy


@pytest.mark.parametrize(
    ("account", "extra"),
    [(MAIN, ()), (OTHER, ()), (OTHER, ("--external-id", "ext-77"))],
    ids=["same-account", "cross-account", "cross-account-external-id"],
)
def test_policy_output_applied_to_iam_makes_assume_role_succeed(
    world: aws_world.World, server: StsServer, account: str, extra: tuple[str, ...]
) -> None:
    iam = aws_world.admin(server.url)
    carol = iam.create_user(UserName="carol")["User"]["Arn"]
    key = iam.create_access_key(UserName="carol")["AccessKey"]
    env = {"AWS_ACCESS_KEY_ID": key["AccessKeyId"],
           "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}
    target = create_role(server, "Target", trust_document(f"arn:aws:iam::{MAIN}:user/bob"),
                         account=account)
    server.enforce_policies()
    before = run_assume(target, "--format", "json", *extra, env=env)
    assert before.returncode == 1, "carol must not be able to assume Target yet"

    printed = run_assume("policy", target, "--for", carol, *extra, "--json")
    assert printed.returncode == 0, printed.stderr
    documents = json.loads(printed.stdout)
    assert documents["same_account"] is (account == MAIN)
    server.post("/moto-api/reset-auth", b"inf")  # the admin's root keys are not IAM keys
    iam.put_user_policy(UserName="carol", PolicyName="assume-target",
                        PolicyDocument=json.dumps(documents["identity_policy"]))
    aws_world.admin(server.url, account).update_assume_role_policy(
        RoleName="Target", PolicyDocument=json.dumps(documents["trust_policy"]))
    server.enforce_policies()

    after = run_assume(target, "--format", "json", *extra, env=env)
    assert after.returncode == 0, after.stderr
    assert json.loads(after.stdout)["AccessKeyId"].startswith("ASIA")


def test_policy_only_prints_one_plain_json_document(world: aws_world.World) -> None:
    role = f"arn:aws:iam::{OTHER}:role/Deploy"
    both = json.loads(run_assume("policy", role, "--for", world.user_arn, "--require-mfa",
                                 "--json").stdout)
    trust = run_assume("policy", role, "--for", world.user_arn, "--require-mfa", "--only", "trust")
    identity = run_assume("policy", role, "--for", world.user_arn, "--only", "identity")

    assert json.loads(trust.stdout) == both["trust_policy"]
    assert json.loads(identity.stdout) == both["identity_policy"]
    condition = both["trust_policy"]["Statement"][0]["Condition"]
    assert condition == {"Bool": {"aws:MultiFactorAuthPresent": "true"}}


# --------------------------------------------------------------------------- every policy type

S3_ONLY = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["s3:*", "iam:*"], "Resource": "*"}],
})


def _boundary_on_role_a(server: StsServer, document: str) -> None:
    iam = aws_world.admin(server.url)
    boundary = iam.create_policy(PolicyName="boundary", PolicyDocument=document)["Policy"]["Arn"]
    iam.put_role_permissions_boundary(RoleName="Role-A", PermissionsBoundary=boundary)


def test_a_permissions_boundary_read_through_get_role_is_named_as_the_failing_side(
    world: aws_world.World, server: StsServer, home: Any
) -> None:
    """moto's iam:GetRole serves PermissionsBoundary (its GetUser does not): the caller of hop
    2 is a Role-A session whose boundary, read with iam:GetPolicy/GetPolicyVersion, refuses
    although the identity and trust policies allow."""
    _boundary_on_role_a(server, S3_ONLY)
    via = create_role(server, "ViaAccount", trust_document(f"arn:aws:iam::{MAIN}:root"))
    aws_world.write_config(home, world, f"[profile via]\nrole_arn = {via}\n"
                                        "source_profile = Role-A\n")
    let_read_iam(server, "Role-A")
    server.enforce_policies()

    code, report = explain_json("via")

    assert code == 1 and report["failing_hop"] == 2
    first, hop = report["hops"]
    assert first["boundary"]["decision"] == "not-applicable"  # alice has none
    assert hop["trust"]["decision"] == "allow" and hop["identity"]["decision"] == "allow"
    assert hop["boundary"]["decision"] == "implicit-deny"
    assert hop["boundary"]["read_with"] == "iam:GetPolicyVersion"
    assert hop["failing_side"] == "boundary" and hop["decision"] == "implicit-deny"
    assert hop["allowed"] is False and hop["aws"]["result"] == "skipped"
    assert hop["session_policy"]["decision"] == "not-applicable"
    for side in ("scp", "rcp"):  # not readable from a member account: say whom to ask
        assert hop[side]["decision"] == "unknown"
        assert any("list-policies-for-target" in check for check in hop[side]["must_check"])

    human = run_assume("explain", "via")
    assert "boundary  implicit-deny" in human.stdout
    assert "the caller's permissions boundary fails" in human.stdout


def test_a_boundary_that_allows_leaves_the_decision_to_the_other_sides(
    world: aws_world.World, server: StsServer, home: Any
) -> None:
    _boundary_on_role_a(server, json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["sts:*", "iam:*"], "Resource": "*"}]}))
    aws_world.write_config(home, world, f"[profile b]\nrole_arn = {world.role_b}\n"
                                        "source_profile = Role-A\n")
    let_read_iam(server, "Role-A")
    server.enforce_policies()

    code, report = explain_json("b")

    assert code == 0, report
    hop = report["hops"][1]
    assert hop["boundary"]["decision"] == "allow" and hop["decision"] == "allow"
    assert hop["session"]["binding"] == "chained-role"
