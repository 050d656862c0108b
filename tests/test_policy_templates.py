"""The generated documents, evaluated by assume.iam, let the principal assume the role."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import pytest

from assume.iam.assume_role import decide_assume_role
from assume.iam.context import build_context
from assume.iam.verdict import ALLOW, IMPLICIT_DENY
from assume.policy_templates import (
    assume_role_policies,
    identity_policy_document,
    parse_principal_spec,
    parse_role_arn,
    trust_policy_document,
)

A = "111111111111"
B = "222222222222"
USER_A = f"arn:aws:iam::{A}:user/dev/alice"
USER_B = f"arn:aws:iam::{B}:user/bob"
ROLE_A = f"arn:aws:iam::{A}:role/app/Target"
SESSION_B = f"arn:aws:sts::{B}:assumed-role/Deployer/ci-42"
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)


def clock() -> datetime:
    return NOW


def p(case_id: str, *values: Any) -> Any:
    return pytest.param(*values, id=case_id)


CASES = [
    # (principal, caller used in the request, template kwargs, request kwargs,
    #  identity required, same account)
    p("same-account-user", USER_A, USER_A, {}, {}, False, True),
    p("same-account-names-account", USER_A, USER_A, {"name_account": True}, {}, True, True),
    p(
        "same-account-root-delegates-to-account",
        f"arn:aws:iam::{A}:root",
        USER_A,
        {},
        {},
        True,
        True,
    ),
    p("same-account-bare-account-id", A, USER_A, {}, {}, True, True),
    p("cross-account-user", USER_B, USER_B, {}, {}, True, False),
    p("cross-account-session-uses-role-arn", SESSION_B, SESSION_B, {}, {}, True, False),
    p(
        "cross-account-session-role-with-path",
        SESSION_B,
        SESSION_B,
        {"role_path": "/ci/"},
        {},
        True,
        False,
    ),
    p(
        "cross-account-role",
        f"arn:aws:iam::{B}:role/Deployer",
        f"arn:aws:iam::{B}:role/Deployer",
        {},
        {},
        True,
        False,
    ),
    p("cross-account-account-root", f"arn:aws:iam::{B}:root", USER_B, {}, {}, True, False),
    p(
        "cross-account-external-id",
        USER_B,
        USER_B,
        {"external_id": "s3cr3t-Id"},
        {"external_id": "s3cr3t-Id"},
        True,
        False,
    ),
    p(
        "cross-account-mfa",
        USER_B,
        USER_B,
        {"require_mfa": True},
        {"mfa_present": True},
        True,
        False,
    ),
    p(
        "cross-account-external-id-and-mfa",
        USER_B,
        USER_B,
        {"external_id": "abc123", "require_mfa": True},
        {"external_id": "abc123", "mfa_present": True},
        True,
        False,
    ),
    p(
        "same-account-mfa",
        USER_A,
        USER_A,
        {"require_mfa": True},
        {"mfa_present": True},
        False,
        True,
    ),
    p(
        "cross-account-tag-session",
        USER_B,
        USER_B,
        {"tag_session": True},
        {"tags": {"team": "red"}},
        True,
        False,
    ),
    p(
        "cross-account-source-identity",
        USER_B,
        USER_B,
        {"set_source_identity": True},
        {"source_identity": "bob"},
        True,
        False,
    ),
    p("service-principal", "ec2.amazonaws.com", "ec2.amazonaws.com", {}, {}, False, None),
    p(
        "service-principal-tag-session",
        "pods.eks.amazonaws.com",
        "pods.eks.amazonaws.com",
        {"tag_session": True},
        {"tags": {"eks-cluster-name": "prod"}},
        False,
        None,
    ),
    p(
        "gov-cloud-same-account",
        "arn:aws-us-gov:iam::111111111111:user/x",
        "arn:aws-us-gov:iam::111111111111:user/x",
        {"role": "arn:aws-us-gov:iam::111111111111:role/R"},
        {},
        False,
        True,
    ),
    p(
        "china-cross-account",
        "arn:aws-cn:iam::222222222222:user/x",
        "arn:aws-cn:iam::222222222222:user/x",
        {"role": "arn:aws-cn:iam::111111111111:role/R"},
        {},
        True,
        False,
    ),
]


@pytest.mark.parametrize(
    ("principal", "caller", "template", "request_keys", "required", "same"), CASES
)
def test_generated_documents_allow(
    principal: str,
    caller: str,
    template: dict[str, Any],
    request_keys: dict[str, Any],
    required: bool,
    same: bool | None,
) -> None:
    template = dict(template)
    role = template.pop("role", ROLE_A)
    docs = assume_role_policies(principal, role, **template)
    assert docs.identity_policy_required is required
    assert docs.same_account is same
    assert docs.note
    ctx = build_context(
        caller, role, clock=clock, role_path=template.get("role_path"), **request_keys
    )
    identity = [docs.identity_policy] if docs.identity_policy else None
    result = decide_assume_role(docs.trust_policy, identity, ctx)
    assert result.decision == ALLOW, result.explanation
    assert result.trust.deciding == ("TrustPrincipal",)
    assert result.identity.required is required
    if required:
        assert result.identity.deciding == ("identity[0]:AllowAssumeRole",)
        # Without the identity policy the same request is refused.
        alone = decide_assume_role(docs.trust_policy, None, ctx)
        assert alone.decision == IMPLICIT_DENY
    else:
        alone = decide_assume_role(docs.trust_policy, None, ctx)
        assert alone.decision == ALLOW
    # The JSON round-trips.
    assert json.loads(docs.to_json())["trust_policy"] == docs.trust_policy


@pytest.mark.parametrize(
    ("template", "request_keys", "cause"),
    [
        p("external-id-missing", {"external_id": "s3cr3t"}, {}, "external-id"),
        p("external-id-wrong", {"external_id": "s3cr3t"}, {"external_id": "nope"}, "external-id"),
        p("mfa-missing", {"require_mfa": True}, {}, "mfa-required"),
        p("tags-without-tag-session", {}, {"tags": {"a": "b"}}, "tag-session"),
    ],
)
def test_generated_conditions_refuse_bad_requests(
    template: dict[str, Any], request_keys: dict[str, Any], cause: str
) -> None:
    docs = assume_role_policies(USER_B, ROLE_A, **template)
    ctx = build_context(USER_B, ROLE_A, clock=clock, **request_keys)
    assert docs.identity_policy is not None
    result = decide_assume_role(docs.trust_policy, [docs.identity_policy], ctx)
    assert result.decision == IMPLICIT_DENY
    assert cause in [c.code for c in result.causes]


def test_document_shapes() -> None:
    trust = trust_policy_document(
        SESSION_B, external_id="abc123", require_mfa=True, tag_session=True
    )
    assert trust == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "TrustPrincipal",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{B}:role/Deployer"},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
                "Condition": {
                    "StringEquals": {"sts:ExternalId": "abc123"},
                    "Bool": {"aws:MultiFactorAuthPresent": "true"},
                },
            }
        ],
    }
    assert identity_policy_document(ROLE_A) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AllowAssumeRole",
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": ROLE_A,
            }
        ],
    }
    service = assume_role_policies("ec2.amazonaws.com", ROLE_A)
    assert service.trust_policy["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}
    assert service.identity_policy is None
    named = trust_policy_document(USER_A, name_account=True)
    assert named["Statement"][0]["Principal"] == {"AWS": f"arn:aws:iam::{A}:root"}


def test_parsers() -> None:
    role = parse_role_arn(ROLE_A)
    assert (role.partition, role.account, role.path, role.name) == ("aws", A, "/app/", "Target")
    spec = parse_principal_spec(SESSION_B, role_path="/ci/")
    assert spec.trust_value == f"arn:aws:iam::{B}:role/ci/Deployer"
    assert parse_principal_spec(A).trust_value == f"arn:aws:iam::{A}:root"


@pytest.mark.parametrize(
    ("principal", "role", "kwargs", "message"),
    [
        p("role-not-an-arn", USER_A, "Target", {}, "not an ARN"),
        p("role-bad-partition", USER_A, f"arn:aws-xx:iam::{A}:role/R", {}, "partition"),
        p("role-short-account", USER_A, "arn:aws:iam::12345:role/R", {}, "12 digits"),
        p("role-letters-in-account", USER_A, "arn:aws:iam::11111111111a:role/R", {}, "12 digits"),
        p("role-is-a-user", USER_A, USER_A, {}, "expected arn:aws:iam"),
        p("role-wrong-service", USER_A, f"arn:aws:sts::{A}:role/R", {}, "expected arn:aws:iam"),
        p("role-with-region", USER_A, f"arn:aws:iam:us-east-1:{A}:role/R", {}, "no region"),
        p("role-bad-name", USER_A, f"arn:aws:iam::{A}:role/bad name", {}, "bad name"),
        p("role-empty-name", USER_A, f"arn:aws:iam::{A}:role/", {}, "expected arn:aws:iam"),
        p("principal-not-an-arn", "alice", ROLE_A, {}, "invalid principal"),
        p("principal-bad-partition", f"arn:aws-iso:iam::{A}:user/x", ROLE_A, {}, "partition"),
        p("principal-short-account", "arn:aws:iam::123:user/x", ROLE_A, {}, "12 digits"),
        p("principal-group", f"arn:aws:iam::{A}:group/devs", ROLE_A, {}, "unsupported"),
        p(
            "principal-bad-session",
            f"arn:aws:sts::{A}:assumed-role/R",
            ROLE_A,
            {},
            "assumed-role/ROLE/SESSION",
        ),
        p("cross-partition", f"arn:aws-cn:iam::{A}:user/x", ROLE_A, {}, "across partitions"),
        p("service-with-mfa", "ec2.amazonaws.com", ROLE_A, {"require_mfa": True}, "MFA"),
        p(
            "service-with-external-id",
            "ec2.amazonaws.com",
            ROLE_A,
            {"external_id": "abc123"},
            "ExternalId",
        ),
        p("bad-external-id", USER_B, ROLE_A, {"external_id": "has space"}, "external ID"),
        p("bad-role-path", SESSION_B, ROLE_A, {"role_path": "ci"}, "role path"),
    ],
)
def test_bad_input_raises_value_error(
    principal: str, role: str, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message) as info:
        assume_role_policies(principal, role, **kwargs)
    assert "\n" not in str(info.value)
