"""Table-driven tests for assume.iam.

Every case carries the IAM User Guide section it derives from (the ``rule`` column) and an id
naming the behaviour. Each test asserts the concrete decision and the deciding statement (or,
for an implicit deny, the statement whose condition failed), so each case can fail.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timezone
from typing import Any

import pytest

from assume.iam.assume_role import decide_assume_role
from assume.iam.causes import common_causes
from assume.iam.context import (
    ASSUME_ROLE,
    SET_SOURCE_IDENTITY,
    TAG_SESSION,
    ContextKeys,
    RequestContext,
    assume_role_actions,
    build_context,
)
from assume.iam.document import PolicyError
from assume.iam.evaluation import evaluate_policies, evaluate_policy
from assume.iam.principals import PrincipalKind, parse_principal
from assume.iam.verdict import ALLOW, EXPLICIT_DENY, IMPLICIT_DENY

# IAM User Guide sections the cases cite.
EVAL = 'IAM UG "Policy evaluation logic"'
OPS = 'IAM UG "IAM JSON policy elements: Condition operators"'
MULTI = 'IAM UG "Creating a condition with multiple keys or values"'
SETS = 'IAM UG "Single-valued vs multivalued context keys"'
VARS = 'IAM UG "IAM policy elements: Variables and tags"'
PRINCIPAL = 'IAM UG "AWS JSON policy elements: Principal"'
NOTPRINCIPAL = 'IAM UG "AWS JSON policy elements: NotPrincipal"'
ACTION = 'IAM UG "IAM JSON policy elements: Action" / "NotAction"'
RESOURCE = 'IAM UG "IAM JSON policy elements: Resource" / "NotResource"'
CROSS = 'IAM UG "Cross-account policy evaluation logic"'
STS = 'IAM UG "Passing session tags in AWS STS" / STS API "AssumeRole"'
RULES = {EVAL, OPS, MULTI, SETS, VARS, PRINCIPAL, NOTPRINCIPAL, ACTION, RESOURCE, CROSS, STS}

A = "111111111111"
B = "222222222222"
USER = f"arn:aws:iam::{A}:user/dev/alice"
USER_B = f"arn:aws:iam::{B}:user/bob"
SESSION = f"arn:aws:sts::{A}:assumed-role/Deployer/ci-42"
ROLE_A = f"arn:aws:iam::{A}:role/app/Target"
ROLE_B = f"arn:aws:iam::{B}:role/ops/Target"
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)
V = "2012-10-17"


def clock() -> datetime:
    return NOW


def bare(
    keys: dict[str, Any] | None = None, actions: tuple[str, ...] = (ASSUME_ROLE,)
) -> RequestContext:
    """A request whose context holds exactly ``keys`` (nothing filled in)."""
    return RequestContext(USER, PrincipalKind.USER, A, ROLE_B, actions, keys or {})


def cond_policy(condition: dict[str, Any], *, version: str = V) -> dict[str, Any]:
    statement = {
        "Sid": "Cond",
        "Effect": "Allow",
        "Action": ASSUME_ROLE,
        "Resource": "*",
        "Condition": condition,
    }
    return {"Version": version, "Statement": [statement]}


def failed_labels(result: Any) -> list[str]:
    return [label for label, _ in result.failed_conditions]


def p(case_id: str, *values: Any) -> Any:
    return pytest.param(*values, id=case_id)


# =============================================================================================
# Condition operators: (condition block, request context keys, condition holds?, rule)
# =============================================================================================

MFA_PRESENT = "aws:MultiFactorAuthPresent"
MFA_AGE = "aws:MultiFactorAuthAge"
EXT = "sts:ExternalId"
NAME = "sts:RoleSessionName"
PARN = "aws:PrincipalArn"
NOW_KEY = "aws:CurrentTime"
IP = "aws:SourceIp"
TAGS = "aws:TagKeys"
BIN = "aws:SomeBinary"
PARN_V = f"arn:aws:iam::{A}:role/Admin"

CONDITION_CASES = [
    # --- String operators: case-sensitive exact match; missing key -> positive false (OPS)
    p("StringEquals-match", {"StringEquals": {EXT: "abc"}}, {EXT: "abc"}, True, OPS),
    p(
        "StringEquals-value-case-sensitive",
        {"StringEquals": {EXT: "abc"}},
        {EXT: "ABC"},
        False,
        OPS,
    ),
    p(
        "StringEquals-key-case-insensitive",
        {"StringEquals": {"STS:EXTERNALID": "abc"}},
        {EXT: "abc"},
        True,
        OPS,
    ),
    p("StringEquals-missing-key-false", {"StringEquals": {EXT: "abc"}}, {}, False, OPS),
    p("StringEquals-values-ORed", {"StringEquals": {EXT: ["x", "abc"]}}, {EXT: "abc"}, True, MULTI),
    p("StringEquals-no-wildcards", {"StringEquals": {EXT: "a*"}}, {EXT: "abc"}, False, OPS),
    p("StringEqualsIfExists-missing-true", {"StringEqualsIfExists": {EXT: "abc"}}, {}, True, OPS),
    p(
        "StringEqualsIfExists-present-mismatch",
        {"StringEqualsIfExists": {EXT: "abc"}},
        {EXT: "zzz"},
        False,
        OPS,
    ),
    p(
        "StringEqualsIfExists-present-match",
        {"StringEqualsIfExists": {EXT: "abc"}},
        {EXT: "abc"},
        True,
        OPS,
    ),
    p("StringNotEquals-differs", {"StringNotEquals": {EXT: "abc"}}, {EXT: "xyz"}, True, OPS),
    p("StringNotEquals-equal-false", {"StringNotEquals": {EXT: "abc"}}, {EXT: "abc"}, False, OPS),
    p("StringNotEquals-missing-key-true", {"StringNotEquals": {EXT: "abc"}}, {}, True, OPS),
    p(
        "StringNotEquals-values-none-match",
        {"StringNotEquals": {EXT: ["x", "y"]}},
        {EXT: "z"},
        True,
        MULTI,
    ),
    p(
        "StringNotEquals-values-one-matches",
        {"StringNotEquals": {EXT: ["x", "z"]}},
        {EXT: "z"},
        False,
        MULTI,
    ),
    p(
        "StringNotEqualsIfExists-missing-true",
        {"StringNotEqualsIfExists": {EXT: "a"}},
        {},
        True,
        OPS,
    ),
    p(
        "StringNotEqualsIfExists-present-equal",
        {"StringNotEqualsIfExists": {EXT: "a"}},
        {EXT: "a"},
        False,
        OPS,
    ),
    p(
        "StringEqualsIgnoreCase-match",
        {"StringEqualsIgnoreCase": {EXT: "ABC"}},
        {EXT: "abc"},
        True,
        OPS,
    ),
    p(
        "StringEqualsIgnoreCase-mismatch",
        {"StringEqualsIgnoreCase": {EXT: "abd"}},
        {EXT: "abc"},
        False,
        OPS,
    ),
    p(
        "StringEqualsIgnoreCase-missing-false",
        {"StringEqualsIgnoreCase": {EXT: "a"}},
        {},
        False,
        OPS,
    ),
    p(
        "StringEqualsIgnoreCaseIfExists-missing",
        {"StringEqualsIgnoreCaseIfExists": {EXT: "a"}},
        {},
        True,
        OPS,
    ),
    p(
        "StringNotEqualsIgnoreCase-same-letters",
        {"StringNotEqualsIgnoreCase": {EXT: "ABC"}},
        {EXT: "abc"},
        False,
        OPS,
    ),
    p(
        "StringNotEqualsIgnoreCase-different",
        {"StringNotEqualsIgnoreCase": {EXT: "ABC"}},
        {EXT: "abd"},
        True,
        OPS,
    ),
    p(
        "StringNotEqualsIgnoreCase-missing-true",
        {"StringNotEqualsIgnoreCase": {EXT: "A"}},
        {},
        True,
        OPS,
    ),
    p(
        "StringNotEqualsIgnoreCaseIfExists-present",
        {"StringNotEqualsIgnoreCaseIfExists": {EXT: "A"}},
        {EXT: "a"},
        False,
        OPS,
    ),
    p("StringLike-star", {"StringLike": {NAME: "dev-*"}}, {NAME: "dev-alice"}, True, OPS),
    p("StringLike-star-matches-empty", {"StringLike": {NAME: "dev-*"}}, {NAME: "dev-"}, True, OPS),
    p("StringLike-question-one-char", {"StringLike": {NAME: "dev-?"}}, {NAME: "dev-a"}, True, OPS),
    p("StringLike-question-not-two", {"StringLike": {NAME: "dev-?"}}, {NAME: "dev-ab"}, False, OPS),
    p("StringLike-case-sensitive", {"StringLike": {NAME: "Dev-*"}}, {NAME: "dev-x"}, False, OPS),
    p("StringLike-whole-string", {"StringLike": {NAME: "dev"}}, {NAME: "dev-x"}, False, OPS),
    p("StringLike-missing-false", {"StringLike": {NAME: "*"}}, {}, False, OPS),
    p("StringLikeIfExists-missing-true", {"StringLikeIfExists": {NAME: "dev-*"}}, {}, True, OPS),
    p(
        "StringLikeIfExists-present-mismatch",
        {"StringLikeIfExists": {NAME: "dev-*"}},
        {NAME: "prod"},
        False,
        OPS,
    ),
    p("StringNotLike-match-false", {"StringNotLike": {NAME: "ci-*"}}, {NAME: "ci-42"}, False, OPS),
    p("StringNotLike-mismatch-true", {"StringNotLike": {NAME: "ci-*"}}, {NAME: "alice"}, True, OPS),
    p("StringNotLike-missing-true", {"StringNotLike": {NAME: "ci-*"}}, {}, True, OPS),
    p(
        "StringNotLikeIfExists-present-match",
        {"StringNotLikeIfExists": {NAME: "ci-*"}},
        {NAME: "ci-1"},
        False,
        OPS,
    ),
    # --- ARN operators: each of the six segments matched separately, case-sensitive (OPS)
    p("ArnEquals-exact", {"ArnEquals": {PARN: PARN_V}}, {PARN: PARN_V}, True, OPS),
    p("ArnEquals-mismatch", {"ArnEquals": {PARN: PARN_V}}, {PARN: PARN_V + "2"}, False, OPS),
    p(
        "ArnEquals-wildcard-like-ArnLike",
        {"ArnEquals": {PARN: "arn:aws:iam::*:role/Admin"}},
        {PARN: PARN_V},
        True,
        OPS,
    ),
    p(
        "ArnLike-account-wildcard",
        {"ArnLike": {PARN: "arn:aws:iam::*:role/Admin"}},
        {PARN: PARN_V},
        True,
        OPS,
    ),
    p(
        "ArnLike-resource-wildcard-spans-path",
        {"ArnLike": {PARN: f"arn:aws:iam::{A}:role/*"}},
        {PARN: f"arn:aws:iam::{A}:role/a/b/C"},
        True,
        OPS,
    ),
    p(
        "ArnLike-star-does-not-span-segments",
        {"ArnLike": {PARN: "arn:aws:*"}},
        {PARN: PARN_V},
        False,
        OPS,
    ),
    p(
        "ArnLike-case-sensitive",
        {"ArnLike": {PARN: f"arn:aws:iam::{A}:role/admin"}},
        {PARN: PARN_V},
        False,
        OPS,
    ),
    p("ArnLike-missing-false", {"ArnLike": {PARN: "arn:*:*:*:*:*"}}, {}, False, OPS),
    p("ArnLikeIfExists-missing-true", {"ArnLikeIfExists": {PARN: "arn:*:*:*:*:*"}}, {}, True, OPS),
    p(
        "ArnLike-not-an-arn-context",
        {"ArnLike": {PARN: "arn:*:*:*:*:*"}},
        {PARN: "alice"},
        False,
        OPS,
    ),
    p(
        "ArnEqualsIfExists-present-match",
        {"ArnEqualsIfExists": {PARN: PARN_V}},
        {PARN: PARN_V},
        True,
        OPS,
    ),
    p("ArnNotEquals-other-true", {"ArnNotEquals": {PARN: PARN_V}}, {PARN: USER}, True, OPS),
    p("ArnNotEquals-same-false", {"ArnNotEquals": {PARN: PARN_V}}, {PARN: PARN_V}, False, OPS),
    p("ArnNotEquals-missing-true", {"ArnNotEquals": {PARN: PARN_V}}, {}, True, OPS),
    p(
        "ArnNotLike-match-false",
        {"ArnNotLike": {PARN: "arn:aws:iam::*:role/*"}},
        {PARN: PARN_V},
        False,
        OPS,
    ),
    p("ArnNotLike-missing-true", {"ArnNotLike": {PARN: "arn:aws:iam::*:role/*"}}, {}, True, OPS),
    p("ArnNotLikeIfExists-missing-true", {"ArnNotLikeIfExists": {PARN: "arn:*"}}, {}, True, OPS),
    # --- Numeric operators (OPS)
    p("NumericEquals-match", {"NumericEquals": {MFA_AGE: "3600"}}, {MFA_AGE: 3600}, True, OPS),
    p("NumericEquals-mismatch", {"NumericEquals": {MFA_AGE: "3600"}}, {MFA_AGE: 60}, False, OPS),
    p(
        "NumericEquals-decimal-forms",
        {"NumericEquals": {MFA_AGE: "10"}},
        {MFA_AGE: "10.0"},
        True,
        OPS,
    ),
    p("NumericEquals-values-ORed", {"NumericEquals": {MFA_AGE: [1, 2]}}, {MFA_AGE: 2}, True, MULTI),
    p("NumericNotEquals-differs", {"NumericNotEquals": {MFA_AGE: 1}}, {MFA_AGE: 2}, True, OPS),
    p("NumericNotEquals-same-false", {"NumericNotEquals": {MFA_AGE: 2}}, {MFA_AGE: 2}, False, OPS),
    p("NumericNotEquals-missing-true", {"NumericNotEquals": {MFA_AGE: 2}}, {}, True, OPS),
    p("NumericLessThan-true", {"NumericLessThan": {MFA_AGE: "3600"}}, {MFA_AGE: 100}, True, OPS),
    p(
        "NumericLessThan-boundary-false",
        {"NumericLessThan": {MFA_AGE: "3600"}},
        {MFA_AGE: 3600},
        False,
        OPS,
    ),
    p(
        "NumericLessThanEquals-boundary",
        {"NumericLessThanEquals": {MFA_AGE: "3600"}},
        {MFA_AGE: 3600},
        True,
        OPS,
    ),
    p("NumericGreaterThan-true", {"NumericGreaterThan": {MFA_AGE: "10"}}, {MFA_AGE: 11}, True, OPS),
    p(
        "NumericGreaterThan-boundary-false",
        {"NumericGreaterThan": {MFA_AGE: "10"}},
        {MFA_AGE: 10},
        False,
        OPS,
    ),
    p(
        "NumericGreaterThanEquals-boundary",
        {"NumericGreaterThanEquals": {MFA_AGE: "10"}},
        {MFA_AGE: 10},
        True,
        OPS,
    ),
    p("NumericLessThan-missing-false", {"NumericLessThan": {MFA_AGE: "3600"}}, {}, False, OPS),
    p(
        "NumericLessThanIfExists-missing-true",
        {"NumericLessThanIfExists": {MFA_AGE: "3600"}},
        {},
        True,
        OPS,
    ),
    p(
        "NumericLessThanIfExists-present-too-big",
        {"NumericLessThanIfExists": {MFA_AGE: 3600}},
        {MFA_AGE: 7200},
        False,
        OPS,
    ),
    p(
        "NumericGreaterThanEqualsIfExists-present",
        {"NumericGreaterThanEqualsIfExists": {MFA_AGE: 5}},
        {MFA_AGE: 5},
        True,
        OPS,
    ),
    p(
        "Numeric-non-numeric-context-false",
        {"NumericEquals": {MFA_AGE: "1"}},
        {MFA_AGE: "one"},
        False,
        OPS,
    ),
    # --- Date operators: ISO 8601 or epoch seconds (OPS)
    p(
        "DateLessThan-iso-true",
        {"DateLessThan": {NOW_KEY: "2025-01-01T00:00:00Z"}},
        {NOW_KEY: "2024-06-01T12:00:00Z"},
        True,
        OPS,
    ),
    p(
        "DateLessThan-iso-false",
        {"DateLessThan": {NOW_KEY: "2024-01-01T00:00:00Z"}},
        {NOW_KEY: "2024-06-01T12:00:00Z"},
        False,
        OPS,
    ),
    p(
        "DateGreaterThan-true",
        {"DateGreaterThan": {NOW_KEY: "2024-01-01T00:00:00Z"}},
        {NOW_KEY: "2024-06-01T12:00:00Z"},
        True,
        OPS,
    ),
    p(
        "DateGreaterThanEquals-boundary",
        {"DateGreaterThanEquals": {NOW_KEY: "2024-06-01T12:00:00Z"}},
        {NOW_KEY: "2024-06-01T12:00:00Z"},
        True,
        OPS,
    ),
    p(
        "DateLessThanEquals-boundary",
        {"DateLessThanEquals": {NOW_KEY: "2024-06-01T12:00:00Z"}},
        {NOW_KEY: "2024-06-01T12:00:00Z"},
        True,
        OPS,
    ),
    p(
        "DateEquals-same-instant-other-offset",
        {"DateEquals": {NOW_KEY: "2024-06-01T14:00:00+02:00"}},
        {NOW_KEY: "2024-06-01T12:00:00Z"},
        True,
        OPS,
    ),
    p(
        "DateEquals-epoch-policy-value",
        {"DateEquals": {NOW_KEY: "1717243200"}},
        {NOW_KEY: "2024-06-01T12:00:00Z"},
        True,
        OPS,
    ),
    p(
        "DateEquals-epoch-context-value",
        {"DateEquals": {NOW_KEY: "2024-06-01T12:00:00Z"}},
        {NOW_KEY: "1717243200"},
        True,
        OPS,
    ),
    p(
        "DateNotEquals-differs",
        {"DateNotEquals": {NOW_KEY: "2020-01-01T00:00:00Z"}},
        {NOW_KEY: "2024-06-01T12:00:00Z"},
        True,
        OPS,
    ),
    p(
        "DateNotEquals-same-false",
        {"DateNotEquals": {NOW_KEY: "2024-06-01T12:00:00Z"}},
        {NOW_KEY: "2024-06-01T12:00:00Z"},
        False,
        OPS,
    ),
    p(
        "DateNotEquals-missing-true",
        {"DateNotEquals": {NOW_KEY: "2020-01-01T00:00:00Z"}},
        {},
        True,
        OPS,
    ),
    p(
        "DateLessThan-missing-false",
        {"DateLessThan": {NOW_KEY: "2030-01-01T00:00:00Z"}},
        {},
        False,
        OPS,
    ),
    p(
        "DateLessThanIfExists-missing-true",
        {"DateLessThanIfExists": {NOW_KEY: "2030-01-01T00:00:00Z"}},
        {},
        True,
        OPS,
    ),
    p(
        "DateGreaterThanIfExists-present-earlier",
        {"DateGreaterThanIfExists": {NOW_KEY: "2030-01-01T00:00:00Z"}},
        {NOW_KEY: "2024-06-01T12:00:00Z"},
        False,
        OPS,
    ),
    p(
        "DateGreaterThan-date-only-value",
        {"DateGreaterThan": {NOW_KEY: "2024-06-01"}},
        {NOW_KEY: "2024-06-01T12:00:00Z"},
        True,
        OPS,
    ),
    # --- Bool (OPS)
    p("Bool-true-match", {"Bool": {MFA_PRESENT: "true"}}, {MFA_PRESENT: True}, True, OPS),
    p("Bool-true-vs-false", {"Bool": {MFA_PRESENT: "true"}}, {MFA_PRESENT: False}, False, OPS),
    p("Bool-missing-false", {"Bool": {MFA_PRESENT: "true"}}, {}, False, OPS),
    p("BoolIfExists-missing-true", {"BoolIfExists": {MFA_PRESENT: "true"}}, {}, True, OPS),
    p(
        "BoolIfExists-present-false",
        {"BoolIfExists": {MFA_PRESENT: "true"}},
        {MFA_PRESENT: "false"},
        False,
        OPS,
    ),
    p(
        "Bool-value-case-insensitive",
        {"Bool": {MFA_PRESENT: "TRUE"}},
        {MFA_PRESENT: "true"},
        True,
        OPS,
    ),
    p("Bool-json-boolean-value", {"Bool": {MFA_PRESENT: True}}, {MFA_PRESENT: "true"}, True, OPS),
    # --- BinaryEquals: base64 bytes compared (OPS)
    p("BinaryEquals-match", {"BinaryEquals": {BIN: "aGVsbG8="}}, {BIN: "aGVsbG8="}, True, OPS),
    p("BinaryEquals-mismatch", {"BinaryEquals": {BIN: "aGVsbG8="}}, {BIN: "d29ybGQ="}, False, OPS),
    p("BinaryEquals-missing-false", {"BinaryEquals": {BIN: "aGVsbG8="}}, {}, False, OPS),
    p(
        "BinaryEqualsIfExists-missing-true",
        {"BinaryEqualsIfExists": {BIN: "aGVsbG8="}},
        {},
        True,
        OPS,
    ),
    p(
        "BinaryEquals-context-bytes",
        {"BinaryEquals": {BIN: "aGVsbG8="}},
        {BIN: b"hello"},
        True,
        OPS,
    ),
    # --- Null: presence test, no IfExists form (OPS)
    p("Null-true-missing", {"Null": {EXT: "true"}}, {}, True, OPS),
    p("Null-true-present", {"Null": {EXT: "true"}}, {EXT: "x"}, False, OPS),
    p("Null-false-present", {"Null": {EXT: "false"}}, {EXT: "x"}, True, OPS),
    p("Null-false-missing", {"Null": {EXT: "false"}}, {}, False, OPS),
    p("Null-true-empty-multivalued", {"Null": {TAGS: "true"}}, {TAGS: []}, True, SETS),
    # --- IpAddress / NotIpAddress: CIDR (OPS)
    p("IpAddress-in-cidr", {"IpAddress": {IP: "203.0.113.0/24"}}, {IP: "203.0.113.9"}, True, OPS),
    p(
        "IpAddress-outside-cidr",
        {"IpAddress": {IP: "203.0.113.0/24"}},
        {IP: "198.51.100.1"},
        False,
        OPS,
    ),
    p(
        "IpAddress-single-address",
        {"IpAddress": {IP: "203.0.113.5"}},
        {IP: "203.0.113.5"},
        True,
        OPS,
    ),
    p("IpAddress-ipv6", {"IpAddress": {IP: "2001:db8::/32"}}, {IP: "2001:db8::1"}, True, OPS),
    p(
        "IpAddress-ipv4-not-in-ipv6",
        {"IpAddress": {IP: "2001:db8::/32"}},
        {IP: "10.0.0.1"},
        False,
        OPS,
    ),
    p(
        "IpAddress-ranges-ORed",
        {"IpAddress": {IP: ["10.0.0.0/8", "192.168.0.0/16"]}},
        {IP: "192.168.1.1"},
        True,
        MULTI,
    ),
    p("IpAddress-missing-false", {"IpAddress": {IP: "0.0.0.0/0"}}, {}, False, OPS),
    p("IpAddressIfExists-missing-true", {"IpAddressIfExists": {IP: "10.0.0.0/8"}}, {}, True, OPS),
    p(
        "NotIpAddress-outside-true",
        {"NotIpAddress": {IP: "10.0.0.0/8"}},
        {IP: "192.0.2.1"},
        True,
        OPS,
    ),
    p(
        "NotIpAddress-inside-false",
        {"NotIpAddress": {IP: "10.0.0.0/8"}},
        {IP: "10.1.2.3"},
        False,
        OPS,
    ),
    p("NotIpAddress-missing-true", {"NotIpAddress": {IP: "10.0.0.0/8"}}, {}, True, OPS),
    p(
        "NotIpAddress-ranges-none-may-match",
        {"NotIpAddress": {IP: ["10.0.0.0/8", "192.168.0.0/16"]}},
        {IP: "192.168.1.1"},
        False,
        MULTI,
    ),
    p(
        "NotIpAddressIfExists-present-outside",
        {"NotIpAddressIfExists": {IP: "10.0.0.0/8"}},
        {IP: "192.0.2.1"},
        True,
        OPS,
    ),
    # --- Set operators on multivalued keys (SETS)
    p(
        "ForAllValues-subset-true",
        {"ForAllValues:StringEquals": {TAGS: ["team", "env", "cost"]}},
        {TAGS: ["team", "env"]},
        True,
        SETS,
    ),
    p(
        "ForAllValues-extra-value-false",
        {"ForAllValues:StringEquals": {TAGS: ["team", "env"]}},
        {TAGS: ["team", "secret"]},
        False,
        SETS,
    ),
    p(
        "ForAllValues-missing-key-true",
        {"ForAllValues:StringEquals": {TAGS: ["team"]}},
        {},
        True,
        SETS,
    ),
    p(
        "ForAllValues-empty-key-true",
        {"ForAllValues:StringEquals": {TAGS: ["team"]}},
        {TAGS: []},
        True,
        SETS,
    ),
    p(
        "ForAllValues-StringLike-wildcards",
        {"ForAllValues:StringLike": {TAGS: "team-*"}},
        {TAGS: ["team-a", "team-b"]},
        True,
        SETS,
    ),
    p(
        "ForAllValues-StringNotLike-outsider",
        {"ForAllValues:StringNotLike": {TAGS: "key1*"}},
        {TAGS: ["key2:audit"]},
        True,
        SETS,
    ),
    p(
        "ForAllValues-StringNotLike-listed-prefix",
        {"ForAllValues:StringNotLike": {TAGS: "key1*"}},
        {TAGS: ["key1:legal"]},
        False,
        SETS,
    ),
    p(
        "ForAllValues-StringEqualsIgnoreCase",
        {"ForAllValues:StringEqualsIgnoreCase": {TAGS: ["TEAM"]}},
        {TAGS: ["team", "Team"]},
        True,
        SETS,
    ),
    p(
        "ForAnyValue-one-match-true",
        {"ForAnyValue:StringEquals": {TAGS: ["team"]}},
        {TAGS: ["env", "team"]},
        True,
        SETS,
    ),
    p(
        "ForAnyValue-no-match-false",
        {"ForAnyValue:StringEquals": {TAGS: ["team"]}},
        {TAGS: ["env"]},
        False,
        SETS,
    ),
    p(
        "ForAnyValue-missing-key-false",
        {"ForAnyValue:StringEquals": {TAGS: ["team"]}},
        {},
        False,
        SETS,
    ),
    p(
        "ForAnyValue-empty-key-false",
        {"ForAnyValue:StringEquals": {TAGS: ["team"]}},
        {TAGS: []},
        False,
        SETS,
    ),
    p(
        "ForAnyValue-IfExists-missing-false",
        {"ForAnyValue:StringEqualsIfExists": {TAGS: "t"}},
        {},
        False,
        SETS,
    ),
    p(
        "ForAnyValue-StringNotEquals-outsider",
        {"ForAnyValue:StringNotEquals": {TAGS: ["team", "env"]}},
        {TAGS: ["team", "secret"]},
        True,
        SETS,
    ),
    p(
        "ForAnyValue-StringNotEquals-all-listed",
        {"ForAnyValue:StringNotEquals": {TAGS: ["team", "env"]}},
        {TAGS: ["team"]},
        False,
        SETS,
    ),
    p(
        "ForAnyValue-StringLike",
        {"ForAnyValue:StringLike": {TAGS: "cost-*"}},
        {TAGS: ["team", "cost-center"]},
        True,
        SETS,
    ),
    p(
        "unqualified-operator-on-multivalued-false",
        {"StringEquals": {TAGS: "team"}},
        {TAGS: ["team", "env"]},
        False,
        SETS,
    ),
    # --- Several keys and several operators are AND'ed (MULTI)
    p(
        "two-keys-both-hold",
        {"StringEquals": {EXT: "abc", NAME: "alice"}},
        {EXT: "abc", NAME: "alice"},
        True,
        MULTI,
    ),
    p(
        "two-keys-one-fails",
        {"StringEquals": {EXT: "abc", NAME: "alice"}},
        {EXT: "abc", NAME: "bob"},
        False,
        MULTI,
    ),
    p(
        "two-operators-both-hold",
        {"StringEquals": {EXT: "abc"}, "Bool": {MFA_PRESENT: "true"}},
        {EXT: "abc", MFA_PRESENT: True},
        True,
        MULTI,
    ),
    p(
        "two-operators-one-fails",
        {"StringEquals": {EXT: "abc"}, "Bool": {MFA_PRESENT: "true"}},
        {EXT: "abc"},
        False,
        MULTI,
    ),
    # --- Policy variables in condition values (VARS)
    p(
        "var-username-match",
        {"StringEquals": {NAME: "${aws:username}"}},
        {"aws:username": "alice", NAME: "alice"},
        True,
        VARS,
    ),
    p(
        "var-username-mismatch",
        {"StringEquals": {NAME: "${aws:username}"}},
        {"aws:username": "alice", NAME: "bob"},
        False,
        VARS,
    ),
    p(
        "var-principal-tag",
        {"StringEquals": {"aws:RequestTag/team": "${aws:PrincipalTag/team}"}},
        {"aws:PrincipalTag/team": "red", "aws:RequestTag/team": "red"},
        True,
        VARS,
    ),
    p(
        "var-undefined-positive-false",
        {"StringEquals": {NAME: "${aws:username}"}},
        {NAME: "alice"},
        False,
        VARS,
    ),
    p(
        "var-undefined-in-like-pattern-matches-nothing",
        {"StringLike": {NAME: "${aws:username}*"}},
        {NAME: "alice"},
        False,
        VARS,
    ),
    p(
        "var-undefined-negated-true",
        {"StringNotEquals": {NAME: "${aws:username}"}},
        {NAME: "alice"},
        True,
        VARS,
    ),
    p(
        "var-default-used",
        {"StringEquals": {NAME: "${aws:PrincipalTag/team, 'none'}"}},
        {NAME: "none"},
        True,
        VARS,
    ),
    p(
        "var-default-ignored-when-set",
        {"StringEquals": {NAME: "${aws:PrincipalTag/team, 'none'}"}},
        {"aws:PrincipalTag/team": "red", NAME: "none"},
        False,
        VARS,
    ),
    p("var-escape-star-is-literal", {"StringLike": {NAME: "a${*}"}}, {NAME: "a*"}, True, VARS),
    p("var-escape-star-not-wildcard", {"StringLike": {NAME: "a${*}"}}, {NAME: "abc"}, False, VARS),
    p("var-escape-question", {"StringLike": {NAME: "a${?}"}}, {NAME: "a?"}, True, VARS),
    p("var-escape-dollar", {"StringEquals": {NAME: "${$}5"}}, {NAME: "$5"}, True, VARS),
    p(
        "var-value-with-star-is-literal",
        {"StringLike": {NAME: "${aws:PrincipalTag/p}"}},
        {"aws:PrincipalTag/p": "x*", NAME: "xyz"},
        False,
        VARS,
    ),
    p(
        "var-inside-like-pattern",
        {"StringLike": {NAME: "${aws:username}-*"}},
        {"aws:username": "alice", NAME: "alice-laptop"},
        True,
        VARS,
    ),
    p(
        "var-name-case-insensitive",
        {"StringEquals": {NAME: "${AWS:USERNAME}"}},
        {"aws:username": "alice", NAME: "alice"},
        True,
        VARS,
    ),
    p(
        "var-multivalued-key-unresolvable",
        {"StringEquals": {NAME: "${aws:TagKeys}"}},
        {TAGS: ["a", "b"], NAME: "a"},
        False,
        VARS,
    ),
    p(
        "var-in-arn-like",
        {"ArnLike": {PARN: "arn:aws:iam::${aws:PrincipalAccount}:user/*"}},
        {"aws:PrincipalAccount": A, PARN: USER},
        True,
        VARS,
    ),
    p(
        "var-userid-prefix",
        {"StringLike": {NAME: "${aws:userid}*"}},
        {"aws:userid": "AIDAEXAMPLE", NAME: "AIDAEXAMPLE-x"},
        True,
        VARS,
    ),
]


@pytest.mark.parametrize(("condition", "keys", "holds", "rule"), CONDITION_CASES)
def test_condition_operator(
    condition: dict[str, Any], keys: dict[str, Any], holds: bool, rule: str
) -> None:
    assert rule in RULES
    result = evaluate_policy(cond_policy(condition), bare(keys))
    if holds:
        assert result.decision == ALLOW
        assert result.deciding == ("Cond",)
        assert failed_labels(result) == []
    else:
        assert result.decision == IMPLICIT_DENY
        assert result.deciding == ()
        assert failed_labels(result)[0] == "Cond"
    # The same condition on a Deny next to a plain Allow: denies exactly when it holds.
    deny = {"Sid": "Deny", "Effect": "Deny", "Action": "*", "Resource": "*", "Condition": condition}
    allow = {"Sid": "All", "Effect": "Allow", "Action": "*", "Resource": "*"}
    mirrored = evaluate_policy({"Version": V, "Statement": [allow, deny]}, bare(keys))
    assert mirrored.decision == (EXPLICIT_DENY if holds else ALLOW)
    assert mirrored.deciding == (("Deny",) if holds else ("All",))


def test_variables_need_version_2012() -> None:
    # VARS: without "Version": "2012-10-17" a ${...} is literal text.
    condition = {"StringEquals": {NAME: "${aws:username}"}}
    keys = {"aws:username": "alice", NAME: "alice"}
    old = evaluate_policy(cond_policy(condition, version="2008-10-17"), bare(keys))
    assert old.decision == IMPLICIT_DENY
    literal = evaluate_policy(
        cond_policy(condition, version="2008-10-17"), bare({NAME: "${aws:username}"})
    )
    assert literal.decision == ALLOW
    assert literal.deciding == ("Cond",)


# =============================================================================================
# Action / NotAction and Resource / NotResource in identity policies
# =============================================================================================

ACTION_CASES = [
    # ACTION: names are case-insensitive, * and ? wildcards, lists are OR'ed.
    p("action-exact", {"Action": "sts:AssumeRole"}, (ASSUME_ROLE,), ALLOW, ACTION),
    p("action-case-insensitive", {"Action": "STS:assumerole"}, (ASSUME_ROLE,), ALLOW, ACTION),
    p("action-service-star", {"Action": "sts:*"}, (ASSUME_ROLE,), ALLOW, ACTION),
    p("action-global-star", {"Action": "*"}, (ASSUME_ROLE,), ALLOW, ACTION),
    p("action-question-mark", {"Action": "sts:AssumeRol?"}, (ASSUME_ROLE,), ALLOW, ACTION),
    p(
        "action-prefix-needs-wildcard",
        {"Action": "sts:Assume"},
        (ASSUME_ROLE,),
        IMPLICIT_DENY,
        ACTION,
    ),
    p(
        "action-other-action",
        {"Action": "sts:GetCallerIdentity"},
        (ASSUME_ROLE,),
        IMPLICIT_DENY,
        ACTION,
    ),
    p(
        "action-list-ORed",
        {"Action": ["s3:GetObject", "sts:AssumeRole"]},
        (ASSUME_ROLE,),
        ALLOW,
        ACTION,
    ),
    p("notaction-excludes", {"NotAction": "sts:*"}, (ASSUME_ROLE,), IMPLICIT_DENY, ACTION),
    p("notaction-other-service", {"NotAction": "s3:*"}, (ASSUME_ROLE,), ALLOW, ACTION),
    p(
        "tagsession-needs-own-action",
        {"Action": "sts:AssumeRole"},
        (ASSUME_ROLE, TAG_SESSION),
        IMPLICIT_DENY,
        STS,
    ),
    p(
        "tagsession-allowed-by-list",
        {"Action": ["sts:AssumeRole", "sts:TagSession"]},
        (ASSUME_ROLE, TAG_SESSION),
        ALLOW,
        STS,
    ),
    p(
        "setsourceidentity-needs-own-action",
        {"Action": "sts:AssumeRole"},
        (ASSUME_ROLE, SET_SOURCE_IDENTITY),
        IMPLICIT_DENY,
        STS,
    ),
]


@pytest.mark.parametrize(("element", "actions", "decision", "rule"), ACTION_CASES)
def test_action_matching(
    element: dict[str, Any], actions: tuple[str, ...], decision: str, rule: str
) -> None:
    assert rule in RULES
    policy = {
        "Version": V,
        "Statement": [{"Sid": "S", "Effect": "Allow", "Resource": "*", **element}],
    }
    result = evaluate_policy(policy, bare(actions=actions))
    assert result.decision == decision
    assert result.deciding == (("S",) if decision == ALLOW else ())
    if decision == IMPLICIT_DENY and len(actions) > 1:
        assume = result.action(ASSUME_ROLE)
        assert assume is not None
        assert assume.decision == ALLOW


RESOURCE_CASES = [
    # RESOURCE: case-sensitive, wildcards per ARN segment, variables allowed (VARS).
    p("resource-exact", {"Resource": ROLE_B}, {}, ALLOW, RESOURCE),
    p("resource-star", {"Resource": "*"}, {}, ALLOW, RESOURCE),
    p("resource-name-wildcard", {"Resource": f"arn:aws:iam::{B}:role/ops/*"}, {}, ALLOW, RESOURCE),
    p(
        "resource-question-wildcard",
        {"Resource": f"arn:aws:iam::{B}:role/ops/Targe?"},
        {},
        ALLOW,
        RESOURCE,
    ),
    p(
        "resource-account-wildcard",
        {"Resource": "arn:aws:iam::*:role/ops/Target"},
        {},
        ALLOW,
        RESOURCE,
    ),
    p(
        "resource-case-sensitive",
        {"Resource": f"arn:aws:iam::{B}:role/ops/target"},
        {},
        IMPLICIT_DENY,
        RESOURCE,
    ),
    p(
        "resource-other-account",
        {"Resource": f"arn:aws:iam::{A}:role/ops/Target"},
        {},
        IMPLICIT_DENY,
        RESOURCE,
    ),
    p(
        "resource-path-matters",
        {"Resource": f"arn:aws:iam::{B}:role/Target"},
        {},
        IMPLICIT_DENY,
        RESOURCE,
    ),
    p("resource-list-ORed", {"Resource": [ROLE_A, ROLE_B]}, {}, ALLOW, RESOURCE),
    p(
        "resource-trailing-star-spans-colons",
        {"Resource": "arn:aws:iam::*"},
        {},
        ALLOW,
        RESOURCE,
    ),
    p(
        "resource-inner-star-stays-in-segment",
        {"Resource": "arn:aws:i*m:role/ops/Target"},
        {},
        IMPLICIT_DENY,
        RESOURCE,
    ),
    p("notresource-excludes-role", {"NotResource": ROLE_B}, {}, IMPLICIT_DENY, RESOURCE),
    p("notresource-other-role", {"NotResource": ROLE_A}, {}, ALLOW, RESOURCE),
    p(
        "resource-variable",
        {"Resource": f"arn:aws:iam::{B}:role/ops/${{aws:username}}"},
        {"aws:username": "Target"},
        ALLOW,
        VARS,
    ),
    p(
        "resource-variable-undefined",
        {"Resource": f"arn:aws:iam::{B}:role/ops/${{aws:username}}"},
        {},
        IMPLICIT_DENY,
        VARS,
    ),
    p(
        "resource-variable-undefined-not-empty",
        {"Resource": f"arn:aws:iam::{B}:role/ops/Target${{aws:username}}"},
        {},
        IMPLICIT_DENY,
        VARS,
    ),
    p(
        "resource-variable-default",
        {"Resource": f"arn:aws:iam::{B}:role/ops/${{aws:PrincipalTag/r, 'Target'}}"},
        {},
        ALLOW,
        VARS,
    ),
    p(
        "notresource-variable-undefined-matches-nothing",
        {"NotResource": f"arn:aws:iam::{B}:role/ops/${{aws:username}}"},
        {},
        ALLOW,
        VARS,
    ),
]


@pytest.mark.parametrize(("element", "keys", "decision", "rule"), RESOURCE_CASES)
def test_resource_matching(
    element: dict[str, Any], keys: dict[str, Any], decision: str, rule: str
) -> None:
    assert rule in RULES
    policy = {
        "Version": V,
        "Statement": [{"Sid": "S", "Effect": "Allow", "Action": ASSUME_ROLE, **element}],
    }
    result = evaluate_policy(policy, bare(keys))
    assert result.decision == decision
    assert result.deciding == (("S",) if decision == ALLOW else ())


# =============================================================================================
# Principal / NotPrincipal in trust policies
# =============================================================================================

SAML = f"arn:aws:iam::{A}:saml-provider/Okta"


def trust_doc(
    principal: Any,
    *,
    key: str = "Principal",
    sid: str = "Trust",
    effect: str = "Allow",
    condition: dict[str, Any] | None = None,
    action: Any = ASSUME_ROLE,
) -> dict[str, Any]:
    statement: dict[str, Any] = {"Sid": sid, "Effect": effect, key: principal, "Action": action}
    if condition:
        statement["Condition"] = condition
    return {"Version": V, "Statement": [statement]}


PRINCIPAL_CASES = [
    # PRINCIPAL: (caller, Principal element, matches?, scope)
    p("star-string-any-principal", USER, "*", True, "wildcard", PRINCIPAL),
    p("aws-star-any-aws-principal", USER, {"AWS": "*"}, True, "wildcard", PRINCIPAL),
    p("star-string-matches-service", "ec2.amazonaws.com", "*", True, "wildcard", PRINCIPAL),
    p("aws-star-not-a-service", "ec2.amazonaws.com", {"AWS": "*"}, False, None, PRINCIPAL),
    p("user-arn-exact", USER, {"AWS": USER}, True, "direct", PRINCIPAL),
    p(
        "user-arn-other-user",
        USER,
        {"AWS": f"arn:aws:iam::{A}:user/dev/bob"},
        False,
        None,
        PRINCIPAL,
    ),
    p(
        "user-arn-path-matters",
        USER,
        {"AWS": f"arn:aws:iam::{A}:user/alice"},
        False,
        None,
        PRINCIPAL,
    ),
    p("account-id-any-principal-in-account", USER, {"AWS": A}, True, "account", PRINCIPAL),
    p(
        "account-root-arn-any-principal-in-account",
        USER,
        {"AWS": f"arn:aws:iam::{A}:root"},
        True,
        "account",
        PRINCIPAL,
    ),
    p(
        "account-root-arn-other-account",
        USER,
        {"AWS": f"arn:aws:iam::{B}:root"},
        False,
        None,
        PRINCIPAL,
    ),
    p("account-id-other-account", USER, {"AWS": B}, False, None, PRINCIPAL),
    p(
        "account-root-partition-matters",
        USER,
        {"AWS": f"arn:aws-cn:iam::{A}:root"},
        False,
        None,
        PRINCIPAL,
    ),
    p(
        "role-arn-matches-its-session",
        SESSION,
        {"AWS": f"arn:aws:iam::{A}:role/Deployer"},
        True,
        "role",
        PRINCIPAL,
    ),
    p(
        "role-arn-with-path-matches-session",
        SESSION,
        {"AWS": f"arn:aws:iam::{A}:role/ci/Deployer"},
        True,
        "role",
        PRINCIPAL,
    ),
    p(
        "other-role-not-this-session",
        SESSION,
        {"AWS": f"arn:aws:iam::{A}:role/Other"},
        False,
        None,
        PRINCIPAL,
    ),
    p(
        "same-role-name-other-account",
        SESSION,
        {"AWS": f"arn:aws:iam::{B}:role/Deployer"},
        False,
        None,
        PRINCIPAL,
    ),
    p("session-arn-exact", SESSION, {"AWS": SESSION}, True, "direct", PRINCIPAL),
    p(
        "session-arn-other-session",
        SESSION,
        {"AWS": f"arn:aws:sts::{A}:assumed-role/Deployer/other"},
        False,
        None,
        PRINCIPAL,
    ),
    p("session-matches-account", SESSION, {"AWS": A}, True, "account", PRINCIPAL),
    p(
        "role-arn-matches-role-caller",
        f"arn:aws:iam::{A}:role/Deployer",
        {"AWS": f"arn:aws:iam::{A}:role/Deployer"},
        True,
        "direct",
        PRINCIPAL,
    ),
    p(
        "aws-list-ORed",
        USER,
        {"AWS": [f"arn:aws:iam::{A}:user/x", USER]},
        True,
        "direct",
        PRINCIPAL,
    ),
    p("direct-beats-account-in-same-element", USER, {"AWS": [A, USER]}, True, "direct", PRINCIPAL),
    p(
        "service-match",
        "ec2.amazonaws.com",
        {"Service": "ec2.amazonaws.com"},
        True,
        "direct",
        PRINCIPAL,
    ),
    p(
        "service-list",
        "lambda.amazonaws.com",
        {"Service": ["ec2.amazonaws.com", "lambda.amazonaws.com"]},
        True,
        "direct",
        PRINCIPAL,
    ),
    p(
        "service-other",
        "ec2.amazonaws.com",
        {"Service": "lambda.amazonaws.com"},
        False,
        None,
        PRINCIPAL,
    ),
    p(
        "service-does-not-match-user",
        USER,
        {"Service": "ec2.amazonaws.com"},
        False,
        None,
        PRINCIPAL,
    ),
    p("user-does-not-match-service-key", "ec2.amazonaws.com", {"AWS": A}, False, None, PRINCIPAL),
    p(
        "mixed-types-one-element",
        "ec2.amazonaws.com",
        {"AWS": USER, "Service": "ec2.amazonaws.com"},
        True,
        "direct",
        PRINCIPAL,
    ),
    p("federated-saml-provider", SAML, {"Federated": SAML}, True, "direct", PRINCIPAL),
    p(
        "federated-web-idp",
        "accounts.google.com",
        {"Federated": "accounts.google.com"},
        True,
        "direct",
        PRINCIPAL,
    ),
    p(
        "federated-other-provider",
        SAML,
        {"Federated": "accounts.google.com"},
        False,
        None,
        PRINCIPAL,
    ),
    p("federated-not-matched-by-aws-account", SAML, {"AWS": A}, False, None, PRINCIPAL),
]


@pytest.mark.parametrize(("caller", "element", "matches", "scope", "rule"), PRINCIPAL_CASES)
def test_principal_matching(
    caller: str, element: Any, matches: bool, scope: str | None, rule: str
) -> None:
    assert rule in RULES
    ctx = build_context(caller, ROLE_A, clock=clock)
    result = evaluate_policy(trust_doc(element), ctx)
    stmt = result.actions[0].statements[0]
    assert result.decision == (ALLOW if matches else IMPLICIT_DENY)
    assert result.deciding == (("Trust",) if matches else ())
    assert stmt.principal_matched is matches
    assert stmt.principal_scope == scope


@pytest.mark.parametrize(
    ("canonical", "decision"),
    [
        # PRINCIPAL: CanonicalUser names an S3 canonical user ID.
        p(
            "canonical-user-match",
            "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be",
            ALLOW,
        ),
        p("canonical-user-absent", None, IMPLICIT_DENY),
    ],
)
def test_canonical_user_principal(canonical: str | None, decision: str) -> None:
    cid = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
    ctx = dataclasses.replace(build_context(USER, ROLE_A, clock=clock), canonical_user_id=canonical)
    result = evaluate_policy(trust_doc({"CanonicalUser": cid}), ctx)
    assert result.decision == decision
    assert result.deciding == (("Trust",) if decision == ALLOW else ())


ALLOW_ALL_TRUST = {"Sid": "AllowAll", "Effect": "Allow", "Principal": "*", "Action": "*"}

NOT_PRINCIPAL_CASES = [
    # NOTPRINCIPAL: AWS checks the account, then the role, then the session; each must be listed.
    p(
        "deny-notprincipal-role-and-account-exempt-session",
        SESSION,
        [f"arn:aws:iam::{A}:role/Deployer", f"arn:aws:iam::{A}:root"],
        "Deny",
        ALLOW,
        "AllowAll",
    ),
    p(
        "deny-notprincipal-role-only-still-denies-session",
        SESSION,
        [f"arn:aws:iam::{A}:role/Deployer"],
        "Deny",
        EXPLICIT_DENY,
        "Guard",
    ),
    p(
        "deny-notprincipal-session-only-still-denies",
        SESSION,
        [SESSION],
        "Deny",
        EXPLICIT_DENY,
        "Guard",
    ),
    p("deny-notprincipal-account-exempts-everyone-in-it", SESSION, [A], "Deny", ALLOW, "AllowAll"),
    p(
        "deny-notprincipal-user-and-account-exempt-user",
        USER,
        [USER, f"arn:aws:iam::{A}:root"],
        "Deny",
        ALLOW,
        "AllowAll",
    ),
    p("deny-notprincipal-user-only-denies-user", USER, [USER], "Deny", EXPLICIT_DENY, "Guard"),
    p(
        "deny-notprincipal-other-user-denies",
        USER,
        [f"arn:aws:iam::{A}:user/x", B],
        "Deny",
        EXPLICIT_DENY,
        "Guard",
    ),
    p(
        "allow-notprincipal-everyone-else",
        USER,
        [f"arn:aws:iam::{B}:root"],
        "Allow",
        ALLOW,
        "Guard",
    ),
    p("allow-notprincipal-excludes-listed-account", USER, [A], "Allow", IMPLICIT_DENY, None),
]


@pytest.mark.parametrize(
    ("caller", "listed", "effect", "decision", "deciding"), NOT_PRINCIPAL_CASES
)
def test_not_principal(
    caller: str, listed: list[str], effect: str, decision: str, deciding: str | None
) -> None:
    guard = {
        "Sid": "Guard",
        "Effect": effect,
        "NotPrincipal": {"AWS": listed},
        "Action": ASSUME_ROLE,
    }
    statements = [guard] if effect == "Allow" else [ALLOW_ALL_TRUST, guard]
    result = evaluate_policy(
        {"Version": V, "Statement": statements}, build_context(caller, ROLE_A, clock=clock)
    )
    assert result.decision == decision
    assert result.deciding == ((deciding,) if deciding else ())


# =============================================================================================
# Statement shapes and deny precedence
# =============================================================================================

ALLOW_S = {"Sid": "Allow", "Effect": "Allow", "Action": ASSUME_ROLE, "Resource": "*"}
DENY_S = {"Sid": "Deny", "Effect": "Deny", "Action": ASSUME_ROLE, "Resource": "*"}
NO_SID = {"Effect": "Allow", "Action": "sts:*", "Resource": "*"}

SHAPE_CASES = [
    # EVAL: explicit deny overrides any allow; no allow -> implicit deny.
    p(
        "deny-overrides-allow",
        {"Version": V, "Statement": [ALLOW_S, DENY_S]},
        EXPLICIT_DENY,
        ("Deny",),
        EVAL,
    ),
    p(
        "deny-first-still-wins",
        {"Version": V, "Statement": [DENY_S, ALLOW_S]},
        EXPLICIT_DENY,
        ("Deny",),
        EVAL,
    ),
    p("no-statements-implicit-deny", {"Version": V, "Statement": []}, IMPLICIT_DENY, (), EVAL),
    p("statement-as-single-object", {"Version": V, "Statement": ALLOW_S}, ALLOW, ("Allow",), EVAL),
    p(
        "policy-as-json-text",
        json.dumps({"Version": V, "Statement": [ALLOW_S]}),
        ALLOW,
        ("Allow",),
        EVAL,
    ),
    p(
        "deny-with-false-condition-is-skipped",
        {
            "Version": V,
            "Statement": [ALLOW_S, {**DENY_S, "Condition": {"Bool": {MFA_PRESENT: "false"}}}],
        },
        ALLOW,
        ("Allow",),
        EVAL,
    ),
    p(
        "deny-wildcard-action",
        {"Version": V, "Statement": [ALLOW_S, {**DENY_S, "Action": "*"}]},
        EXPLICIT_DENY,
        ("Deny",),
        EVAL,
    ),
    p(
        "deny-other-action-ignored",
        {"Version": V, "Statement": [ALLOW_S, {**DENY_S, "Action": "s3:*"}]},
        ALLOW,
        ("Allow",),
        EVAL,
    ),
    p(
        "two-allows-both-deciding",
        {"Version": V, "Statement": [ALLOW_S, {**ALLOW_S, "Sid": "B"}]},
        ALLOW,
        ("Allow", "B"),
        EVAL,
    ),
    p(
        "statement-without-sid-labelled-by-index",
        {"Version": V, "Statement": [DENY_S | {"Action": "s3:*"}, NO_SID]},
        ALLOW,
        ("#1",),
        EVAL,
    ),
    p(
        "single-action-and-resource-strings",
        {
            "Version": V,
            "Statement": {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": ROLE_B},
        },
        EXPLICIT_DENY,
        ("#0",),
        EVAL,
    ),
]


@pytest.mark.parametrize(("policy", "decision", "deciding", "rule"), SHAPE_CASES)
def test_statement_shapes(policy: Any, decision: str, deciding: tuple[str, ...], rule: str) -> None:
    assert rule in RULES
    result = evaluate_policy(policy, bare())
    assert result.decision == decision
    assert result.deciding == deciding


def test_deny_in_one_identity_policy_overrides_allow_in_another() -> None:
    # EVAL: all identity policies are evaluated together; an explicit deny anywhere wins.
    allow = {"Version": V, "Statement": [ALLOW_S]}
    deny = {"Version": V, "Statement": [DENY_S]}
    result = evaluate_policies([("a", allow), ("d", deny)], bare(), policy_type="identity")
    assert result.decision == EXPLICIT_DENY
    assert result.deciding == ("d:Deny",)


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        p("bad-json", "{not json", "not valid JSON"),
        p("no-statement", {"Version": V}, "no Statement"),
        p(
            "bad-effect",
            {"Statement": [{"Effect": "allow", "Action": "*", "Resource": "*"}]},
            "Effect",
        ),
        p(
            "action-and-notaction",
            {
                "Statement": [
                    {"Effect": "Allow", "Action": "*", "NotAction": "s3:*", "Resource": "*"}
                ]
            },
            "both Action and NotAction",
        ),
        p("no-action", {"Statement": [{"Effect": "Allow", "Resource": "*"}]}, "neither Action"),
        p(
            "identity-without-resource",
            {"Statement": [{"Effect": "Allow", "Action": "*"}]},
            "neither Resource",
        ),
        p("unknown-operator", cond_policy({"StringSortOf": {EXT: "x"}}), "unknown condition"),
        p("null-ifexists-invalid", cond_policy({"NullIfExists": {EXT: "true"}}), "unknown"),
        p("bad-qualifier", cond_policy({"ForSomeValues:StringEquals": {EXT: "x"}}), "qualifier"),
        p(
            "non-numeric-policy-value",
            cond_policy({"NumericLessThan": {MFA_AGE: "soon"}}),
            "not a number",
        ),
        p(
            "bad-date-policy-value",
            cond_policy({"DateLessThan": {NOW_KEY: "tomorrow"}}),
            "not a date",
        ),
        p("bad-cidr", cond_policy({"IpAddress": {IP: "10.0.0.0/33"}}), "not an IP range"),
        p("bad-base64", cond_policy({"BinaryEquals": {BIN: "***"}}), "not base64"),
    ],
)
def test_malformed_policies_raise(policy: Any, message: str) -> None:
    # EVAL: a document IAM would reject cannot be evaluated; PolicyError is a ValueError.
    with pytest.raises(PolicyError, match=message):
        evaluate_policy(
            policy,
            bare({EXT: "x", MFA_AGE: 1, NOW_KEY: "2024-01-01", IP: "10.0.0.1", BIN: "aGVsbG8="}),
        )


def test_trust_statement_needs_principal() -> None:
    with pytest.raises(PolicyError, match="neither Principal"):
        evaluate_policy(
            {"Statement": [{"Effect": "Allow", "Action": ASSUME_ROLE}]}, bare(), policy_type="trust"
        )


# =============================================================================================
# The AssumeRole decision across accounts
# =============================================================================================


def ident(
    sid: str = "AllowAssume",
    *,
    resource: str = ROLE_A,
    effect: str = "Allow",
    action: Any = ASSUME_ROLE,
    condition: dict[str, Any] | None = None,
) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Sid": sid,
        "Effect": effect,
        "Action": action,
        "Resource": resource,
    }
    if condition:
        statement["Condition"] = condition
    return {"Version": V, "Statement": [statement]}


ROLE_A_ACCOUNT_ONLY = trust_doc({"AWS": f"arn:aws:iam::{A}:root"}, sid="Account")
USER_A2 = f"arn:aws:iam::{A}:user/carol"

DECIDE_CASES = [
    # (caller, role, trust, identity, kwargs, overall, trust deciding, identity deciding,
    #  identity required, rule)
    # CROSS: across accounts both the trust policy and the identity policy must allow.
    p(
        "cross-account-both-allow",
        USER_B,
        ROLE_A,
        trust_doc({"AWS": USER_B}),
        {"pol": ident()},
        {},
        ALLOW,
        ("Trust",),
        ("pol:AllowAssume",),
        True,
        CROSS,
    ),
    p(
        "cross-account-trust-only",
        USER_B,
        ROLE_A,
        trust_doc({"AWS": USER_B}),
        {},
        {},
        IMPLICIT_DENY,
        ("Trust",),
        (),
        True,
        CROSS,
    ),
    p(
        "cross-account-identity-only",
        USER_B,
        ROLE_A,
        trust_doc({"AWS": USER}),
        {"pol": ident()},
        {},
        IMPLICIT_DENY,
        (),
        ("pol:AllowAssume",),
        True,
        CROSS,
    ),
    p(
        "cross-account-trust-names-account",
        USER_B,
        ROLE_A,
        trust_doc({"AWS": B}),
        {"pol": ident()},
        {},
        ALLOW,
        ("Trust",),
        ("pol:AllowAssume",),
        True,
        CROSS,
    ),
    p(
        "cross-account-identity-wrong-resource",
        USER_B,
        ROLE_A,
        trust_doc({"AWS": USER_B}),
        {"pol": ident(resource=ROLE_B)},
        {},
        IMPLICIT_DENY,
        ("Trust",),
        (),
        True,
        CROSS,
    ),
    p(
        "cross-account-identity-deny-wins",
        USER_B,
        ROLE_A,
        trust_doc({"AWS": USER_B}),
        {"pol": ident(), "guard": ident("NoAssume", effect="Deny", resource="*")},
        {},
        EXPLICIT_DENY,
        ("Trust",),
        ("guard:NoAssume",),
        True,
        CROSS,
    ),
    p(
        "cross-account-trust-deny-wins",
        USER_B,
        ROLE_A,
        {
            "Version": V,
            "Statement": [
                trust_doc({"AWS": B})["Statement"][0],
                trust_doc({"AWS": USER_B}, sid="Block", effect="Deny")["Statement"][0],
            ],
        },
        {"pol": ident()},
        {},
        EXPLICIT_DENY,
        ("Block",),
        ("pol:AllowAssume",),
        True,
        CROSS,
    ),
    p(
        "cross-account-session-via-role-arn",
        f"arn:aws:sts::{B}:assumed-role/Ci/run-1",
        ROLE_A,
        trust_doc({"AWS": f"arn:aws:iam::{B}:role/Ci"}),
        [ident()],
        {},
        ALLOW,
        ("Trust",),
        ("identity[0]:AllowAssume",),
        True,
        CROSS,
    ),
    # EVAL (same account): naming the caller is enough; naming the account defers to identity.
    p(
        "same-account-trust-names-user",
        USER,
        ROLE_A,
        trust_doc({"AWS": USER}),
        None,
        {},
        ALLOW,
        ("Trust",),
        (),
        False,
        EVAL,
    ),
    p(
        "same-account-trust-names-account-no-identity",
        USER,
        ROLE_A,
        ROLE_A_ACCOUNT_ONLY,
        None,
        {},
        IMPLICIT_DENY,
        ("Account",),
        (),
        True,
        EVAL,
    ),
    p(
        "same-account-trust-names-account-identity-allows",
        USER,
        ROLE_A,
        ROLE_A_ACCOUNT_ONLY,
        ident(),
        {},
        ALLOW,
        ("Account",),
        ("AllowAssume",),
        True,
        EVAL,
    ),
    p(
        "same-account-trust-names-account-id",
        USER,
        ROLE_A,
        trust_doc({"AWS": A}),
        None,
        {},
        IMPLICIT_DENY,
        ("Trust",),
        (),
        True,
        EVAL,
    ),
    p(
        "same-account-trust-names-role-of-session",
        SESSION,
        ROLE_A,
        trust_doc({"AWS": f"arn:aws:iam::{A}:role/Deployer"}),
        None,
        {},
        ALLOW,
        ("Trust",),
        (),
        False,
        EVAL,
    ),
    p(
        "same-account-trust-names-session",
        SESSION,
        ROLE_A,
        trust_doc({"AWS": SESSION}),
        None,
        {},
        ALLOW,
        ("Trust",),
        (),
        False,
        EVAL,
    ),
    p(
        "same-account-trust-star",
        USER,
        ROLE_A,
        trust_doc("*"),
        None,
        {},
        ALLOW,
        ("Trust",),
        (),
        False,
        EVAL,
    ),
    p(
        "same-account-identity-deny-beats-direct-trust",
        USER,
        ROLE_A,
        trust_doc({"AWS": USER}),
        ident("NoAssume", effect="Deny"),
        {},
        EXPLICIT_DENY,
        ("Trust",),
        ("NoAssume",),
        False,
        EVAL,
    ),
    p(
        "same-account-not-trusted-identity-allows",
        USER_A2,
        ROLE_A,
        trust_doc({"AWS": USER}),
        ident(),
        {},
        IMPLICIT_DENY,
        (),
        ("AllowAssume",),
        True,
        EVAL,
    ),
    # PRINCIPAL: service principals are authorised by the trust policy alone.
    p(
        "service-trusted",
        "ec2.amazonaws.com",
        ROLE_A,
        trust_doc({"Service": "ec2.amazonaws.com"}),
        None,
        {},
        ALLOW,
        ("Trust",),
        (),
        False,
        PRINCIPAL,
    ),
    p(
        "service-not-trusted",
        "lambda.amazonaws.com",
        ROLE_A,
        trust_doc({"Service": "ec2.amazonaws.com"}),
        None,
        {},
        IMPLICIT_DENY,
        (),
        (),
        False,
        PRINCIPAL,
    ),
    p(
        "federated-saml-trust-only",
        SAML,
        ROLE_A,
        trust_doc({"Federated": SAML}, action="sts:AssumeRoleWithSAML"),
        None,
        {"actions": ["sts:AssumeRoleWithSAML"]},
        ALLOW,
        ("Trust",),
        (),
        False,
        PRINCIPAL,
    ),
    # STS API "AssumeRole": the root user cannot call AssumeRole, nor GetFederationToken users.
    p(
        "root-user-cannot-assume",
        f"arn:aws:iam::{A}:root",
        ROLE_A,
        trust_doc({"AWS": A}),
        ident(),
        {},
        IMPLICIT_DENY,
        ("Trust",),
        ("AllowAssume",),
        True,
        STS,
    ),
    p(
        "federated-user-cannot-assume",
        f"arn:aws:sts::{A}:federated-user/bob",
        ROLE_A,
        trust_doc({"AWS": A}),
        ident(),
        {},
        IMPLICIT_DENY,
        ("Trust",),
        ("AllowAssume",),
        True,
        STS,
    ),
    # STS: session tags need sts:TagSession on both sides; source identity sts:SetSourceIdentity.
    p(
        "tags-without-tagsession-in-trust",
        USER_B,
        ROLE_A,
        trust_doc({"AWS": USER_B}),
        {"pol": ident(action=["sts:AssumeRole", "sts:TagSession"])},
        {"tags": {"team": "red"}},
        IMPLICIT_DENY,
        (),
        ("pol:AllowAssume",),
        True,
        STS,
    ),
    p(
        "tags-with-tagsession-both-sides",
        USER_B,
        ROLE_A,
        trust_doc({"AWS": USER_B}, action=["sts:AssumeRole", "sts:TagSession"]),
        {"pol": ident(action=["sts:AssumeRole", "sts:TagSession"])},
        {"tags": {"team": "red"}},
        ALLOW,
        ("Trust",),
        ("pol:AllowAssume",),
        True,
        STS,
    ),
    p(
        "source-identity-needs-setsourceidentity",
        USER,
        ROLE_A,
        trust_doc({"AWS": USER}),
        None,
        {"source_identity": "alice"},
        IMPLICIT_DENY,
        (),
        (),
        True,
        STS,
    ),
    p(
        "source-identity-allowed-same-account",
        USER,
        ROLE_A,
        trust_doc({"AWS": USER}, action=["sts:AssumeRole", "sts:SetSourceIdentity"]),
        None,
        {"source_identity": "alice"},
        ALLOW,
        ("Trust",),
        (),
        False,
        STS,
    ),
    # CROSS + OPS: a trust condition on the ExternalId.
    p(
        "cross-account-external-id-ok",
        USER_B,
        ROLE_A,
        trust_doc({"AWS": B}, condition={"StringEquals": {EXT: "s3cr3t"}}),
        {"pol": ident()},
        {"external_id": "s3cr3t"},
        ALLOW,
        ("Trust",),
        ("pol:AllowAssume",),
        True,
        CROSS,
    ),
    p(
        "cross-account-external-id-missing",
        USER_B,
        ROLE_A,
        trust_doc({"AWS": B}, condition={"StringEquals": {EXT: "s3cr3t"}}),
        {"pol": ident()},
        {},
        IMPLICIT_DENY,
        (),
        ("pol:AllowAssume",),
        True,
        CROSS,
    ),
]


@pytest.mark.parametrize(
    (
        "caller",
        "role",
        "trust",
        "identity",
        "kwargs",
        "decision",
        "trust_deciding",
        "identity_deciding",
        "identity_required",
        "rule",
    ),
    DECIDE_CASES,
)
def test_decide_assume_role(
    caller: str,
    role: str,
    trust: Any,
    identity: Any,
    kwargs: dict[str, Any],
    decision: str,
    trust_deciding: tuple[str, ...],
    identity_deciding: tuple[str, ...],
    identity_required: bool,
    rule: str,
) -> None:
    assert rule in RULES
    ctx = build_context(caller, role, clock=clock, **kwargs)
    result = decide_assume_role(trust, identity, ctx)
    assert result.decision == decision
    assert result.trust.deciding == trust_deciding
    assert result.identity.deciding == identity_deciding
    assert result.identity.required is identity_required
    encoded = json.loads(json.dumps(result.to_dict()))
    assert encoded["decision"] == decision
    assert encoded["trust"]["decision"] in (ALLOW, EXPLICIT_DENY, IMPLICIT_DENY)
    identity_decisions = (ALLOW, EXPLICIT_DENY, IMPLICIT_DENY, "not-applicable")
    assert encoded["identity"]["decision"] in identity_decisions
    assert result.explanation


def test_decision_json_shape() -> None:
    ctx = build_context(USER_B, ROLE_A, clock=clock)
    result = decide_assume_role(trust_doc({"AWS": USER_B}), {"pol": ident()}, ctx)
    data = json.loads(result.to_json())
    assert data["decision"] == "allow"
    assert data["same_account"] is False
    assert data["deciding_statements"] == ["trust:Trust", "identity:pol:AllowAssume"]
    assert data["actions"] == {"sts:AssumeRole": "allow"}
    assert data["trust"]["deciding_statements"] == ["Trust"]
    assert data["identity"]["required"] is True
    assert data["causes"] == []


# =============================================================================================
# Common causes
# =============================================================================================

EXT_TRUST = trust_doc({"AWS": B}, condition={"StringEquals": {EXT: "s3cr3t"}}, sid="NeedsExtId")
MFA_TRUST = trust_doc({"AWS": B}, condition={"Bool": {MFA_PRESENT: "true"}}, sid="NeedsMfa")
MFA_AGE_TRUST = trust_doc(
    {"AWS": B}, condition={"NumericLessThan": {MFA_AGE: "3600"}}, sid="FreshMfa"
)
NAME_TRUST = trust_doc(
    {"AWS": B}, condition={"StringLike": {NAME: "${aws:username}"}}, sid="NameIsUser"
)
MFA_DENY_IDENTITY = {
    "Version": V,
    "Statement": [
        ident()["Statement"][0],
        {
            "Sid": "DenyNoMfa",
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {"BoolIfExists": {MFA_PRESENT: "false"}},
        },
    ],
}

CAUSE_CASES = [
    # (trust, identity, request kwargs, expected cause code, text in message, statement, rule)
    p(
        "external-id-missing",
        EXT_TRUST,
        ident(),
        {},
        "external-id",
        "No ExternalId was passed",
        "NeedsExtId",
        OPS,
    ),
    p(
        "external-id-wrong",
        EXT_TRUST,
        ident(),
        {"external_id": "guess"},
        "external-id",
        "ExternalId passed is wrong",
        "NeedsExtId",
        OPS,
    ),
    p("mfa-absent", MFA_TRUST, ident(), {}, "mfa-required", "MFA is required", "NeedsMfa", OPS),
    p(
        "mfa-false",
        MFA_TRUST,
        ident(),
        {"mfa_present": False},
        "mfa-required",
        "MFA is required",
        "NeedsMfa",
        OPS,
    ),
    p(
        "mfa-too-old",
        MFA_AGE_TRUST,
        ident(),
        {"mfa_present": True, "mfa_age": 7200},
        "mfa-required",
        "too old",
        "FreshMfa",
        OPS,
    ),
    p(
        "mfa-deny-in-identity-policy",
        trust_doc({"AWS": B}),
        MFA_DENY_IDENTITY,
        {"mfa_present": False},
        "mfa-required",
        "denies the request",
        "DenyNoMfa",
        EVAL,
    ),
    p(
        "session-name-condition",
        NAME_TRUST,
        ident(),
        {"session_name": "not-bob"},
        "session-name",
        "session name",
        "NameIsUser",
        VARS,
    ),
    p(
        "tag-session-not-allowed",
        trust_doc({"AWS": B}),
        ident(),
        {"tags": {"team": "red"}},
        "tag-session",
        "sts:TagSession is not allowed",
        None,
        STS,
    ),
    p(
        "source-identity-not-allowed",
        trust_doc({"AWS": B}),
        ident(),
        {"source_identity": "bob"},
        "source-identity",
        "sts:SetSourceIdentity",
        None,
        STS,
    ),
    p(
        "principal-not-trusted",
        trust_doc({"AWS": USER}),
        ident(),
        {},
        "principal-not-trusted",
        USER_B,
        None,
        PRINCIPAL,
    ),
    p(
        "identity-policy-missing-cross-account",
        trust_doc({"AWS": B}),
        None,
        {},
        "identity-policy",
        "cross-account",
        None,
        CROSS,
    ),
    p(
        "source-ip-condition",
        trust_doc({"AWS": B}, condition={"IpAddress": {IP: "10.0.0.0/8"}}),
        ident(),
        {"source_ip": "192.0.2.1"},
        "source-ip",
        "IP address",
        "Trust",
        OPS,
    ),
]


@pytest.mark.parametrize(
    ("trust", "identity", "kwargs", "code", "text", "statement", "rule"), CAUSE_CASES
)
def test_common_causes(
    trust: Any,
    identity: Any,
    kwargs: dict[str, Any],
    code: str,
    text: str,
    statement: str | None,
    rule: str,
) -> None:
    assert rule in RULES
    ctx = build_context(USER_B, ROLE_A, clock=clock, **kwargs)
    result = decide_assume_role(trust, identity, ctx)
    assert result.decision != ALLOW
    causes = [c for c in common_causes(result) if c.code == code]
    assert causes, [c.code for c in common_causes(result)]
    assert text in causes[0].message
    if statement is not None:
        assert causes[0].statement == statement


def test_common_causes_root_user() -> None:
    # STS API "AssumeRole": root credentials cannot call AssumeRole.
    ctx = build_context(f"arn:aws:iam::{A}:root", ROLE_A, clock=clock)
    result = decide_assume_role(trust_doc({"AWS": A}), ident(), ctx)
    assert result.decision == IMPLICIT_DENY
    assert [c.code for c in result.causes] == ["root-user"]


def test_no_causes_when_allowed() -> None:
    ctx = build_context(USER_B, ROLE_A, clock=clock, external_id="s3cr3t")
    result = decide_assume_role(EXT_TRUST, ident(), ctx)
    assert result.decision == ALLOW
    assert common_causes(result) == ()


# =============================================================================================
# Building the request context
# =============================================================================================

CONTEXT_CASES = [
    # PRINCIPAL / VARS "Request information that you can use for policy variables".
    p(
        "user",
        USER,
        PrincipalKind.USER,
        A,
        {
            PARN: USER,
            "aws:PrincipalAccount": A,
            "aws:username": "alice",
            "aws:PrincipalType": "User",
        },
    ),
    p(
        "assumed-role-session-principal-arn-is-role",
        SESSION,
        PrincipalKind.ASSUMED_ROLE,
        A,
        {
            PARN: f"arn:aws:iam::{A}:role/Deployer",
            "aws:PrincipalAccount": A,
            "aws:username": None,
            "aws:PrincipalType": "AssumedRole",
        },
    ),
    p(
        "role",
        f"arn:aws:iam::{A}:role/x",
        PrincipalKind.ROLE,
        A,
        {PARN: f"arn:aws:iam::{A}:role/x", "aws:username": None},
    ),
    p(
        "root",
        f"arn:aws:iam::{A}:root",
        PrincipalKind.ROOT,
        A,
        {PARN: f"arn:aws:iam::{A}:root", "aws:userid": A, "aws:PrincipalType": "Account"},
    ),
    p("bare-account-id-is-root", A, PrincipalKind.ROOT, A, {PARN: f"arn:aws:iam::{A}:root"}),
    p(
        "service",
        "ec2.amazonaws.com",
        PrincipalKind.SERVICE,
        None,
        {PARN: None, "aws:PrincipalServiceName": "ec2.amazonaws.com", "aws:PrincipalAccount": None},
    ),
    p("saml-provider", SAML, PrincipalKind.FEDERATED, A, {PARN: None}),
    p(
        "web-identity-provider",
        "cognito-identity.amazonaws.com",
        PrincipalKind.FEDERATED,
        None,
        {PARN: None},
    ),
    p(
        "gov-cloud-user",
        "arn:aws-us-gov:iam::111111111111:user/x",
        PrincipalKind.USER,
        A,
        {"aws:username": "x"},
    ),
]


@pytest.mark.parametrize(("principal", "kind", "account", "expected"), CONTEXT_CASES)
def test_build_context_principals(
    principal: str, kind: PrincipalKind, account: str | None, expected: dict[str, str | None]
) -> None:
    ctx = build_context(principal, ROLE_A, clock=clock)
    assert ctx.principal_kind is kind
    assert ctx.principal_account == account
    for key, value in expected.items():
        found = ctx.values_of(key)
        assert (found[0] if found else None) == value, key
    assert ctx.values_of("AWS:CURRENTTIME") == ("2024-06-01T12:00:00Z",)


def test_build_context_request_keys() -> None:
    ctx = build_context(
        USER,
        ROLE_A,
        clock=clock,
        external_id="e",
        session_name="s",
        source_identity="si",
        tags={"team": "red", "env": "dev"},
        mfa_present=True,
        mfa_age=30,
        source_ip="10.0.0.1",
        principal_tags={"dept": "ops"},
        user_id="AIDAEXAMPLE",
    )
    assert ctx.actions == (ASSUME_ROLE, TAG_SESSION, SET_SOURCE_IDENTITY)
    assert ctx.values_of("sts:externalid") == ("e",)
    assert ctx.values_of("STS:RoleSessionName") == ("s",)
    assert ctx.values_of("aws:TagKeys") == ("team", "env")
    assert ctx.values_of("aws:RequestTag/team") == ("red",)
    assert ctx.values_of("aws:PrincipalTag/dept") == ("ops",)
    assert ctx.values_of(MFA_PRESENT) == ("true",)
    assert ctx.values_of(MFA_AGE) == ("30",)
    assert ctx.values_of("aws:userid") == ("AIDAEXAMPLE",)
    assert ctx.values_of(EXT.upper()) == ("e",)


def test_build_context_without_mfa_leaves_key_absent() -> None:
    # "aws:MultiFactorAuthPresent" is absent for long-term access keys (global condition keys).
    ctx = build_context(USER, ROLE_A, clock=clock)
    assert ctx.values_of(MFA_PRESENT) is None
    assert ctx.actions == (ASSUME_ROLE,)


@pytest.mark.parametrize(
    ("tags", "source_identity", "expected"),
    [
        p("plain", None, None, (ASSUME_ROLE,)),
        p("tags", {"a": "b"}, None, (ASSUME_ROLE, TAG_SESSION)),
        p("source-identity", None, "me", (ASSUME_ROLE, SET_SOURCE_IDENTITY)),
        p("both", {"a": "b"}, "me", (ASSUME_ROLE, TAG_SESSION, SET_SOURCE_IDENTITY)),
    ],
)
def test_assume_role_actions(
    tags: dict[str, str] | None, source_identity: str | None, expected: tuple[str, ...]
) -> None:
    assert assume_role_actions(tags, source_identity) == expected


@pytest.mark.parametrize(
    "value",
    [
        p("not-an-arn", "alice"),
        p("s3-arn", "arn:aws:s3:::bucket"),
        p("short-account", "arn:aws:iam::1234:user/x"),
        p("group", f"arn:aws:iam::{A}:group/devs"),
    ],
)
def test_parse_principal_rejects(value: str) -> None:
    with pytest.raises(ValueError):
        parse_principal(value)


def test_context_keys_are_case_insensitive_and_immutable() -> None:
    keys = ContextKeys({"aws:SourceIp": "10.0.0.1", "aws:TagKeys": ["a"], "gone": None})
    assert keys["AWS:SOURCEIP"] == ("10.0.0.1",)
    assert "aws:sourceip" in keys
    assert "gone" not in keys
    assert keys.to_dict() == {"aws:SourceIp": "10.0.0.1", "aws:TagKeys": ["a"]}
    assert keys.merged({"AWS:SOURCEIP": None}).values_of("aws:SourceIp") is None
    assert keys.values_of("aws:SourceIp") == ("10.0.0.1",)


def test_clock_is_injected() -> None:
    def fixed() -> datetime:
        return datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)

    ctx = build_context(USER, ROLE_A, clock=fixed)
    assert ctx.values_of(NOW_KEY) == ("2030-01-02T03:04:05Z",)
    policy = cond_policy({"DateGreaterThan": {NOW_KEY: "2029-12-31T23:59:59Z"}})
    assert evaluate_policy(policy, ctx).deciding == ("Cond",)
