"""Principals: parsing caller ARNs, and matching Principal / NotPrincipal elements."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal

from assume.iam.document import PolicyError, as_list
from assume.validation import ACCOUNT_ID

WEB_IDENTITY_PROVIDERS = frozenset(
    {
        "cognito-identity.amazonaws.com",
        "accounts.google.com",
        "graph.facebook.com",
        "www.amazon.com",
    }
)
# How a Principal element names the caller: its own ARN (user or session), everyone, its role's
# ARN (for a role session), or only its account. The difference matters in the same account:
# "Permissions granted directly to a session are not limited by an implicit deny in an
# identity-based policy, a permissions boundary, or session policy", while "Resource-based
# policies that grant permissions to an IAM role ARN are limited by an implicit deny in a
# permissions boundary or session policy" (IAM UG "Policy evaluation logic").
PrincipalScope = Literal["direct", "wildcard", "role", "account"]


class PrincipalKind(str, Enum):
    """What sort of principal makes the request."""

    USER = "user"
    ASSUMED_ROLE = "assumed-role"
    ROLE = "role"
    SERVICE = "service"
    ROOT = "root"
    FEDERATED = "federated"



_ARN = re.compile(
    r"^arn:(?P<partition>aws[a-z-]*):(?P<service>iam|sts)::(?P<account>\d{12}):(?P<resource>.+)$"
)
_SERVICE_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]*\.amazonaws\.com(\.cn)?$")


@dataclass(frozen=True)
class ParsedPrincipal:
    """A principal ARN (or service / provider name) taken apart."""

    arn: str
    kind: PrincipalKind
    partition: str | None = None
    account: str | None = None
    name: str | None = None
    path: str | None = None
    session_name: str | None = None

    @property
    def iam_arn(self) -> str:
        """The IAM ARN policies see: for an assumed-role session, its role's ARN."""
        if self.kind is PrincipalKind.ASSUMED_ROLE:
            return f"arn:{self.partition}:iam::{self.account}:role{self.path or '/'}{self.name}"
        return self.arn

    @property
    def is_aws_identity(self) -> bool:
        """True for principals named under ``"AWS"`` in a Principal element."""
        if self.kind in (PrincipalKind.FEDERATED,):
            return self.arn.startswith("arn:") and ":sts::" in self.arn
        return self.kind is not PrincipalKind.SERVICE

    @property
    def is_federated_user(self) -> bool:
        """True for an STS federated-user session (GetFederationToken)."""
        return self.kind is PrincipalKind.FEDERATED and self.is_aws_identity


def _split_path(rest: str) -> tuple[str, str]:
    """``'a/b/name'`` -> (``'/a/b/'``, ``'name'``)."""
    parts = rest.split("/")
    name = parts[-1]
    path = "/" + "/".join(parts[:-1]) + "/" if len(parts) > 1 else "/"
    return path, name


def parse_principal(
    value: str, *, kind: PrincipalKind | str | None = None, role_path: str | None = None
) -> ParsedPrincipal:
    """Parse a principal: an IAM/STS ARN, a 12-digit account ID, or a service/IdP name.

    ``role_path`` supplies the path of an assumed-role session's role (the session ARN has none).
    Raises ValueError when ``value`` is not a principal this module understands.
    """
    hint = PrincipalKind(kind) if kind is not None else None
    if ACCOUNT_ID.match(value):
        return ParsedPrincipal(f"arn:aws:iam::{value}:root", PrincipalKind.ROOT, "aws", value)
    match = _ARN.match(value)
    if match is None:
        if value.startswith("arn:"):
            raise ValueError(f"not a principal ARN: {value!r}")
        lowered = value.lower()
        if hint is PrincipalKind.FEDERATED or lowered in WEB_IDENTITY_PROVIDERS:
            return ParsedPrincipal(value, PrincipalKind.FEDERATED, name=value)
        if hint is PrincipalKind.SERVICE or _SERVICE_NAME.match(lowered):
            return ParsedPrincipal(value, PrincipalKind.SERVICE, name=value)
        raise ValueError(f"not a principal ARN, account ID or service name: {value!r}")
    partition, service, account, resource = match.group(
        "partition", "service", "account", "resource"
    )
    if service == "iam":
        if resource == "root":
            return ParsedPrincipal(value, PrincipalKind.ROOT, partition, account)
        rtype, _, rest = resource.partition("/")
        if rtype in ("user", "role") and rest:
            path, name = _split_path(rest)
            pkind = PrincipalKind.USER if rtype == "user" else PrincipalKind.ROLE
            return ParsedPrincipal(value, pkind, partition, account, name, path)
        if rtype in ("saml-provider", "oidc-provider") and rest:
            return ParsedPrincipal(value, PrincipalKind.FEDERATED, partition, account, rest)
    else:
        rtype, _, rest = resource.partition("/")
        if rtype == "assumed-role":
            role_name, _, session = rest.partition("/")
            if role_name and session:
                path = role_path or "/"
                if not (path.startswith("/") and path.endswith("/")):
                    raise ValueError(f"role path must start and end with '/': {role_path!r}")
                return ParsedPrincipal(
                    value, PrincipalKind.ASSUMED_ROLE, partition, account, role_name, path, session
                )
        if rtype == "federated-user" and rest:
            return ParsedPrincipal(value, PrincipalKind.FEDERATED, partition, account, rest)
    raise ValueError(f"unsupported principal ARN: {value!r}")



# --------------------------------------------------------------------------- matching


_SCOPE_RANK = {None: 0, "account": 1, "role": 2, "wildcard": 3, "direct": 4}


def _better(a: PrincipalScope | None, b: PrincipalScope | None) -> PrincipalScope | None:
    return a if _SCOPE_RANK[a] >= _SCOPE_RANK[b] else b


def _match_aws_value(value: str, who: ParsedPrincipal) -> PrincipalScope | None:
    if not who.is_aws_identity:
        return None
    if value == "*":
        return "wildcard"
    if ACCOUNT_ID.match(value):
        return "account" if who.account == value else None
    try:
        named = parse_principal(value)
    except ValueError:
        return None
    if named.kind is PrincipalKind.ROOT:
        same = named.account == who.account and named.partition == who.partition
        return "account" if same else None
    if _same_identity(named, who):
        return "direct"
    if (
        named.kind is PrincipalKind.ROLE
        and who.kind is PrincipalKind.ASSUMED_ROLE
        and (named.partition, named.account) == (who.partition, who.account)
        and (named.name or "").casefold() == (who.name or "").casefold()
    ):
        # "Role sessions": a session matches its role's ARN; the session ARN carries no path.
        return "role"
    return None


def _same_identity(named: ParsedPrincipal, who: ParsedPrincipal) -> bool:
    """The same user, role or session. User and role names compare without case: "Names are
    not distinguished by case" (IAM API "CreateRole"/"CreateUser"), and a trust policy's
    principal ARN "transforms to the role's unique principal ID when you save the policy"
    (IAM UG "AWS JSON policy elements: Principal"); paths and session names compare exactly."""
    if named.arn == who.arn:
        return True
    same_place = (named.kind, named.partition, named.account, named.path) == (
        who.kind, who.partition, who.account, who.path
    )
    if not same_place or named.kind not in _NAMED_KINDS:
        return False
    return (named.name or "").casefold() == (who.name or "").casefold() and (
        named.session_name == who.session_name
    )


_NAMED_KINDS = frozenset({PrincipalKind.USER, PrincipalKind.ROLE, PrincipalKind.ASSUMED_ROLE})


def match_principal_element(
    element: Any, who: ParsedPrincipal, canonical: str | None
) -> PrincipalScope | None:
    """How a Principal element matches ``who``: direct, wildcard, account, or not at all."""
    if element == "*":
        return "wildcard"
    if not isinstance(element, Mapping):
        raise PolicyError(f'Principal must be "*" or an object, not {element!r}')
    best: PrincipalScope | None = None
    for ptype, raw in element.items():
        for item in as_list(raw):
            value = str(item)
            scope: PrincipalScope | None = None
            if ptype == "AWS":
                scope = _match_aws_value(value, who)
            elif ptype == "Service":
                # "Service principals are unique and case-sensitive." (IAM API
                # "CreateServiceLinkedRole")
                if who.kind is PrincipalKind.SERVICE and value == who.name:
                    scope = "direct"
            elif ptype == "Federated":
                federated = who.kind is PrincipalKind.FEDERATED and not who.is_aws_identity
                if federated and value.lower() == who.arn.lower():
                    scope = "direct"
            elif ptype == "CanonicalUser":
                if canonical is not None and value == canonical:
                    scope = "direct"
            else:
                raise PolicyError(f"unknown principal type {ptype!r}")
            best = _better(best, scope)
    return best


def not_principal_applies(
    element: Any, who: ParsedPrincipal, canonical: str | None, *, effect: str
) -> bool:
    """Whether a statement with ``NotPrincipal`` applies to ``who``.

    Allow: "Doing so allows all principals *except* the one named in the NotPrincipal element"
    (IAM UG "AWS JSON policy elements: NotPrincipal"), so it applies unless ``who`` is named,
    directly, through its role, or through its account.

    Deny: "AWS might validate the account first, then the role, and then the assumed-role
    user", and "you must also specify the account ARN of the not-denied principal. Otherwise,
    the policy might deny access to the entire account". The statement applies unless every
    identity in the caller's chain is listed: the account, then the user, role or session.
    """
    if effect != "Deny":
        return match_principal_element(element, who, canonical) is None
    chain = [who]
    if who.is_aws_identity and who.account and who.kind is not PrincipalKind.ROOT:
        root_arn = f"arn:{who.partition}:iam::{who.account}:root"
        chain.insert(0, ParsedPrincipal(root_arn, PrincipalKind.ROOT, who.partition, who.account))
    return any(match_principal_element(element, ident, canonical) is None for ident in chain)
