"""Offline IAM policy evaluation for ``sts:AssumeRole``.

Decides, without any network call, whether a principal may assume a role, given the role's
trust policy and the caller's identity policies. The rules follow the IAM User Guide:

* "Policy evaluation logic" / "Cross-account policy evaluation logic": an explicit ``Deny``
  in any policy wins; otherwise something must ``Allow``; otherwise the result is an
  implicit deny. A role's trust policy must always allow. Across accounts the caller's identity
  policy must allow as well. In the same account a trust statement that names the caller
  itself is enough, while one that names only the account (``:root`` or the 12-digit ID)
  leaves the decision to the caller's identity policy.
* "IAM JSON policy elements: Condition operators": a key missing from the request makes a
  positive operator false and a negated operator (``StringNotEquals``, ``ArnNotLike``,
  ``NotIpAddress``, ...) true. ``...IfExists`` makes any operator true on a missing key.
  ``Null`` tests presence. Several values for one key are OR'ed; for a negated operator the
  policy values are combined as "matches none of them" (the guide's "logical AND").
* "Single-valued vs multivalued context keys": ``ForAllValues:`` is true when the key is
  missing or empty; ``ForAnyValue:`` is false then (unless ``IfExists``).
* "IAM policy elements: Variables and tags": ``${key}`` and ``${key, 'default'}`` are
  substituted in ``Resource`` and in String, ARN and Bool condition values, only for policies
  with ``"Version": "2012-10-17"``. ``${*}``, ``${?}`` and ``${$}`` stand for literal
  characters. A variable with no value matches nothing: a positive operator fails, a negated
  one matches (the guide: inverted operators "do match against a null value"), and a
  ``Resource`` entry that holds it matches no resource.

Choices where the guide is silent or loose (each is tested):

* ``"Principal": "*"`` matches every principal, ``{"AWS": "*"}`` every AWS-account principal
  (not services or SAML/OIDC providers). In the same account a ``*`` trust counts as naming the
  caller, so no identity policy is needed.
* An assumed-role session matches its role's ARN whatever the role's path (the session ARN
  carries none) and its own session ARN. Principal ARNs are compared exactly (no partial
  wildcards).
* ``NotPrincipal`` checks every identity in the caller's chain (account, then role/session):
  the statement applies unless all of them are listed, as "AWS JSON policy elements:
  NotPrincipal" describes.
* Wildcards in ``Resource`` and in ``Arn*`` values stay inside one of the first five ARN
  segments; ``ArnEquals`` and ``ArnLike`` behave alike, as the guide says.
* An operator without a set qualifier on a key with several values holds when any value
  matches (negated: when none does).
* The account root user and GetFederationToken sessions cannot call ``sts:AssumeRole``;
  SAML/OIDC principals and AWS services are authorised by the trust policy alone.
* Operator names and qualifiers are matched case-insensitively; a malformed policy raises
  :class:`PolicyError` (a ValueError) rather than being half-evaluated.

The module is pure standard library; every result is JSON-serialisable through ``to_dict``.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any, Literal

from assume.validation import ACCOUNT_ID

__all__ = [
    "ALLOW",
    "ASSUME_ROLE",
    "EXPLICIT_DENY",
    "IMPLICIT_DENY",
    "SET_SOURCE_IDENTITY",
    "TAG_SESSION",
    "ActionResult",
    "AssumeRoleDecision",
    "Cause",
    "ConditionResult",
    "ContextKeys",
    "Decision",
    "ParsedPrincipal",
    "PolicyError",
    "PolicyResult",
    "PrincipalKind",
    "RequestContext",
    "SideResult",
    "StatementResult",
    "assume_role_actions",
    "build_context",
    "common_causes",
    "decide_assume_role",
    "evaluate_policies",
    "evaluate_policy",
    "parse_principal",
]

Decision = Literal["allow", "explicit-deny", "implicit-deny"]
ALLOW: Decision = "allow"
EXPLICIT_DENY: Decision = "explicit-deny"
IMPLICIT_DENY: Decision = "implicit-deny"

ASSUME_ROLE = "sts:AssumeRole"
TAG_SESSION = "sts:TagSession"
SET_SOURCE_IDENTITY = "sts:SetSourceIdentity"

PolicyType = Literal["auto", "trust", "identity"]
PolicyInput = Mapping[str, Any] | str
IdentityPolicies = Mapping[str, PolicyInput] | Sequence[PolicyInput] | PolicyInput | None

VARIABLES_VERSION = "2012-10-17"
WEB_IDENTITY_PROVIDERS = frozenset(
    {
        "cognito-identity.amazonaws.com",
        "accounts.google.com",
        "graph.facebook.com",
        "www.amazon.com",
    }
)


class PolicyError(ValueError):
    """A policy document that cannot be evaluated (bad JSON, missing or clashing elements)."""


class PrincipalKind(str, Enum):
    """What sort of principal makes the request."""

    USER = "user"
    ASSUMED_ROLE = "assumed-role"
    ROLE = "role"
    SERVICE = "service"
    ROOT = "root"
    FEDERATED = "federated"


# --------------------------------------------------------------------------- context keys


def _scalar_str(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return str(value)


def _to_values(value: Any) -> tuple[str, ...]:
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return tuple(_scalar_str(v) for v in items)
    return (_scalar_str(value),)


class ContextKeys(Mapping[str, tuple[str, ...]]):
    """Immutable request-context map whose keys are case-insensitive.

    Every value is stored as a tuple of strings: ``True`` becomes ``"true"``, numbers their
    decimal text, datetimes ISO 8601 UTC. A list value makes the key multivalued (an empty
    list is a present-but-empty key). ``None`` values are dropped (the key is absent).
    """

    __slots__ = ("_data",)

    def __init__(self, items: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None):
        data: dict[str, tuple[str, tuple[str, ...]]] = {}
        pairs = items.items() if isinstance(items, Mapping) else (items or ())
        for key, value in pairs:
            if value is None:
                continue
            data[str(key).lower()] = (str(key), _to_values(value))
        self._data = data

    def __getitem__(self, key: str) -> tuple[str, ...]:
        return self._data[key.lower()][1]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._data

    def __iter__(self) -> Iterator[str]:
        return (original for original, _ in self._data.values())

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        return hash(frozenset((k, v) for k, (_, v) in self._data.items()))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ContextKeys):
            return {k: v for k, (_, v) in self._data.items()} == {
                k: v for k, (_, v) in other._data.items()
            }
        return super().__eq__(other)

    def __repr__(self) -> str:
        return f"ContextKeys({dict(self.items())!r})"

    def values_of(self, key: str) -> tuple[str, ...] | None:
        """The values of ``key`` (any case), or ``None`` when the key is absent."""
        entry = self._data.get(key.lower())
        return None if entry is None else entry[1]

    def merged(self, other: Mapping[str, Any]) -> ContextKeys:
        """A copy with ``other``'s keys added or replaced (a ``None`` value removes a key)."""
        data = {original: values for original, values in self._data.values()}
        lowered = {k.lower(): k for k in data}
        for key, value in other.items():
            old = lowered.pop(key.lower(), None)
            if old is not None:
                del data[old]
            if value is not None:
                data[key] = value if isinstance(value, tuple) else _to_values(value)
                lowered[key.lower()] = key
        return ContextKeys(data)

    def to_dict(self) -> dict[str, str | list[str]]:
        """JSON form: single values as strings, multivalued keys as lists."""
        return {
            original: (list(values) if len(values) != 1 or _is_multi(original) else values[0])
            for original, values in self._data.values()
        }


_MULTI_KEYS = frozenset({"aws:tagkeys", "sts:transitivetagkeys", "aws:principalservicenameslist"})


def _is_multi(key: str) -> bool:
    return key.lower() in _MULTI_KEYS


# --------------------------------------------------------------------------- principals

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
            return ParsedPrincipal(value, PrincipalKind.SERVICE, name=lowered)
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


# --------------------------------------------------------------------------- request context


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class RequestContext:
    """One ``sts:AssumeRole`` request as IAM sees it.

    ``keys`` may be any mapping; it is stored as a case-insensitive :class:`ContextKeys`.
    ``actions`` lists every action the call is authorised for (see :func:`assume_role_actions`).
    """

    principal_arn: str
    principal_kind: PrincipalKind
    principal_account: str | None
    resource: str
    actions: tuple[str, ...] = (ASSUME_ROLE,)
    keys: Mapping[str, Any] = field(default_factory=dict)
    canonical_user_id: str | None = None
    role_path: str | None = None
    principal: ParsedPrincipal = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "principal_kind", PrincipalKind(self.principal_kind))
        object.__setattr__(self, "actions", tuple(self.actions))
        if not isinstance(self.keys, ContextKeys):
            object.__setattr__(self, "keys", ContextKeys(self.keys))
        try:
            parsed = parse_principal(
                self.principal_arn, kind=self.principal_kind, role_path=self.role_path
            )
        except ValueError:
            parsed = ParsedPrincipal(self.principal_arn, self.principal_kind)
        if parsed.kind is not self.principal_kind:
            parsed = ParsedPrincipal(
                parsed.arn,
                self.principal_kind,
                parsed.partition,
                parsed.account,
                parsed.name,
                parsed.path,
                parsed.session_name,
            )
        if parsed.account is None and self.principal_account:
            parsed = ParsedPrincipal(
                parsed.arn,
                parsed.kind,
                parsed.partition,
                self.principal_account,
                parsed.name,
                parsed.path,
                parsed.session_name,
            )
        object.__setattr__(self, "principal", parsed)

    @property
    def context_keys(self) -> ContextKeys:
        """The context keys as a :class:`ContextKeys`."""
        keys = self.keys
        assert isinstance(keys, ContextKeys)
        return keys

    @property
    def resource_account(self) -> str | None:
        """The account ID in the resource (role) ARN, if it has one."""
        match = re.match(r"^arn:[^:]*:[^:]*:[^:]*:(\d{12}):", self.resource)
        return match.group(1) if match else None

    def values_of(self, key: str) -> tuple[str, ...] | None:
        """The values of a context key (case-insensitive), ``None`` when absent."""
        return self.context_keys.values_of(key)

    def to_dict(self) -> dict[str, Any]:
        """JSON form of the request."""
        return {
            "principal_arn": self.principal_arn,
            "principal_kind": self.principal_kind.value,
            "principal_account": self.principal_account,
            "resource": self.resource,
            "actions": list(self.actions),
            "context": self.context_keys.to_dict(),
        }


def assume_role_actions(
    tags: Mapping[str, str] | Sequence[Any] | None = None,
    source_identity: str | None = None,
    *,
    transitive_tag_keys: Sequence[str] | None = None,
) -> tuple[str, ...]:
    """The actions an AssumeRole call is authorised for.

    Always ``sts:AssumeRole``; plus ``sts:TagSession`` when session tags (or transitive tag keys)
    are passed and ``sts:SetSourceIdentity`` when a source identity is passed.
    """
    actions = [ASSUME_ROLE]
    if tags or transitive_tag_keys:
        actions.append(TAG_SESSION)
    if source_identity:
        actions.append(SET_SOURCE_IDENTITY)
    return tuple(actions)


_PRINCIPAL_TYPE = {
    PrincipalKind.USER: "User",
    PrincipalKind.ASSUMED_ROLE: "AssumedRole",
    PrincipalKind.ROOT: "Account",
}


def build_context(
    principal_arn: str,
    role_arn: str,
    *,
    kind: PrincipalKind | str | None = None,
    external_id: str | None = None,
    session_name: str | None = None,
    source_identity: str | None = None,
    tags: Mapping[str, str] | None = None,
    transitive_tag_keys: Sequence[str] | None = None,
    mfa_present: bool | None = None,
    mfa_age: int | None = None,
    source_ip: str | None = None,
    principal_tags: Mapping[str, str] | None = None,
    user_id: str | None = None,
    role_path: str | None = None,
    actions: Sequence[str] | None = None,
    extra_keys: Mapping[str, Any] | None = None,
    clock: Callable[[], datetime] | None = None,
) -> RequestContext:
    """Build the request context for ``principal_arn`` calling AssumeRole on ``role_arn``.

    Fills ``aws:PrincipalArn`` (the role's IAM ARN for an assumed-role session),
    ``aws:PrincipalAccount``, ``aws:PrincipalType``, ``aws:username`` (IAM users only),
    ``aws:userid`` (when known), ``aws:CurrentTime``/``aws:EpochTime`` from ``clock``, and the
    request keys from the other arguments. ``mfa_present=None`` leaves
    ``aws:MultiFactorAuthPresent`` out of the request, as for long-term access keys.
    ``extra_keys`` are merged last and win. Raises ValueError for an unparseable principal.
    """
    parsed = parse_principal(principal_arn, kind=kind, role_path=role_path)
    keys: dict[str, Any] = {}
    if parsed.kind is PrincipalKind.SERVICE:
        keys["aws:PrincipalServiceName"] = parsed.name
    elif parsed.is_aws_identity:
        keys["aws:PrincipalArn"] = parsed.iam_arn
    if parsed.account and parsed.is_aws_identity:
        keys["aws:PrincipalAccount"] = parsed.account
    if parsed.kind in _PRINCIPAL_TYPE:
        keys["aws:PrincipalType"] = _PRINCIPAL_TYPE[parsed.kind]
    elif parsed.is_federated_user:
        keys["aws:PrincipalType"] = "FederatedUser"
    if parsed.kind is PrincipalKind.USER:
        keys["aws:username"] = parsed.name
    if user_id is not None:
        keys["aws:userid"] = user_id
    elif parsed.kind is PrincipalKind.ROOT:
        keys["aws:userid"] = parsed.account
    now = (clock or _utcnow)()
    keys["aws:CurrentTime"] = _iso(now)
    keys["aws:EpochTime"] = str(int(now.timestamp()))
    keys["sts:ExternalId"] = external_id
    keys["sts:RoleSessionName"] = session_name
    keys["sts:SourceIdentity"] = source_identity
    if mfa_present is not None:
        keys["aws:MultiFactorAuthPresent"] = mfa_present
    if mfa_age is not None:
        keys["aws:MultiFactorAuthAge"] = mfa_age
    keys["aws:SourceIp"] = source_ip
    for tag_key, tag_value in (principal_tags or {}).items():
        keys[f"aws:PrincipalTag/{tag_key}"] = tag_value
    if tags:
        for tag_key, tag_value in tags.items():
            keys[f"aws:RequestTag/{tag_key}"] = tag_value
        keys["aws:TagKeys"] = list(tags)
    if transitive_tag_keys:
        keys["sts:TransitiveTagKeys"] = list(transitive_tag_keys)
    context_keys = ContextKeys(keys)
    if extra_keys:
        context_keys = context_keys.merged(extra_keys)
    if actions is None:
        actions = assume_role_actions(
            tags, source_identity, transitive_tag_keys=transitive_tag_keys
        )
    return RequestContext(
        principal_arn=parsed.arn,
        principal_kind=parsed.kind,
        principal_account=parsed.account,
        resource=role_arn,
        actions=tuple(actions),
        keys=context_keys,
        role_path=role_path,
    )


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class ConditionResult:
    """One (operator, key) pair of a Condition block and how it evaluated."""

    operator: str
    key: str
    values: tuple[str, ...]
    context_values: tuple[str, ...] | None
    passed: bool
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "operator": self.operator,
            "key": self.key,
            "values": list(self.values),
            "context_values": None if self.context_values is None else list(self.context_values),
            "passed": self.passed,
            "reason": self.reason,
        }

    def describe(self) -> str:
        """``Operator key [values]`` as one line."""
        return f"{self.operator} {self.key} {list(self.values)}"


PrincipalScope = Literal["direct", "wildcard", "account"]


@dataclass(frozen=True)
class StatementResult:
    """How one statement fared for one action."""

    policy: str | None
    index: int
    sid: str | None
    effect: str
    action_matched: bool
    resource_matched: bool
    principal_matched: bool | None
    principal_scope: PrincipalScope | None
    conditions: tuple[ConditionResult, ...]

    @property
    def label(self) -> str:
        """The Sid, or ``#index`` when the statement has none; prefixed by the policy name."""
        own = self.sid if self.sid else f"#{self.index}"
        return f"{self.policy}:{own}" if self.policy else own

    @property
    def conditions_passed(self) -> bool:
        """True when every condition holds (or there are none)."""
        return all(c.passed for c in self.conditions)

    @property
    def matches_request(self) -> bool:
        """Action, resource and principal match (conditions aside)."""
        return self.action_matched and self.resource_matched and self.principal_matched is not False

    @property
    def applies(self) -> bool:
        """The statement applies to the request: everything matches and conditions hold."""
        return self.matches_request and self.conditions_passed

    @property
    def failed_conditions(self) -> tuple[ConditionResult, ...]:
        """Conditions that did not hold."""
        return tuple(c for c in self.conditions if not c.passed)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "statement": self.label,
            "effect": self.effect,
            "applies": self.applies,
            "action_matched": self.action_matched,
            "resource_matched": self.resource_matched,
            "principal_matched": self.principal_matched,
            "principal_scope": self.principal_scope,
            "conditions": [c.to_dict() for c in self.conditions],
        }


def _combine(decisions: Iterable[Decision]) -> Decision:
    """Explicit deny if any; allow if all allow (and at least one); else implicit deny."""
    seen = list(decisions)
    if EXPLICIT_DENY in seen:
        return EXPLICIT_DENY
    if seen and all(d == ALLOW for d in seen):
        return ALLOW
    return IMPLICIT_DENY


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


@dataclass(frozen=True)
class ActionResult:
    """The decision for one action of the request."""

    action: str
    decision: Decision
    statements: tuple[StatementResult, ...]

    @property
    def deciding(self) -> tuple[str, ...]:
        """Labels of the Deny statements that applied, or else of the Allow statements."""
        effect = "Deny" if self.decision == EXPLICIT_DENY else "Allow"
        if self.decision == IMPLICIT_DENY:
            return ()
        return _unique(s.label for s in self.statements if s.effect == effect and s.applies)

    @property
    def near_misses(self) -> tuple[StatementResult, ...]:
        """Allow statements that matched the request but failed on conditions."""
        return tuple(
            s
            for s in self.statements
            if s.effect == "Allow" and s.matches_request and not s.conditions_passed
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "action": self.action,
            "decision": self.decision,
            "deciding_statements": list(self.deciding),
            "statements": [s.to_dict() for s in self.statements],
        }


@dataclass(frozen=True)
class PolicyResult:
    """The decision of one policy (or a set of policies of one kind) for a request."""

    decision: Decision
    actions: tuple[ActionResult, ...]
    explanation: str

    @property
    def deciding(self) -> tuple[str, ...]:
        """Statements that decided: the denying ones, or the allowing ones; none if implicit."""
        if self.decision == IMPLICIT_DENY:
            return ()
        return _unique(
            label for a in self.actions if a.decision == self.decision for label in a.deciding
        )

    def action(self, name: str) -> ActionResult | None:
        """The result for one action (case-insensitive), if the request had it."""
        for result in self.actions:
            if result.action.lower() == name.lower():
                return result
        return None

    @property
    def failed_conditions(self) -> tuple[tuple[str, ConditionResult], ...]:
        """(statement label, condition) for each failed condition of a near-miss Allow."""
        seen: dict[tuple[str, str, str], tuple[str, ConditionResult]] = {}
        for action in self.actions:
            if action.decision == ALLOW:
                continue
            for stmt in action.near_misses:
                for cond in stmt.failed_conditions:
                    seen.setdefault((stmt.label, cond.operator, cond.key), (stmt.label, cond))
        return tuple(seen.values())

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "decision": self.decision,
            "deciding_statements": list(self.deciding),
            "explanation": self.explanation,
            "failed_conditions": [
                {"statement": label, **cond.to_dict()} for label, cond in self.failed_conditions
            ],
            "actions": [a.to_dict() for a in self.actions],
        }


# --------------------------------------------------------------------------- matching helpers


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def _wild_regex(pattern: str, *, ignore_case: bool) -> re.Pattern[str]:
    parts = []
    for char in pattern:
        if char == "*":
            parts.append(".*")
        elif char == "?":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def _action_matches(pattern: str, action: str) -> bool:
    """Action names: ``*`` and ``?`` wildcards, case-insensitive ("IAM JSON: Action")."""
    return _wild_regex(pattern, ignore_case=True).fullmatch(action) is not None


Pieces = list[tuple[str, bool]]  # (text, literal?) - literal text never acts as a wildcard

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_VARIABLE_BODY = re.compile(r"^\s*([^\s,']+)\s*(?:,\s*'((?:[^']|'')*)'\s*)?$")


def _substitute(value: str, ctx: RequestContext, variables: bool) -> Pieces | None:
    """Resolve policy variables; ``None`` when one has no value and no default."""
    if not variables:
        return [(value, False)]
    pieces: Pieces = []
    pos = 0
    for match in _VARIABLE.finditer(value):
        pieces.append((value[pos : match.start()], False))
        body = match.group(1)
        if body in ("*", "?", "$"):
            pieces.append((body, True))
        else:
            parsed = _VARIABLE_BODY.match(body)
            if parsed is None:
                return None
            found = ctx.values_of(parsed.group(1))
            default = parsed.group(2)
            if found is not None and len(found) == 1:
                pieces.append((found[0], True))
            elif default is not None:
                pieces.append((default.replace("''", "'"), True))
            else:
                return None
        pos = match.end()
    pieces.append((value[pos:], False))
    return pieces


def _pieces_text(pieces: Pieces) -> str:
    return "".join(text for text, _ in pieces)


def _pieces_regex(pieces: Pieces, *, arn: bool, ignore_case: bool = False) -> re.Pattern[str]:
    """Regex for a wildcard pattern. With ``arn``, wildcards in the first five colon-separated
    segments do not cross ':' (each ARN segment is matched separately)."""
    parts: list[str] = []
    colons = 0
    for text, literal in pieces:
        for char in text:
            in_prefix = arn and colons < 5
            if char == ":":
                colons += 1
            if not literal and char == "*":
                parts.append("[^:]*" if in_prefix else ".*")
            elif not literal and char == "?":
                parts.append("[^:]" if in_prefix else ".")
            else:
                parts.append(re.escape(char))
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.compile("".join(parts), flags)


def _arn_matches(pieces: Pieces, value: str) -> bool:
    if len(pieces) == 1 and pieces[0] == ("*", False):
        return True
    return _pieces_regex(pieces, arn=True).fullmatch(value) is not None


def _resource_matches(pattern: str, ctx: RequestContext, variables: bool) -> bool:
    """Resource entries: case-sensitive wildcards and variables ("IAM JSON: Resource")."""
    pieces = _substitute(pattern, ctx, variables)
    if pieces is None:
        return False
    return _arn_matches(pieces, ctx.resource)


# --------------------------------------------------------------------------- principals


_SCOPE_RANK = {None: 0, "account": 1, "wildcard": 2, "direct": 3}


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
    if named.arn == who.arn:
        return "direct"
    if (
        named.kind is PrincipalKind.ROLE
        and who.kind is PrincipalKind.ASSUMED_ROLE
        and (named.partition, named.account, named.name) == (who.partition, who.account, who.name)
    ):
        # "Role sessions": a session matches its role's ARN; the session ARN carries no path.
        return "direct"
    return None


def _match_principal_element(
    element: Any, who: ParsedPrincipal, canonical: str | None
) -> PrincipalScope | None:
    """How a Principal element matches ``who``: direct, wildcard, account, or not at all."""
    if element == "*":
        return "wildcard"
    if not isinstance(element, Mapping):
        raise PolicyError(f'Principal must be "*" or an object, not {element!r}')
    best: PrincipalScope | None = None
    for ptype, raw in element.items():
        for item in _as_list(raw):
            value = str(item)
            scope: PrincipalScope | None = None
            if ptype == "AWS":
                scope = _match_aws_value(value, who)
            elif ptype == "Service":
                if who.kind is PrincipalKind.SERVICE and value.lower() == (who.name or ""):
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


def _not_principal_applies(element: Any, who: ParsedPrincipal, canonical: str | None) -> bool:
    """NotPrincipal: the statement applies unless every identity in the caller's chain is
    listed. AWS checks the account, then the role, then the session ("IAM JSON: NotPrincipal"),
    so exempting a session needs its account listed as well as its role or session ARN."""
    chain = [who]
    if who.is_aws_identity and who.account and who.kind is not PrincipalKind.ROOT:
        root_arn = f"arn:{who.partition}:iam::{who.account}:root"
        chain.insert(0, ParsedPrincipal(root_arn, PrincipalKind.ROOT, who.partition, who.account))
    return any(_match_principal_element(element, ident, canonical) is None for ident in chain)


# --------------------------------------------------------------------------- conditions


@dataclass(frozen=True)
class _Operator:
    name: str
    family: str
    test: str
    negated: bool


_OPERATORS: dict[str, _Operator] = {
    op.name.lower(): op
    for op in (
        _Operator("StringEquals", "string", "eq", False),
        _Operator("StringNotEquals", "string", "eq", True),
        _Operator("StringEqualsIgnoreCase", "string", "eq_ic", False),
        _Operator("StringNotEqualsIgnoreCase", "string", "eq_ic", True),
        _Operator("StringLike", "string", "like", False),
        _Operator("StringNotLike", "string", "like", True),
        _Operator("ArnEquals", "arn", "like", False),
        _Operator("ArnLike", "arn", "like", False),
        _Operator("ArnNotEquals", "arn", "like", True),
        _Operator("ArnNotLike", "arn", "like", True),
        _Operator("NumericEquals", "numeric", "eq", False),
        _Operator("NumericNotEquals", "numeric", "eq", True),
        _Operator("NumericLessThan", "numeric", "lt", False),
        _Operator("NumericLessThanEquals", "numeric", "le", False),
        _Operator("NumericGreaterThan", "numeric", "gt", False),
        _Operator("NumericGreaterThanEquals", "numeric", "ge", False),
        _Operator("DateEquals", "date", "eq", False),
        _Operator("DateNotEquals", "date", "eq", True),
        _Operator("DateLessThan", "date", "lt", False),
        _Operator("DateLessThanEquals", "date", "le", False),
        _Operator("DateGreaterThan", "date", "gt", False),
        _Operator("DateGreaterThanEquals", "date", "ge", False),
        _Operator("Bool", "bool", "eq", False),
        _Operator("BinaryEquals", "binary", "eq", False),
        _Operator("IpAddress", "ip", "in", False),
        _Operator("NotIpAddress", "ip", "in", True),
        _Operator("Null", "null", "null", False),
    )
}

_QUALIFIERS = {"forallvalues": "ForAllValues", "foranyvalue": "ForAnyValue"}


def _parse_operator(text: str) -> tuple[str | None, _Operator, bool]:
    """``[ForAllValues:|ForAnyValue:]Operator[IfExists]`` (names matched case-insensitively)."""
    qualifier = None
    rest = text
    if ":" in text:
        prefix, rest = text.split(":", 1)
        qualifier = _QUALIFIERS.get(prefix.lower())
        if qualifier is None:
            raise PolicyError(f"unknown condition set qualifier in {text!r}")
    lowered = rest.lower()
    if_exists = False
    if lowered.endswith("ifexists") and lowered != "ifexists":
        if_exists = True
        lowered = lowered[: -len("ifexists")]
    op = _OPERATORS.get(lowered)
    if op is None or (if_exists and op.family == "null"):
        raise PolicyError(f"unknown condition operator {text!r}")
    return qualifier, op, if_exists


def _compare(test: str, left: Any, right: Any) -> bool:
    if test == "eq":
        return bool(left == right)
    if test == "lt":
        return bool(left < right)
    if test == "le":
        return bool(left <= right)
    if test == "gt":
        return bool(left > right)
    return bool(left >= right)


def _number(text: str) -> Decimal | None:
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


_EPOCH = re.compile(r"^-?\d+(\.\d+)?$")


def _date(text: str) -> datetime | None:
    """ISO 8601 (``Z`` or offset; naive means UTC) or epoch seconds."""
    text = text.strip()
    if _EPOCH.match(text):
        return datetime.fromtimestamp(float(text), tz=timezone.utc)
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _b64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def _policy_value_str(value: Any) -> str:
    if isinstance(value, Mapping | list):
        raise PolicyError(f"condition values must be strings, numbers or booleans: {value!r}")
    return _scalar_str(value)


class _ValueTest:
    """Positive test of one context value against one policy value for an operator."""

    def __init__(self, op: _Operator, raw: str, ctx: RequestContext, variables: bool):
        self.op = op
        self.raw = raw
        self.pieces: Pieces | None = None
        self.parsed: Any = None
        family = op.family
        if family in ("string", "arn", "bool"):
            self.pieces = _substitute(raw, ctx, variables)
        elif family == "numeric":
            self.parsed = _number(raw)
            if self.parsed is None:
                raise PolicyError(f"{op.name} value {raw!r} is not a number")
        elif family == "date":
            self.parsed = _date(raw)
            if self.parsed is None:
                raise PolicyError(f"{op.name} value {raw!r} is not a date")
        elif family == "ip":
            try:
                self.parsed = ipaddress.ip_network(raw.strip(), strict=False)
            except ValueError as exc:
                raise PolicyError(f"{op.name} value {raw!r} is not an IP range") from exc
        elif family == "binary":
            self.parsed = _b64(raw)
            if self.parsed is None:
                raise PolicyError(f"{op.name} value {raw!r} is not base64")

    def matches(self, value: str) -> bool:
        op = self.op
        if op.family in ("string", "arn", "bool"):
            if self.pieces is None:  # a variable with no value: nothing is equal to or like it
                return False
            if op.family == "arn":
                return _arn_matches(self.pieces, value)
            if op.family == "bool":
                return _pieces_text(self.pieces).lower() == value.lower()
            if op.test == "eq":
                return _pieces_text(self.pieces) == value
            if op.test == "eq_ic":
                return _pieces_text(self.pieces).casefold() == value.casefold()
            return _pieces_regex(self.pieces, arn=False).fullmatch(value) is not None
        if op.family == "numeric":
            number = _number(value)
            return number is not None and _compare(op.test, number, self.parsed)
        if op.family == "date":
            moment = _date(value)
            return moment is not None and _compare(op.test, moment, self.parsed)
        if op.family == "ip":
            try:
                address = ipaddress.ip_address(value.strip())
            except ValueError:
                return False
            return bool(address in self.parsed)
        return bool(_b64(value) == self.parsed)  # binary


def _evaluate_condition(
    op_text: str, key: str, raw_values: Any, ctx: RequestContext, variables: bool
) -> ConditionResult:
    qualifier, op, if_exists = _parse_operator(op_text)
    values = tuple(_policy_value_str(v) for v in _as_list(raw_values))
    found = ctx.values_of(key)
    present = bool(found)

    def result(passed: bool, reason: str) -> ConditionResult:
        return ConditionResult(op_text, key, values, found, passed, reason)

    if op.family == "null":
        wanted = {v.lower() for v in values}
        passed = ("true" in wanted and not present) or ("false" in wanted and present)
        return result(passed, "key is present" if present else "key is absent or empty")

    if not present:
        missing = "key is missing" if found is None else "key is empty"
        if qualifier == "ForAllValues":
            return result(True, f"{missing}: ForAllValues is true for no values")
        if if_exists:
            return result(True, f"{missing}: IfExists makes the condition true")
        if qualifier == "ForAnyValue":
            return result(False, f"{missing}: ForAnyValue is false for no values")
        if op.negated:
            return result(True, f"{missing}: a negated operator matches a missing key")
        return result(False, missing)

    assert found is not None
    tests = [_ValueTest(op, raw, ctx, variables) for raw in values]

    def positive(value: str) -> bool:
        return any(t.matches(value) for t in tests)

    def single(value: str) -> bool:
        return not positive(value) if op.negated else positive(value)

    if qualifier == "ForAllValues":
        failing = [v for v in found if not single(v)]
        if failing:
            return result(False, f"value {failing[0]!r} does not satisfy {op.name}")
        return result(True, f"every value satisfies {op.name}")
    if qualifier == "ForAnyValue":
        passing = [v for v in found if single(v)]
        if passing:
            return result(True, f"value {passing[0]!r} satisfies {op.name}")
        return result(False, f"no value satisfies {op.name}")
    hit = next((v for v in found if positive(v)), None)
    if op.negated:
        if hit is None:
            return result(True, "no policy value matches")
        return result(False, f"value {hit!r} matches a listed value")
    if hit is None:
        return result(False, "no policy value matches")
    return result(True, f"value {hit!r} matches")


# --------------------------------------------------------------------------- statements


def _load(policy: PolicyInput) -> Mapping[str, Any]:
    if isinstance(policy, str):
        try:
            loaded = json.loads(policy)
        except json.JSONDecodeError as exc:
            raise PolicyError(f"policy is not valid JSON: {exc.msg} at line {exc.lineno}") from exc
        policy = loaded
    if not isinstance(policy, Mapping):
        raise PolicyError("policy must be a JSON object")
    return policy


def _statements(doc: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    if "Statement" not in doc:
        raise PolicyError("policy has no Statement")
    statements = _as_list(doc["Statement"])
    for stmt in statements:
        if not isinstance(stmt, Mapping):
            raise PolicyError("each Statement must be an object")
    return statements


def _either(stmt: Mapping[str, Any], positive: str, negative: str, where: str) -> str | None:
    if positive in stmt and negative in stmt:
        raise PolicyError(f"{where} has both {positive} and {negative}")
    if positive in stmt:
        return positive
    if negative in stmt:
        return negative
    return None


def _evaluate_statement(
    stmt: Mapping[str, Any],
    index: int,
    policy_name: str | None,
    trust: bool,
    action: str,
    ctx: RequestContext,
    variables: bool,
) -> StatementResult:
    sid = stmt.get("Sid")
    where = f"statement {sid or '#' + str(index)}"
    effect = stmt.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise PolicyError(f"{where}: Effect must be Allow or Deny, not {effect!r}")

    action_key = _either(stmt, "Action", "NotAction", where)
    if action_key is None:
        raise PolicyError(f"{where} has neither Action nor NotAction")
    hit = any(_action_matches(str(p), action) for p in _as_list(stmt[action_key]))
    action_matched = hit if action_key == "Action" else not hit

    resource_key = _either(stmt, "Resource", "NotResource", where)
    if resource_key is None:
        if not trust:
            raise PolicyError(f"{where} has neither Resource nor NotResource")
        resource_matched = True  # a trust policy's resource is the role itself
    else:
        found = any(_resource_matches(str(p), ctx, variables) for p in _as_list(stmt[resource_key]))
        resource_matched = found if resource_key == "Resource" else not found

    principal_matched: bool | None = None
    scope: PrincipalScope | None = None
    principal_key = _either(stmt, "Principal", "NotPrincipal", where)
    if trust:
        if principal_key is None:
            raise PolicyError(f"{where} has neither Principal nor NotPrincipal")
        who = ctx.principal
        if principal_key == "Principal":
            scope = _match_principal_element(stmt["Principal"], who, ctx.canonical_user_id)
            principal_matched = scope is not None
        else:
            principal_matched = _not_principal_applies(
                stmt["NotPrincipal"], who, ctx.canonical_user_id
            )
            scope = "wildcard" if principal_matched else None

    conditions: list[ConditionResult] = []
    block = stmt.get("Condition", {})
    if not isinstance(block, Mapping):
        raise PolicyError(f"{where}: Condition must be an object")
    for op_text, pairs in block.items():
        if not isinstance(pairs, Mapping):
            raise PolicyError(f"{where}: {op_text} must map condition keys to values")
        for key, raw in pairs.items():
            conditions.append(_evaluate_condition(str(op_text), str(key), raw, ctx, variables))

    return StatementResult(
        policy=policy_name,
        index=index,
        sid=str(sid) if sid else None,
        effect=str(effect),
        action_matched=action_matched,
        resource_matched=resource_matched,
        principal_matched=principal_matched,
        principal_scope=scope if principal_matched else None,
        conditions=tuple(conditions),
    )


def _is_trust(doc: Mapping[str, Any], policy_type: PolicyType) -> bool:
    if policy_type != "auto":
        return policy_type == "trust"
    return any("Principal" in s or "NotPrincipal" in s for s in _statements(doc))


def _explain(decision: Decision, actions: Sequence[ActionResult], what: str) -> str:
    if decision == EXPLICIT_DENY:
        parts = [
            f"{', '.join(a.deciding)} explicitly denies {a.action}"
            for a in actions
            if a.decision == EXPLICIT_DENY
        ]
        verb = "deny" if what.endswith("policies") else "denies"
        return f"The {what} {verb} the request: " + "; ".join(parts) + "."
    if decision == ALLOW:
        parts = [f"{a.action} by {', '.join(a.deciding)}" for a in actions]
        verb = "allow" if what.endswith("policies") else "allows"
        return f"The {what} {verb} " + "; ".join(parts) + "."
    missing = [a for a in actions if a.decision != ALLOW]
    text = f"No statement in the {what} allows " + ", ".join(a.action for a in missing)
    misses = [
        f"{s.label} matched but failed " + ", ".join(c.describe() for c in s.failed_conditions)
        for a in missing
        for s in a.near_misses
    ]
    if misses:
        text += " (" + "; ".join(_unique(misses)) + ")"
    return text + " (implicit deny)."


def evaluate_policies(
    policies: Sequence[tuple[str | None, PolicyInput]],
    context: RequestContext,
    *,
    policy_type: PolicyType = "auto",
    what: str = "policy",
) -> PolicyResult:
    """Evaluate several named policies of one kind together (e.g. all identity policies).

    A Deny in any of them wins; otherwise every action of the request must be allowed by some
    statement. With ``policy_type="auto"`` a document containing Principal/NotPrincipal is a
    trust (resource) policy, else an identity policy. Raises PolicyError on malformed input.
    """
    prepared = []
    for name, policy in policies:
        doc = _load(policy)
        trust = _is_trust(doc, policy_type)
        variables = doc.get("Version") == VARIABLES_VERSION
        prepared.append((name, _statements(doc), trust, variables))
    results = []
    for action in context.actions:
        statements = tuple(
            _evaluate_statement(stmt, index, name, trust, action, context, variables)
            for name, stmts, trust, variables in prepared
            for index, stmt in enumerate(stmts)
        )
        if any(s.effect == "Deny" and s.applies for s in statements):
            decision: Decision = EXPLICIT_DENY
        elif any(s.effect == "Allow" and s.applies for s in statements):
            decision = ALLOW
        else:
            decision = IMPLICIT_DENY
        results.append(ActionResult(action, decision, statements))
    overall = _combine(r.decision for r in results)
    return PolicyResult(overall, tuple(results), _explain(overall, results, what))


def evaluate_policy(
    policy: PolicyInput,
    context: RequestContext,
    *,
    policy_type: PolicyType = "auto",
    name: str | None = None,
) -> PolicyResult:
    """Evaluate one policy document (a mapping or JSON text) against ``context``.

    Returns ``allow``, ``explicit-deny`` or ``implicit-deny`` with the deciding statements.
    """
    return evaluate_policies([(name, policy)], context, policy_type=policy_type)


# --------------------------------------------------------------------------- AssumeRole decision


@dataclass(frozen=True)
class SideResult:
    """The trust side or the identity side of an AssumeRole decision."""

    side: Literal["trust", "identity"]
    decision: Decision
    required: bool
    explanation: str
    result: PolicyResult | None

    @property
    def deciding(self) -> tuple[str, ...]:
        """Deciding statement labels of this side."""
        return self.result.deciding if self.result else ()

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "decision": self.decision,
            "required": self.required,
            "deciding_statements": list(self.deciding),
            "explanation": self.explanation,
            "detail": self.result.to_dict() if self.result else None,
        }


@dataclass(frozen=True)
class Cause:
    """A likely reason why AssumeRole is refused."""

    code: str
    message: str
    side: str | None = None
    statement: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "code": self.code,
            "message": self.message,
            "side": self.side,
            "statement": self.statement,
        }


@dataclass(frozen=True)
class AssumeRoleDecision:
    """The overall decision for an AssumeRole request and the two sides behind it."""

    decision: Decision
    trust: SideResult
    identity: SideResult
    explanation: str
    same_account: bool | None
    context: RequestContext
    actions: tuple[tuple[str, Decision], ...] = ()

    @property
    def deciding(self) -> tuple[str, ...]:
        """Deciding statements, prefixed ``trust:`` or ``identity:``."""
        out: list[str] = []
        for side in (self.trust, self.identity):
            if side.decision == self.decision or (
                self.decision == ALLOW and side.decision == ALLOW
            ):
                out.extend(f"{side.side}:{label}" for label in side.deciding)
        return tuple(out)

    @property
    def causes(self) -> tuple[Cause, ...]:
        """Common causes of a refusal (empty when allowed)."""
        return common_causes(self)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form; decisions are ``allow``/``explicit-deny``/``implicit-deny``."""
        return {
            "decision": self.decision,
            "explanation": self.explanation,
            "same_account": self.same_account,
            "deciding_statements": list(self.deciding),
            "actions": {action: decision for action, decision in self.actions},
            "request": self.context.to_dict(),
            "trust": self.trust.to_dict(),
            "identity": self.identity.to_dict(),
            "causes": [c.to_dict() for c in self.causes],
        }

    def to_json(self, indent: int | None = 2) -> str:
        """``to_dict`` as JSON text."""
        return json.dumps(self.to_dict(), indent=indent, sort_keys=False)


def _identity_list(policies: IdentityPolicies) -> list[tuple[str | None, PolicyInput]]:
    if policies is None:
        return []
    if isinstance(policies, str):
        return [("identity", policies)]
    if isinstance(policies, Mapping):
        if "Statement" in policies:
            return [(None, policies)]
        return [(str(name), doc) for name, doc in policies.items()]
    return [(f"identity[{i}]", doc) for i, doc in enumerate(policies)]


def _trust_is_direct(result: PolicyResult, action: str) -> bool:
    """True when an Allow for ``action`` names the caller itself (or everyone)."""
    found = result.action(action)
    return found is not None and any(
        s.effect == "Allow" and s.applies and s.principal_scope in ("direct", "wildcard")
        for s in found.statements
    )


def decide_assume_role(
    trust_policy: PolicyInput,
    identity_policies: IdentityPolicies,
    context: RequestContext,
) -> AssumeRoleDecision:
    """Decide whether ``context``'s principal may assume the role, as AWS would.

    ``identity_policies`` is a mapping of name to document, a list of documents, a single
    document, or None. Each action of the request (AssumeRole, TagSession, SetSourceIdentity)
    must be allowed. Explicit deny on either side wins. The trust policy must always allow.
    Across accounts the identity side must allow too. In the same account a trust statement
    that names the caller (its user, role, session, or ``*``) suffices, one that names only the
    account needs the identity side. Service and SAML/OIDC principals need only the trust side.
    """
    who = context.principal
    trust_result = evaluate_policy(trust_policy, context, policy_type="trust")
    trust_result = PolicyResult(
        trust_result.decision,
        trust_result.actions,
        _explain(trust_result.decision, trust_result.actions, "trust policy"),
    )
    role_account = context.resource_account
    same_account = (
        None if who.account is None or role_account is None else who.account == role_account
    )
    needs_identity = who.is_aws_identity
    identity_result = None
    docs = _identity_list(identity_policies)
    if needs_identity:
        identity_result = evaluate_policies(
            docs, context, policy_type="identity", what="identity policies"
        )

    per_action: list[tuple[str, Decision]] = []
    identity_needed_for: list[str] = []
    for action in context.actions:
        trust_action = trust_result.action(action)
        t = trust_action.decision if trust_action else IMPLICIT_DENY
        i: Decision = IMPLICIT_DENY
        if identity_result is not None:
            found = identity_result.action(action)
            i = found.decision if found else IMPLICIT_DENY
        if needs_identity and not (same_account and _trust_is_direct(trust_result, action)):
            identity_needed_for.append(action)
        if t == EXPLICIT_DENY or i == EXPLICIT_DENY:
            decision: Decision = EXPLICIT_DENY
        elif t != ALLOW or who.kind is PrincipalKind.ROOT or who.is_federated_user:
            # The trust policy must allow; root and GetFederationToken sessions never can.
            decision = IMPLICIT_DENY
        elif not needs_identity or action not in identity_needed_for:
            decision = ALLOW
        else:
            decision = i
        per_action.append((action, decision))
    overall = _combine(d for _, d in per_action)

    trust_side = SideResult(
        "trust", trust_result.decision, True, trust_result.explanation, trust_result
    )
    if identity_result is None:
        identity_side = SideResult(
            "identity",
            IMPLICIT_DENY,
            False,
            f"Not needed: a {who.kind.value} principal is authorised by the trust policy alone.",
            None,
        )
    else:
        required = bool(identity_needed_for)
        text = identity_result.explanation
        if not required:
            text += " Not needed: in the same account the trust policy names the caller itself."
        elif same_account is False:
            text += " Needed: cross-account access requires both sides to allow."
        elif same_account and trust_result.decision == ALLOW:
            text += (
                " Needed: the trust policy trusts the caller only through its account,"
                " which leaves the decision to the caller's identity policies."
            )
        elif same_account:
            text += " Needed unless the trust policy names the caller itself."
        identity_side = SideResult(
            "identity", identity_result.decision, required, text, identity_result
        )

    explanation = _overall_explanation(
        overall, trust_side, identity_side, who, same_account, per_action
    )
    return AssumeRoleDecision(
        overall, trust_side, identity_side, explanation, same_account, context, tuple(per_action)
    )


def _overall_explanation(
    overall: Decision,
    trust: SideResult,
    identity: SideResult,
    who: ParsedPrincipal,
    same_account: bool | None,
    per_action: Sequence[tuple[str, Decision]],
) -> str:
    scope = {True: "same-account", False: "cross-account", None: "service/federated"}[same_account]
    if overall == EXPLICIT_DENY:
        sides = [s.side for s in (trust, identity) if s.decision == EXPLICIT_DENY]
        return f"Explicitly denied by the {' and the '.join(sides)} policy ({scope})."
    if overall == ALLOW:
        if identity.required:
            return f"Allowed: both the trust policy and the identity policies allow ({scope})."
        return f"Allowed by the trust policy alone ({scope})."
    if who.kind is PrincipalKind.ROOT:
        return "Denied: the account root user cannot call sts:AssumeRole."
    if who.is_federated_user:
        return "Denied: federated-user sessions (GetFederationToken) cannot call sts:AssumeRole."
    refused = [a for a, d in per_action if d != ALLOW]
    if trust.decision != ALLOW:
        return f"Implicitly denied: the trust policy does not allow {', '.join(refused)} ({scope})."
    return (
        f"Implicitly denied: the trust policy allows, but the identity policies do not allow "
        f"{', '.join(refused)} ({scope})."
    )


# --------------------------------------------------------------------------- common causes

_MFA_KEYS = ("aws:multifactorauthpresent", "aws:multifactorauthage")
_KEY_CAUSES = {
    "sts:rolesessionname": ("session-name", "The session name fails a condition"),
    "sts:sourceidentity": ("source-identity", "The source identity fails a condition"),
    "aws:sourceip": ("source-ip", "The caller's IP address fails a condition"),
}


def _cause_for_condition(
    cond: ConditionResult, side: str, label: str, ctx: RequestContext, denied: bool
) -> Cause:
    key = cond.key.lower()
    verb = "denies the request on" if denied else "requires"
    what = f"{side} statement {label} {verb} {cond.describe()}"
    if key == "sts:externalid":
        passed = ctx.values_of("sts:ExternalId") is not None
        problem = "The ExternalId passed is wrong" if passed else "No ExternalId was passed"
        return Cause("external-id", f"{problem}: {what}.", side, label)
    if key in _MFA_KEYS:
        has_mfa = ctx.values_of("aws:MultiFactorAuthPresent") not in (None, ("false",))
        problem = "The MFA sign-in is too old" if has_mfa else "MFA is required"
        return Cause("mfa-required", f"{problem}: {what}.", side, label)
    if key.startswith("aws:requesttag/") or key in ("aws:tagkeys", "sts:transitivetagkeys"):
        code, problem = "session-tags", "The session tags fail a condition"
    else:
        code, problem = _KEY_CAUSES.get(key, ("condition", "A condition fails"))
    return Cause(code, f"{problem}: {what}.", side, label)


def common_causes(decision: AssumeRoleDecision) -> tuple[Cause, ...]:
    """Name the usual reasons for a refusal, from the request and the failing conditions.

    Codes: ``external-id``, ``mfa-required``, ``session-name``, ``source-identity``,
    ``session-tags``, ``tag-session``, ``source-ip``, ``condition``, ``principal-not-trusted``,
    ``identity-policy``, ``root-user``, ``federated-user``. Empty when the request is allowed.
    """
    if decision.decision == ALLOW:
        return ()
    ctx = decision.context
    who = ctx.principal
    causes: list[Cause] = []
    if who.kind is PrincipalKind.ROOT:
        causes.append(
            Cause(
                "root-user",
                "The account root user cannot assume roles; use an "
                "IAM user or role in that account.",
            )
        )
    if who.is_federated_user:
        causes.append(
            Cause("federated-user", "GetFederationToken sessions cannot call sts:AssumeRole.")
        )
    sides = [decision.trust]
    if decision.identity.required or decision.identity.decision == EXPLICIT_DENY:
        sides.append(decision.identity)
    for side in sides:
        result = side.result
        if result is None:
            continue
        for action in result.actions:
            if action.decision == EXPLICIT_DENY:
                for stmt in action.statements:
                    if stmt.effect == "Deny" and stmt.applies:
                        causes.extend(
                            _cause_for_condition(c, side.side, stmt.label, ctx, True)
                            for c in stmt.conditions
                        )
                        if not stmt.conditions:
                            causes.append(
                                Cause(
                                    "explicit-deny",
                                    f"{side.side} statement {stmt.label} denies {action.action}.",
                                    side.side,
                                    stmt.label,
                                )
                            )
            elif action.decision == IMPLICIT_DENY:
                for stmt in action.near_misses:
                    causes.extend(
                        _cause_for_condition(c, side.side, stmt.label, ctx, False)
                        for c in stmt.failed_conditions
                    )
    causes.extend(_action_causes(decision))
    return tuple({(c.code, c.message): c for c in causes}.values())


def _side_refuses(side: SideResult, action: str) -> bool:
    if side.result is None:
        return False
    found = side.result.action(action)
    return found is None or found.decision != ALLOW


def _action_causes(decision: AssumeRoleDecision) -> list[Cause]:
    causes: list[Cause] = []
    refused = {a for a, d in decision.actions if d != ALLOW}
    trust, identity = decision.trust, decision.identity
    extra = {
        TAG_SESSION: ("tag-session", "Session tags were passed but sts:TagSession is not allowed"),
        SET_SOURCE_IDENTITY: (
            "source-identity",
            "A source identity was passed but sts:SetSourceIdentity is not allowed",
        ),
    }
    for action, (code, text) in extra.items():
        if action not in refused:
            continue
        by = [
            name
            for name, side in (("trust policy", trust), ("identity policies", identity))
            if (side is trust or side.required) and _side_refuses(side, action)
        ]
        where = f" by the {' or the '.join(by)}" if by else ""
        side_name = ("trust" if by[0] == "trust policy" else "identity") if by else None
        causes.append(Cause(code, f"{text}{where}.", side_name))
    if ASSUME_ROLE in refused:
        trust_action = trust.result.action(ASSUME_ROLE) if trust.result else None
        if (
            trust_action is not None
            and trust_action.decision == IMPLICIT_DENY
            and not any(
                s.effect == "Allow" and s.action_matched and s.principal_matched
                for s in trust_action.statements
            )
        ):
            causes.append(
                Cause(
                    "principal-not-trusted",
                    "No Allow statement in the trust policy names "
                    f"{decision.context.principal_arn} (or its role or account) "
                    "for sts:AssumeRole.",
                    "trust",
                )
            )
        if (
            identity.required
            and trust_action is not None
            and trust_action.decision == ALLOW
            and _side_refuses(identity, ASSUME_ROLE)
            and identity.decision != EXPLICIT_DENY
        ):
            where = (
                "cross-account"
                if decision.same_account is False
                else "the trust policy names only the account"
            )
            causes.append(
                Cause(
                    "identity-policy",
                    f"The caller's identity policies do not allow sts:AssumeRole on "
                    f"{decision.context.resource} ({where}).",
                    "identity",
                )
            )
    return causes
