"""The rules issue 11 settled: two defects fixed and the choices where the IAM guide is loose.

Each test quotes the documentation sentence (or the evidence) its rule encodes.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from assume.iam.assume_role import decide_assume_role
from assume.iam.context import ASSUME_ROLE, RequestContext, build_context
from assume.iam.evaluation import evaluate_policy
from assume.iam.verdict import ALLOW, EXPLICIT_DENY, IMPLICIT_DENY

A = "111111111111"
B = "222222222222"
ALICE = f"arn:aws:iam::{A}:user/alice"
SESSION = f"arn:aws:sts::{A}:assumed-role/Deployer/ci-42"
ROLE = f"arn:aws:iam::{A}:role/app/Target"
ROLE_B = f"arn:aws:iam::{B}:role/ops/Target"
V = "2012-10-17"
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)


def ctx(principal: str = ALICE, role: str = ROLE, **kwargs: Any) -> RequestContext:
    return build_context(principal, role, clock=lambda: NOW, **kwargs)


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": V, "Statement": list(statements)}


def allow(**element: Any) -> dict[str, Any]:
    return {"Sid": "S", "Effect": "Allow", "Action": ASSUME_ROLE, **element}


# --------------------------------------------------------------------------- Resource wildcards

TRAILING_STAR = (
    'IAM UG "IAM JSON policy elements: Resource": "If the * wildcard is the last character of a '
    'resource ARN segment, it can expand to match beyond the colon boundaries."'
)


@pytest.mark.parametrize(
    "pattern",
    ["arn:*", "arn:aws:*", "arn:aws:iam:*", "arn:aws:iam::*", "arn:aws:iam::2*", "arn:aws:*:"
     ":222222222222:role/ops/Target"],
)
def test_trailing_star_in_a_segment_crosses_colons(pattern: str) -> None:
    """TRAILING_STAR: Resource and NotResource alike."""
    assert TRAILING_STAR
    request = ctx(ALICE, ROLE_B)
    assert evaluate_policy(doc(allow(Resource=pattern)), request).decision == ALLOW
    assert evaluate_policy(doc(allow(NotResource=pattern)), request).decision == IMPLICIT_DENY


@pytest.mark.parametrize("pattern", ["arn:aws:*m:role/ops/Target", "arn:aws:iam::22?:role/*"])
def test_star_or_question_mark_inside_a_segment_stays_in_it(pattern: str) -> None:
    """TRAILING_STAR names only a * that ends its segment; other wildcards stay inside it."""
    assert evaluate_policy(doc(allow(Resource=pattern)), ctx(ALICE, ROLE_B)).decision == (
        IMPLICIT_DENY
    )


def test_identity_deny_with_trailing_star_beats_a_trust_policy_naming_the_caller() -> None:
    """TRAILING_STAR with "Policy evaluation logic": "An explicit deny in any of these policies
    overrides the allow." Same account, trust names alice, her identity Deny on arn:aws:iam::*."""
    trust = doc({"Sid": "T", "Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": ASSUME_ROLE})
    identity = doc({"Sid": "D", "Effect": "Deny", "Action": "sts:*", "Resource": "arn:aws:iam::*"})
    found = decide_assume_role(trust, {"deny": identity}, ctx())
    assert found.decision == EXPLICIT_DENY
    assert found.deciding == ("identity:deny:D",)


# --------------------------------------------------------------------------- NotPrincipal

NOT_PRINCIPAL_ALLOW = (
    'IAM UG "AWS JSON policy elements: NotPrincipal": using NotPrincipal with "Effect": "Allow" '
    '"allows all principals except the one named in the NotPrincipal element."'
)


@pytest.mark.parametrize(
    ("listed", "decision"),
    [
        ([ALICE], IMPLICIT_DENY),
        ([A], IMPLICIT_DENY),
        ([f"arn:aws:iam::{A}:user/bob"], ALLOW),
        ([f"arn:aws:iam::{B}:root"], ALLOW),
    ],
)
def test_allow_with_not_principal_grants_everyone_except_those_named(
    listed: list[str], decision: str
) -> None:
    """NOT_PRINCIPAL_ALLOW: alice named (or her account) gets no grant from it."""
    trust = doc({"Sid": "T", "Effect": "Allow", "NotPrincipal": {"AWS": listed},
                 "Action": ASSUME_ROLE})
    assert evaluate_policy(trust, ctx()).decision == decision
    if decision == IMPLICIT_DENY:
        assert decide_assume_role(trust, None, ctx()).decision == IMPLICIT_DENY


def test_allow_with_not_principal_excludes_a_session_whose_role_is_named() -> None:
    """NOT_PRINCIPAL_ALLOW: a session is named through its role's ARN ("Role sessions")."""
    trust = doc({"Sid": "T", "Effect": "Allow",
                 "NotPrincipal": {"AWS": f"arn:aws:iam::{A}:role/Deployer"},
                 "Action": ASSUME_ROLE})
    assert evaluate_policy(trust, ctx(SESSION)).decision == IMPLICIT_DENY


VARIABLE_AFTER_FIFTH_COLON = (
    'IAM UG "IAM policy elements: Variables and tags": "You can use a policy variable in the '
    "Resource element, but only in the resource portion of the ARN. This portion of the ARN "
    "appears after the fifth colon (:). You can't use a variable to replace parts of the ARN "
    'before the fifth colon, such as the service or account."'
)


def test_a_variable_before_the_fifth_colon_is_not_replaced() -> None:
    """VARIABLE_AFTER_FIFTH_COLON: found by the differential test against iam-simulate."""
    before = doc(allow(Resource="arn:aws:iam::${aws:PrincipalAccount}:role/app/Target"))
    after = doc(allow(Resource=f"arn:aws:iam::{A}:role/app/${{aws:PrincipalTag/role}}"))
    request = ctx(principal_tags={"role": "Target"})
    assert evaluate_policy(before, request).decision == IMPLICIT_DENY
    assert evaluate_policy(after, request).decision == ALLOW


# --------------------------------------------------------------------------- documented choices

MULTIVALUED = (
    'IAM UG "Single-valued vs. multivalued context keys": "Multivalued context keys require a '
    'condition set operator." and "To compare your condition context key with a request context '
    'key with multiple key values, you must use the ForAllValues or ForAnyValue set operators."'
)


@pytest.mark.parametrize("operator", ["StringEquals", "StringNotEquals", "StringLikeIfExists"])
def test_an_operator_without_a_set_qualifier_never_holds_on_a_multivalued_key(
    operator: str,
) -> None:
    """MULTIVALUED: without ForAllValues/ForAnyValue the condition is false, negated or not
    (iam-simulate encodes the same, confirmed by AWS at re:Inforce 2025, IAM431)."""
    request = ctx(ALICE, ROLE_B, tags={"team": "ops", "env": "dev"})
    statement = {"Sid": "S", "Effect": "Allow", "Action": "sts:*", "Resource": "*"}
    policy = doc({**statement, "Condition": {operator: {"aws:TagKeys": "team"}}})
    qualified = doc(
        {**statement, "Condition": {f"ForAnyValue:{operator}": {"aws:TagKeys": "team"}}}
    )
    assert evaluate_policy(policy, request).decision == IMPLICIT_DENY
    assert evaluate_policy(qualified, request).decision == ALLOW


def test_for_any_value_if_exists_is_false_on_a_missing_key() -> None:
    """AWS re:Post, "ForAnyValue:StringEqualsIfExists behaving unexpectedly": a deny in exactly
    this case; IAM UG "Single-valued vs. multivalued context keys" says ForAnyValue "returns
    false" when the key is missing, and the guide names no exception for IfExists."""
    policy = doc(allow(Resource="*", Condition={
        "ForAnyValue:StringEqualsIfExists": {"aws:TagKeys": "team"}}))
    assert evaluate_policy(policy, ctx(ALICE, ROLE_B)).decision == IMPLICIT_DENY


def test_negated_operator_holds_when_its_variable_has_no_value() -> None:
    """IAM UG "IAM policy elements: Variables and tags": "Inverted condition operators like
    StringNotEquals or StringNotLike do match against a null value"."""
    policy = doc(allow(Resource="*", Condition={
        "StringNotEquals": {"sts:ExternalId": "${aws:PrincipalTag/none}"}}))
    assert evaluate_policy(policy, ctx(ALICE, ROLE_B, external_id="abc")).decision == ALLOW


AWS_STAR = (
    'IAM UG "AWS JSON policy elements: Principal": with a wildcard in a trust policy "any IAM '
    'user in any account in your partition can access the role"; services are named under '
    '"Service"'
)


def test_aws_star_names_every_aws_identity_but_not_a_service_or_identity_provider() -> None:
    """AWS_STAR: {"AWS": "*"} matches users and sessions of any account; "*" matches all."""
    aws_star = doc({"Sid": "T", "Effect": "Allow", "Principal": {"AWS": "*"},
                    "Action": ASSUME_ROLE})
    star = doc({"Sid": "T", "Effect": "Allow", "Principal": "*", "Action": ASSUME_ROLE})
    assert evaluate_policy(aws_star, ctx(f"arn:aws:iam::{B}:user/x")).decision == ALLOW
    assert evaluate_policy(aws_star, ctx("ec2.amazonaws.com")).decision == IMPLICIT_DENY
    saml = f"arn:aws:iam::{A}:saml-provider/Okta"
    assert evaluate_policy(aws_star, ctx(saml, kind="federated")).decision == IMPLICIT_DENY
    assert evaluate_policy(star, ctx("ec2.amazonaws.com")).decision == ALLOW


DENY_NOT_PRINCIPAL = (
    'IAM UG "AWS JSON policy elements: NotPrincipal": "When you use NotPrincipal with Deny, you '
    "must also specify the account ARN of the not-denied principal. Otherwise, the policy might "
    'deny access to the entire account containing the principal."'
)


@pytest.mark.parametrize(
    ("listed", "decision"),
    [
        ([SESSION], EXPLICIT_DENY),
        ([SESSION, f"arn:aws:iam::{A}:root"], ALLOW),
        ([f"arn:aws:iam::{A}:role/Deployer", A], ALLOW),
    ],
)
def test_deny_not_principal_exempts_a_session_only_with_its_account(
    listed: list[str], decision: str
) -> None:
    """DENY_NOT_PRINCIPAL: listing a session but not its account still denies it."""
    trust = doc(
        {"Sid": "All", "Effect": "Allow", "Principal": "*", "Action": ASSUME_ROLE},
        {"Sid": "Guard", "Effect": "Deny", "NotPrincipal": {"AWS": listed},
         "Action": ASSUME_ROLE},
    )
    assert evaluate_policy(trust, ctx(SESSION)).decision == decision


def test_deny_not_principal_denies_a_caller_with_a_boundary_whatever_it_lists() -> None:
    """IAM UG "Permissions boundaries for IAM entities": "The NotPrincipal element with a Deny
    effect will always deny any IAM principal that has a permissions boundary policy
    attached, regardless of the values specified in the NotPrincipal element." """
    trust = doc(
        {"Sid": "All", "Effect": "Allow", "Principal": "*", "Action": ASSUME_ROLE},
        {"Sid": "Guard", "Effect": "Deny", "NotPrincipal": {"AWS": [ALICE, A]},
         "Action": ASSUME_ROLE},
    )
    everything = doc({"Effect": "Allow", "Action": "*", "Resource": "*"})
    assert decide_assume_role(trust, None, ctx()).decision == ALLOW
    found = decide_assume_role(trust, None, ctx(), boundary=everything)
    assert found.decision == EXPLICIT_DENY
    assert found.failing_sides == ("trust",)


NAME_CASE = (
    'IAM API "CreateRole": role names "are not distinguished by case"; IAM UG "AWS JSON policy '
    'elements: Principal": a role ARN in a trust policy "transforms to the role\'s unique '
    'principal ID when you save the policy"; IAM API "CreateServiceLinkedRole": "Service '
    'principals are unique and case-sensitive."'
)


def test_user_and_role_names_in_a_principal_ignore_case_service_names_do_not() -> None:
    """NAME_CASE."""
    def trust(principal: dict[str, Any]) -> dict[str, Any]:
        return doc({"Sid": "T", "Effect": "Allow", "Principal": principal,
                    "Action": ASSUME_ROLE})

    assert evaluate_policy(trust({"AWS": f"arn:aws:iam::{A}:user/ALICE"}), ctx()).decision == (
        ALLOW
    )
    role = {"AWS": f"arn:aws:iam::{A}:role/deployer"}
    assert evaluate_policy(trust(role), ctx(SESSION)).decision == ALLOW
    other_session = {"AWS": f"arn:aws:sts::{A}:assumed-role/Deployer/CI-42"}
    assert evaluate_policy(trust(other_session), ctx(SESSION)).decision == IMPLICIT_DENY
    service = ctx("ec2.amazonaws.com")
    assert evaluate_policy(trust({"Service": "EC2.amazonaws.com"}), service).decision == (
        IMPLICIT_DENY
    )
    assert evaluate_policy(trust({"Service": "ec2.amazonaws.com"}), service).decision == ALLOW


# --------------------------------------------------------------------------- policy types

S3_ONLY = doc({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})
ROLE_GRANT = (
    'IAM UG "Policy evaluation logic": "Resource-based policies that grant permissions to an IAM '
    'role ARN are limited by an implicit deny in a permissions boundary or session policy."'
)
USER_GRANT = (
    'IAM UG "Policy evaluation logic": "Within the same account, resource-based policies that '
    "grant permissions to an IAM user ARN (that is not a federated user session) are not "
    'limited by an implicit deny in an identity-based policy or permissions boundary."'
)


def _trust(principal: Any) -> dict[str, Any]:
    return doc({"Sid": "T", "Effect": "Allow", "Principal": principal, "Action": ASSUME_ROLE})


def test_a_same_account_grant_to_the_user_is_not_limited_by_its_boundary() -> None:
    """USER_GRANT."""
    found = decide_assume_role(_trust({"AWS": ALICE}), None, ctx(), boundary=S3_ONLY)
    assert found.decision == ALLOW
    assert found.boundary is not None and found.boundary.decision == IMPLICIT_DENY
    assert found.boundary.required is False


def test_a_grant_to_the_role_arn_is_limited_by_the_sessions_boundary() -> None:
    """ROLE_GRANT: the identity policies are not needed, the boundary is."""
    role = f"arn:aws:iam::{A}:role/Deployer"
    found = decide_assume_role(_trust({"AWS": role}), None, ctx(SESSION), boundary=S3_ONLY)
    assert found.decision == IMPLICIT_DENY and found.failing_sides == ("boundary",)
    assert found.identity.required is False
    assert "permissions-boundary" in [c.code for c in found.causes]


def test_across_accounts_every_caller_side_must_allow() -> None:
    """IAM UG "Cross-account policy evaluation logic" with "Permissions boundaries for IAM
    entities": the boundary limits what the identity policies grant."""
    identity = doc({"Effect": "Allow", "Action": ASSUME_ROLE, "Resource": "*"})
    found = decide_assume_role(_trust({"AWS": ALICE}), {"id": identity}, ctx(ALICE, ROLE_B),
                               boundary=S3_ONLY)
    assert found.decision == IMPLICIT_DENY and found.failing_sides == ("boundary",)
    sides = {side.side: side.decision for side in found.sides}
    assert sides == {"trust": ALLOW, "identity": ALLOW, "boundary": IMPLICIT_DENY}


def test_scps_do_not_apply_to_a_service_and_rcps_do() -> None:
    """"SCPs affect only IAM users and roles that are managed by accounts that are part of the
    organization" (AWS Organizations "Service control policies"); an RCP applies to requests
    for the resources of its account (IAM UG "Policy evaluation logic")."""
    deny = doc({"Effect": "Deny", "Action": "sts:*", "Resource": "*"})
    rcp = doc({"Effect": "Deny", "Principal": "*", "Action": "sts:*", "Resource": "*"})
    trust = _trust({"Service": "ec2.amazonaws.com"})
    service = ctx("ec2.amazonaws.com")
    found = decide_assume_role(trust, None, service, scps=[deny])
    assert found.decision == ALLOW and found.scp is not None
    assert found.scp.decision == "not-applicable"
    assert decide_assume_role(trust, None, service, rcps=[rcp]).decision == EXPLICIT_DENY
