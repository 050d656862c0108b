"""The two policy documents that let a principal assume a role.

* The identity policy, attached to the caller: ``Allow sts:AssumeRole`` on the role ARN.
* The trust policy, on the role: ``Allow sts:AssumeRole`` for the caller, optionally only with
  an ``sts:ExternalId`` and/or MFA (``Bool aws:MultiFactorAuthPresent true``).

Which of them is needed follows the IAM User Guide ("Cross-account policy evaluation logic"):
across accounts both; in the same account the identity policy only when the trust policy names
the account rather than the principal; for a service principal only the trust policy.
Every function raises ValueError with a one-line message on bad input. Stdlib only.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from assume.validation import ACCOUNT_ID, EXTERNAL_ID, PARTITIONS, ROLE_NAME, SESSION_NAME

__all__ = [
    "PARTITIONS",
    "POLICY_VERSION",
    "AssumeRolePolicies",
    "PrincipalSpec",
    "RoleSpec",
    "assume_role_policies",
    "identity_policy_document",
    "parse_principal_spec",
    "parse_role_arn",
    "trust_policy_document",
]

POLICY_VERSION = "2012-10-17"

_ARN = re.compile(
    r"arn:(?P<partition>[^:]*):(?P<service>[^:]*):(?P<region>[^:]*):"
    r"(?P<account>[^:]*):(?P<resource>.*)", re.ASCII
)
_PATH = re.compile(r"/([\x21-\x7e]{0,510}/)?", re.ASCII)
_SERVICE = re.compile(r"[a-z0-9][a-z0-9-]*(\.[a-z0-9-]+)*\.amazonaws\.com(\.cn)?", re.ASCII)


@dataclass(frozen=True)
class RoleSpec:
    """A validated role ARN."""

    arn: str
    partition: str
    account: str
    path: str
    name: str


@dataclass(frozen=True)
class PrincipalSpec:
    """A validated principal: what the trust policy must name for it."""

    given: str
    kind: str  # "user" | "role" | "assumed-role" | "root" | "service"
    partition: str | None
    account: str | None
    trust_key: str  # "AWS" or "Service"
    trust_value: str

    @property
    def names_account(self) -> bool:
        """True when the trust value is the account (``:root``), not one principal."""
        return self.kind == "root"


def _split_arn(arn: str, what: str) -> re.Match[str]:
    match = _ARN.fullmatch(arn)
    if match is None:
        raise ValueError(f"invalid {what} {arn!r}: not an ARN")
    if match["partition"] not in PARTITIONS:
        raise ValueError(
            f"invalid {what} {arn!r}: partition {match['partition']!r} is not one of "
            f"{', '.join(PARTITIONS)}"
        )
    if not ACCOUNT_ID.fullmatch(match["account"]):
        raise ValueError(f"invalid {what} {arn!r}: account {match['account']!r} is not 12 digits")
    if match["region"]:
        raise ValueError(f"invalid {what} {arn!r}: IAM and STS ARNs have no region")
    return match


def _path_and_name(rest: str, arn: str, what: str) -> tuple[str, str]:
    parts = rest.split("/")
    name = parts[-1]
    path = "/" + "/".join(parts[:-1]) + "/" if len(parts) > 1 else "/"
    if not ROLE_NAME.fullmatch(name):
        raise ValueError(f"invalid {what} {arn!r}: bad name {name!r}")
    if not _PATH.fullmatch(path) or "//" in path:
        raise ValueError(f"invalid {what} {arn!r}: bad path {path!r}")
    return path, name


def parse_role_arn(arn: str) -> RoleSpec:
    """Validate ``arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME``; ValueError if it is not one."""
    if not isinstance(arn, str) or not arn:
        raise ValueError("role ARN must be a non-empty string")
    match = _split_arn(arn, "role ARN")
    rtype, _, rest = match["resource"].partition("/")
    if match["service"] != "iam" or rtype != "role" or not rest:
        raise ValueError(f"invalid role ARN {arn!r}: expected arn:aws:iam::123456789012:role/NAME")
    path, name = _path_and_name(rest, arn, "role ARN")
    return RoleSpec(arn, match["partition"], match["account"], path, name)


def parse_principal_spec(
    principal: str, *, role_path: str | None = None, partition: str = "aws"
) -> PrincipalSpec:
    """Validate a principal and work out what the trust policy names for it.

    Accepts an IAM user ARN, an IAM role ARN, an assumed-role session ARN (named in the trust
    policy by its role's IAM ARN, with ``role_path`` if the role has one), an account root ARN
    or bare 12-digit account ID (names the whole account), or a service principal such as
    ``ec2.amazonaws.com``. Raises ValueError otherwise.
    """
    if not isinstance(principal, str) or not principal:
        raise ValueError("principal must be a non-empty string")
    if ACCOUNT_ID.fullmatch(principal):
        if partition not in PARTITIONS:
            raise ValueError(f"partition {partition!r} is not one of {', '.join(PARTITIONS)}")
        root = f"arn:{partition}:iam::{principal}:root"
        return PrincipalSpec(principal, "root", partition, principal, "AWS", root)
    if not principal.startswith("arn:"):
        if _SERVICE.fullmatch(principal):
            return PrincipalSpec(principal, "service", None, None, "Service", principal)
        raise ValueError(
            f"invalid principal {principal!r}: expected an IAM/STS ARN, a 12-digit account ID "
            "or a service principal such as ec2.amazonaws.com"
        )
    match = _split_arn(principal, "principal ARN")
    part, account, service, resource = (
        match["partition"],
        match["account"],
        match["service"],
        match["resource"],
    )
    rtype, _, rest = resource.partition("/")
    if service == "iam" and resource == "root":
        return PrincipalSpec(principal, "root", part, account, "AWS", principal)
    if service == "iam" and rtype in ("user", "role") and rest:
        _path_and_name(rest, principal, "principal ARN")
        return PrincipalSpec(principal, rtype, part, account, "AWS", principal)
    if service == "sts" and rtype == "assumed-role":
        role_name, _, session = rest.partition("/")
        if not ROLE_NAME.fullmatch(role_name) or not SESSION_NAME.fullmatch(session):
            raise ValueError(
                f"invalid principal ARN {principal!r}: expected "
                "arn:aws:sts::123456789012:assumed-role/ROLE/SESSION"
            )
        path = role_path or "/"
        if not _PATH.fullmatch(path) or "//" in path:
            raise ValueError(f"invalid role path {role_path!r}: must start and end with '/'")
        role_arn = f"arn:{part}:iam::{account}:role{path}{role_name}"
        return PrincipalSpec(principal, "assumed-role", part, account, "AWS", role_arn)
    raise ValueError(
        f"unsupported principal ARN {principal!r}: use a user, role, assumed-role or root ARN"
    )


def _actions(tag_session: bool, set_source_identity: bool) -> str | list[str]:
    actions = ["sts:AssumeRole"]
    if tag_session:
        actions.append("sts:TagSession")
    if set_source_identity:
        actions.append("sts:SetSourceIdentity")
    return actions[0] if len(actions) == 1 else actions


def identity_policy_document(
    role_arn: str,
    *,
    tag_session: bool = False,
    set_source_identity: bool = False,
    sid: str = "AllowAssumeRole",
) -> dict[str, Any]:
    """The caller's identity policy: Allow ``sts:AssumeRole`` (and optional extras) on the role."""
    role = parse_role_arn(role_arn)
    return {
        "Version": POLICY_VERSION,
        "Statement": [
            {
                "Sid": sid,
                "Effect": "Allow",
                "Action": _actions(tag_session, set_source_identity),
                "Resource": role.arn,
            }
        ],
    }


def _check_external_id(external_id: str | None) -> None:
    if external_id is not None and not EXTERNAL_ID.fullmatch(external_id):
        raise ValueError("external ID must be 2-1224 characters of letters, digits and +=,.@:/-")


def trust_policy_document(
    principal: str,
    *,
    external_id: str | None = None,
    require_mfa: bool = False,
    tag_session: bool = False,
    set_source_identity: bool = False,
    name_account: bool = False,
    role_path: str | None = None,
    partition: str = "aws",
    sid: str = "TrustPrincipal",
) -> dict[str, Any]:
    """The role's trust policy letting ``principal`` assume it.

    Names the principal's IAM ARN (the role's ARN for an assumed-role session), the principal's
    account when ``name_account`` is set, or ``Service`` for a service principal. Adds
    ``StringEquals sts:ExternalId`` and ``Bool aws:MultiFactorAuthPresent true`` conditions on
    request. Raises ValueError for bad input (MFA or an ExternalId for a service principal).
    """
    spec = parse_principal_spec(principal, role_path=role_path, partition=partition)
    _check_external_id(external_id)
    if spec.kind == "service":
        if require_mfa:
            raise ValueError("a service principal cannot sign in with MFA; drop require_mfa")
        if external_id is not None:
            raise ValueError("a service principal does not pass an ExternalId; drop external_id")
        if name_account:
            raise ValueError("a service principal has no account to name; drop name_account")
    value = spec.trust_value
    if name_account and spec.kind != "root":
        value = f"arn:{spec.partition}:iam::{spec.account}:root"
    statement: dict[str, Any] = {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {spec.trust_key: value},
        "Action": _actions(tag_session, set_source_identity),
    }
    condition: dict[str, dict[str, str]] = {}
    if external_id is not None:
        condition["StringEquals"] = {"sts:ExternalId": external_id}
    if require_mfa:
        condition["Bool"] = {"aws:MultiFactorAuthPresent": "true"}
    if condition:
        statement["Condition"] = condition
    return {"Version": POLICY_VERSION, "Statement": [statement]}


@dataclass(frozen=True)
class AssumeRolePolicies:
    """Both documents for one principal/role pair, and which of them is needed."""

    principal: str
    role_arn: str
    trust_policy: dict[str, Any]
    identity_policy: dict[str, Any] | None
    identity_policy_required: bool
    same_account: bool | None
    note: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "principal": self.principal,
            "role_arn": self.role_arn,
            "same_account": self.same_account,
            "identity_policy_required": self.identity_policy_required,
            "note": self.note,
            "trust_policy": self.trust_policy,
            "identity_policy": self.identity_policy,
        }

    def to_json(self, indent: int | None = 2) -> str:
        """``to_dict`` as JSON text."""
        return json.dumps(self.to_dict(), indent=indent)


def assume_role_policies(
    principal: str,
    role_arn: str,
    *,
    external_id: str | None = None,
    require_mfa: bool = False,
    tag_session: bool = False,
    set_source_identity: bool = False,
    name_account: bool = False,
    role_path: str | None = None,
) -> AssumeRolePolicies:
    """Both documents letting ``principal`` assume ``role_arn``, with a note on which apply.

    Cross-account: both are required. Same account: the identity policy is required only
    when the trust policy names the account (``name_account`` or a root/account principal).
    Service principal: no identity policy at all. Raises ValueError on bad input, including a
    principal in another partition than the role.
    """
    role = parse_role_arn(role_arn)
    spec = parse_principal_spec(principal, role_path=role_path, partition=role.partition)
    if spec.partition is not None and spec.partition != role.partition:
        raise ValueError(
            f"principal partition {spec.partition!r} differs from role partition "
            f"{role.partition!r}; roles cannot be assumed across partitions"
        )
    trust = trust_policy_document(
        principal,
        external_id=external_id,
        require_mfa=require_mfa,
        tag_session=tag_session,
        set_source_identity=set_source_identity,
        name_account=name_account,
        role_path=role_path,
        partition=role.partition,
    )
    if spec.kind == "service":
        return AssumeRolePolicies(
            principal,
            role.arn,
            trust,
            None,
            False,
            None,
            "Service principals are authorised by the trust policy alone; "
            "no identity policy is needed.",
        )
    identity = identity_policy_document(
        role.arn, tag_session=tag_session, set_source_identity=set_source_identity
    )
    same = spec.account == role.account
    names_account = name_account or spec.names_account
    if not same:
        required = True
        note = (
            f"Cross-account ({spec.account} -> {role.account}): attach the identity policy to the "
            "caller and the trust policy to the role; both must allow."
        )
    elif names_account:
        required = True
        note = (
            "Same account, but the trust policy names the account rather than the principal, so "
            "the caller's identity policy must allow sts:AssumeRole too."
        )
    else:
        required = False
        note = (
            "Same account and the trust policy names the principal itself: the identity policy "
            "is optional (it is only needed when the trust policy names the account)."
        )
    if spec.kind == "root":
        note += " The account root user itself cannot assume roles; use an IAM user or role."
    return AssumeRolePolicies(principal, role.arn, trust, identity, required, same, note)
