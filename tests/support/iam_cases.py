"""Generated AssumeRole cases for the differential test: principal forms, actions, resources,
condition operators and keys, variables, and every policy type (boundary, session policy, SCP
and RCP levels). Deterministic: the same seed gives the same cases.

Each case carries ``features``, the names of the choices it was built from; the known-error
and documented-choice lists match on them.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from assume.iam.context import ASSUME_ROLE, SET_SOURCE_IDENTITY, TAG_SESSION, build_context

A = "111111111111"
B = "222222222222"
ROLE = f"arn:aws:iam::{A}:role/app/Target"
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)
V = "2012-10-17"

CALLERS = {
    "user-same": f"arn:aws:iam::{A}:user/alice",
    "user-path-same": f"arn:aws:iam::{A}:user/dev/bob",
    "session-same": f"arn:aws:sts::{A}:assumed-role/Deployer/ci-42",
    "user-cross": f"arn:aws:iam::{B}:user/carol",
    "session-cross": f"arn:aws:sts::{B}:assumed-role/Hub/s1",
    "service": "ec2.amazonaws.com",
    "root": f"arn:aws:iam::{A}:root",
    "federated-user": f"arn:aws:sts::{A}:federated-user/dave",
}


def _role_of(caller: str) -> str | None:
    if ":assumed-role/" not in caller:
        return None
    account = caller.split(":")[4]
    return f"arn:aws:iam::{account}:role/{caller.split('/')[1]}"


def trust_principals(caller: str) -> dict[str, Any]:
    """Principal elements (and NotPrincipal statements) by feature name."""
    account = caller.split(":")[4] if caller.startswith("arn:") else A
    role = _role_of(caller)
    forms: dict[str, Any] = {
        "principal-caller": {"AWS": caller} if caller.startswith("arn:") else {"Service": caller},
        "principal-account-id": {"AWS": account},
        "principal-account-root": {"AWS": f"arn:aws:iam::{account}:root"},
        "principal-star": "*",
        "principal-aws-star": {"AWS": "*"},
        "principal-service": {"Service": "ec2.amazonaws.com"},
        "principal-other-user": {"AWS": f"arn:aws:iam::{A}:user/mallory"},
        "principal-list": {"AWS": [f"arn:aws:iam::{B}:user/x", caller]}
        if caller.startswith("arn:") else {"Service": ["lambda.amazonaws.com", caller]},
    }
    if role:
        forms["principal-role-of-session"] = {"AWS": role}
        prefix, name = role.rsplit("/", 1)
        forms["principal-role-of-session-case"] = {"AWS": f"{prefix}/{name.upper()}"}
    if caller.startswith("arn:aws:iam::") and ":user/" in caller:
        path, name = caller.rsplit("/", 1)
        forms["principal-user-case"] = {"AWS": f"{path}/{name.upper()}"}
    if not caller.startswith("arn:"):
        forms["principal-service-case"] = {"Service": caller.upper()}
    return forms


IDENTITY_RESOURCES = {
    "resource-exact": ROLE,
    "resource-star": "*",
    "resource-trailing-star-account": "arn:aws:iam::*",
    "resource-trailing-star-arn": "arn:*",
    "resource-trailing-star-prefix": f"arn:aws:iam::{A[0]}*",
    "resource-trailing-star-region": "arn:aws:iam:*",
    "resource-path-star": f"arn:aws:iam::{A}:role/app/*",
    "resource-any-account": "arn:aws:iam::*:role/app/Target",
    "resource-wrong-account": f"arn:aws:iam::{B}:role/app/Target",
    "resource-wrong-path": f"arn:aws:iam::{A}:role/Target",
    "resource-case": f"arn:aws:iam::{A}:role/app/target",
    "resource-question": f"arn:aws:iam::{A}:role/app/Targe?",
    "resource-variable-account": "arn:aws:iam::${aws:PrincipalAccount}:role/app/Target",
    "resource-inner-star": "arn:aws:i*m::111111111111:role/app/Target",
}
IDENTITY_ACTIONS = {
    "action-exact": None,  # the request's action
    "action-sts-star": "sts:*",
    "action-star": "*",
    "action-prefix": "sts:Assume*",
    "action-case": "STS:assumerole",
    "action-other": "s3:GetObject",
}

# (feature, condition block, request arguments for build_context, extra context keys)
CONDITIONS: list[tuple[str, dict[str, Any], dict[str, Any], dict[str, Any]]] = [
    ("cond-externalid-match", {"StringEquals": {"sts:ExternalId": "abc"}},
     {"external_id": "abc"}, {}),
    ("cond-externalid-mismatch", {"StringEquals": {"sts:ExternalId": "abc"}},
     {"external_id": "xyz"}, {}),
    ("cond-externalid-missing", {"StringEquals": {"sts:ExternalId": "abc"}}, {}, {}),
    ("cond-notequals-missing", {"StringNotEquals": {"sts:ExternalId": "abc"}}, {}, {}),
    ("cond-notequals-ifexists-missing", {"StringNotEqualsIfExists": {"sts:ExternalId": "abc"}},
     {}, {}),
    ("cond-equals-ifexists-missing", {"StringEqualsIfExists": {"sts:ExternalId": "abc"}}, {}, {}),
    ("cond-like-session", {"StringLike": {"sts:RoleSessionName": "ci-*"}},
     {"session_name": "ci-7"}, {}),
    ("cond-like-session-miss", {"StringLike": {"sts:RoleSessionName": "ci-*"}},
     {"session_name": "dev-7"}, {}),
    ("cond-ignorecase", {"StringEqualsIgnoreCase": {"sts:RoleSessionName": "CI"}},
     {"session_name": "ci"}, {}),
    ("cond-mfa-true", {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
     {"mfa_present": True, "mfa_age": 30}, {}),
    ("cond-mfa-missing", {"Bool": {"aws:MultiFactorAuthPresent": "true"}}, {}, {}),
    ("cond-mfa-false", {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
     {"mfa_present": False}, {}),
    ("cond-mfa-age", {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}},
     {"mfa_present": True, "mfa_age": 30}, {}),
    ("cond-mfa-age-old", {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}},
     {"mfa_present": True, "mfa_age": 7200}, {}),
    ("cond-date-after", {"DateGreaterThan": {"aws:CurrentTime": "2024-01-01T00:00:00Z"}}, {}, {}),
    ("cond-date-before", {"DateLessThan": {"aws:CurrentTime": "2024-01-01T00:00:00Z"}}, {}, {}),
    ("cond-ip-in", {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
     {"source_ip": "203.0.113.7"}, {}),
    ("cond-ip-out", {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
     {"source_ip": "198.51.100.7"}, {}),
    ("cond-notip-missing", {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, {}, {}),
    ("cond-arnlike-principal", {"ArnLike": {"aws:PrincipalArn": "arn:aws:*:*:*:*"}}, {}, {}),
    ("cond-arnequals-account", {"ArnEquals": {"aws:PrincipalArn": f"arn:aws:iam::{A}:*"}},
     {}, {}),
    ("cond-arnnotequals", {"ArnNotEquals": {"aws:PrincipalArn": f"arn:aws:iam::{A}:user/x"}},
     {}, {}),
    ("cond-principal-account", {"StringEquals": {"aws:PrincipalAccount": A}}, {}, {}),
    ("cond-principaltag", {"StringEquals": {"aws:PrincipalTag/team": "ops"}},
     {"principal_tags": {"team": "ops"}}, {}),
    ("cond-principaltag-missing", {"StringEquals": {"aws:PrincipalTag/team": "ops"}}, {}, {}),
    ("cond-null-true", {"Null": {"sts:ExternalId": "true"}}, {}, {}),
    ("cond-null-false", {"Null": {"sts:ExternalId": "false"}}, {"external_id": "e"}, {}),
    ("cond-variable-username", {"StringEquals": {"sts:RoleSessionName": "${aws:username}"}},
     {"session_name": "alice"}, {}),
    ("cond-variable-tag", {"StringEquals": {"sts:RoleSessionName": "${aws:PrincipalTag/team}"}},
     {"session_name": "ops", "principal_tags": {"team": "ops"}}, {}),
    ("cond-two-keys", {"StringEquals": {"sts:ExternalId": "abc", "aws:PrincipalAccount": A}},
     {"external_id": "abc"}, {}),
    ("cond-two-values", {"StringEquals": {"sts:ExternalId": ["x", "abc"]}},
     {"external_id": "abc"}, {}),
    ("cond-epoch-date", {"DateGreaterThan": {"aws:CurrentTime": "1700000000"}}, {}, {}),
    ("cond-literal-star-variable", {"StringLike": {"sts:ExternalId": "a${*}b"}},
     {"external_id": "a*b"}, {}),
    ("cond-bare-ip", {"IpAddress": {"aws:SourceIp": "203.0.113.7"}},
     {"source_ip": "203.0.113.7"}, {}),
    ("cond-ipv6-caller", {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
     {"source_ip": "2001:db8::1"}, {}),
    ("cond-notequals-missing-variable",
     {"StringNotEquals": {"sts:ExternalId": "${aws:PrincipalTag/none}"}},
     {"external_id": "abc"}, {}),
    ("cond-arnlike-trailing-star", {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*"}}, {}, {}),
    ("cond-stringequals-multivalued", {"StringEquals": {"aws:PrincipalTag/team": "ops"}},
     {"principal_tags": {"team": "ops"}}, {}),
    ("cond-date-equals-epoch",
     {"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}, {}, {}),
]
TAG_CONDITIONS: list[tuple[str, dict[str, Any]]] = [
    ("cond-foranyvalue-tagkeys", {"ForAnyValue:StringEquals": {"aws:TagKeys": ["team"]}}),
    ("cond-forallvalues-tagkeys", {"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]}}),
    ("cond-forallvalues-tagkeys-out", {"ForAllValues:StringEquals": {"aws:TagKeys": ["env"]}}),
    ("cond-requesttag", {"StringEquals": {"aws:RequestTag/team": "ops"}}),
    ("cond-foranyvalue-ifexists-missing",
     {"ForAnyValue:StringEqualsIfExists": {"aws:PrincipalTag/none": "x"}}),
    ("cond-forallvalues-missing", {"ForAllValues:StringEquals": {"aws:PrincipalTag/none": "x"}}),
    ("cond-plain-stringequals-tagkeys", {"StringEquals": {"aws:TagKeys": "team"}}),
    ("cond-plain-stringnotequals-tagkeys", {"StringNotEquals": {"aws:TagKeys": "team"}}),
]

ALLOW_ALL = {"Version": V, "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def _doc(*statements: dict[str, Any], version: str | None = V) -> dict[str, Any]:
    doc: dict[str, Any] = {"Statement": list(statements)}
    if version:
        doc["Version"] = version
    return doc


GUARDS: dict[str, dict[str, Any]] = {
    "boundary-allow-all": {"boundary": ALLOW_ALL},
    "boundary-s3-only": {"boundary": _doc({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})},
    "boundary-deny-sts": {"boundary": _doc(
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::*"})},
    "session-allow": {"session_policy": _doc(
        {"Effect": "Allow", "Action": "sts:*", "Resource": "*"})},
    "session-s3-only": {"session_policy": _doc(
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"})},
    "scp-allow-all": {"scps": [ALLOW_ALL]},
    "scp-two-levels-deny": {"scps": [ALLOW_ALL, _doc(
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "sts:*", "Resource": "arn:aws:iam::*:role/app/*"})]},
    "scp-s3-only-level": {"scps": [ALLOW_ALL, _doc(
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"})]},
    "rcp-deny-outsiders": {"rcps": [_doc({
        "Effect": "Deny", "Principal": "*", "Action": "sts:*", "Resource": "*",
        "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalAccount": A}},
    })]},
    "rcp-deny-all-sts": {"rcps": [_doc(
        {"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole", "Resource": "*"})]},
}


@dataclass
class Case:
    """One request and every document, as the test evaluates it on both sides."""

    number: int
    features: tuple[str, ...]
    caller: str
    action: str
    trust: dict[str, Any]
    identity: list[dict[str, Any]]
    request: dict[str, Any] = field(default_factory=dict)
    guards: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """A short description for failure messages."""
        return f"#{self.number} {self.action} " + " ".join(self.features)

    def context(self) -> Any:
        """The request context (only this case's action)."""
        return build_context(self.caller, ROLE, actions=(self.action,), clock=lambda: NOW,
                             **self.request)


def _identity(rng: random.Random, action: str, features: list[str]) -> list[dict[str, Any]]:
    choice = rng.random()
    if choice < 0.12:
        features.append("identity-none")
        return []
    res_name = rng.choice(sorted(IDENTITY_RESOURCES))
    act_name = rng.choice(sorted(IDENTITY_ACTIONS))
    features += [res_name, act_name]
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Action": IDENTITY_ACTIONS[act_name] or action,
        "Resource": IDENTITY_RESOURCES[res_name],
    }
    if rng.random() < 0.15:
        statement["NotResource"] = statement.pop("Resource")
        features.append("identity-notresource")
    if rng.random() < 0.1:
        statement["NotAction"] = statement.pop("Action")
        features.append("identity-notaction")
    statements = [statement]
    if rng.random() < 0.2:
        deny_res = rng.choice(["arn:aws:iam::*", ROLE, f"arn:aws:iam::{B}:*", "arn:aws:*"])
        statements.append({"Effect": "Deny", "Action": "sts:*", "Resource": deny_res})
        features.append(f"identity-deny:{deny_res}")
    version: str | None = V
    if rng.random() < 0.05:
        version = None
        features.append("identity-no-version")
    return [_doc(*statements, version=version)]


def _trust(rng: random.Random, caller: str, action: str, features: list[str]) -> dict[str, Any]:
    forms = trust_principals(caller)
    kind = rng.random()
    allow: dict[str, Any] = {"Effect": "Allow", "Action": action}
    statements: list[dict[str, Any]]
    if kind < 0.08:
        listed = rng.choice([caller, f"arn:aws:iam::{B}:user/x"])
        features.append("trust-allow-notprincipal-caller" if listed == caller
                        else "trust-allow-notprincipal-other")
        key = "AWS" if caller.startswith("arn:") else "Service"
        statements = [{**allow, "NotPrincipal": {key: listed}}]
    elif kind < 0.16 and caller.startswith("arn:"):
        account = caller.split(":")[4] if caller.startswith("arn:") else A
        role = _role_of(caller)
        options = {
            "deny-notprincipal-caller-and-account": [caller, f"arn:aws:iam::{account}:root"],
            "deny-notprincipal-caller-only": [caller],
            "deny-notprincipal-account-only": [f"arn:aws:iam::{account}:root"],
        }
        if role:
            options["deny-notprincipal-role-and-account"] = [role, f"arn:aws:iam::{account}:root"]
        name = rng.choice(sorted(options))
        features.append("trust-" + name)
        statements = [
            {**allow, "Principal": "*"},
            {"Effect": "Deny", "NotPrincipal": {"AWS": options[name]}, "Action": action},
        ]
    else:
        name = rng.choice(sorted(forms))
        features.append("trust-" + name)
        statements = [{**allow, "Principal": forms[name]}]
    if rng.random() < 0.1:
        statements[0]["Action"] = rng.choice(["sts:*", "*", "sts:Assume*"])
        features.append("trust-action-wildcard")
    return _doc(*statements)


def generate(count: int, seed: int = 11) -> Iterator[Case]:
    """``count`` cases from ``seed``."""
    rng = random.Random(seed)
    for number in range(count):
        features: list[str] = []
        caller_name = rng.choice(sorted(CALLERS))
        caller = CALLERS[caller_name]
        features.append("caller-" + caller_name)
        action = ASSUME_ROLE
        request: dict[str, Any] = {}
        roll = rng.random()
        if roll < 0.12:
            action = TAG_SESSION
            request["tags"] = {"team": "ops", "env": "dev"}
            features.append("action-tagsession")
        elif roll < 0.18:
            action = SET_SOURCE_IDENTITY
            request["source_identity"] = "alice"
            features.append("action-setsourceidentity")
        trust = _trust(rng, caller, action, features)
        # A service principal has no identity policies, boundary, SCPs or session policy
        # ("Identity-based policies are attached to an IAM user, group, or role"): only the
        # trust policy and the RCPs are generated for it.
        service = not caller.startswith("arn:")
        identity = [] if service else _identity(rng, action, features)
        if rng.random() < 0.45:
            if action == TAG_SESSION and rng.random() < 0.6:
                name, block = rng.choice(TAG_CONDITIONS)
                extra: dict[str, Any] = {}
            else:
                name, block, extra, _ = rng.choice(CONDITIONS)
            features.append(name)
            for key, value in extra.items():
                if key == "principal_tags":
                    request["principal_tags"] = value
                else:
                    request[key] = value
            target = trust["Statement"][0] if (rng.random() < 0.5 or not identity) else (
                identity[0]["Statement"][0])
            target["Condition"] = block
            features.append("cond-on-trust" if target is trust["Statement"][0]
                            else "cond-on-identity")
        guards: dict[str, Any] = {}
        if rng.random() < 0.35:
            # iam-simulate rejects a session policy for a caller that is not a session
            # ("session.policy.invalid.principal"): such inputs are not generated.
            session = ":assumed-role/" in caller or ":federated-user/" in caller
            names = [n for n in sorted(GUARDS) if session or not n.startswith("session-")]
            if service:
                names = [n for n in names if n.startswith("rcp-")]
            if caller_name == "root":  # boundaries are set on IAM users and roles only
                names = [n for n in names if not n.startswith("boundary-")]
            for name in rng.sample(names, rng.choice([1, 1, 2])):
                features.append(name)
                guards.update(GUARDS[name])
        yield Case(number, tuple(features), caller, action, trust, identity, request, guards)


def simulation(case: Case, context: dict[str, Any]) -> dict[str, Any]:
    """The case as an iam-simulate Simulation."""
    guards = case.guards
    sim: dict[str, Any] = {
        "request": {
            "principal": case.caller,
            "action": case.action,
            "resource": {"resource": ROLE, "accountId": A},
            "contextVariables": context,
        },
        "identityPolicies": [
            {"name": f"identity{index}", "policy": doc}
            for index, doc in enumerate(case.identity)
        ],
        "serviceControlPolicies": [
            {"orgIdentifier": f"level{index}", "policies": [{"name": f"scp{index}", "policy": doc}]}
            for index, doc in enumerate(guards.get("scps", ()))
        ],
        "resourceControlPolicies": [
            {"orgIdentifier": f"level{index}", "policies": [{"name": f"rcp{index}", "policy": doc}]}
            for index, doc in enumerate(guards.get("rcps", ()))
        ],
        "resourcePolicy": case.trust,
    }
    if "boundary" in guards:
        sim["permissionBoundaryPolicies"] = [{"name": "boundary", "policy": guards["boundary"]}]
    if "session_policy" in guards:
        sim["sessionPolicy"] = guards["session_policy"]
    return sim
