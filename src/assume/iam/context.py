"""The request context: the caller, the role, the actions and the condition keys IAM sees."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from assume.iam.principals import ParsedPrincipal, PrincipalKind, parse_principal

ASSUME_ROLE = "sts:AssumeRole"
TAG_SESSION = "sts:TagSession"
SET_SOURCE_IDENTITY = "sts:SetSourceIdentity"


def scalar_str(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return str(value)


def _to_values(value: Any) -> tuple[str, ...]:
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return tuple(scalar_str(v) for v in items)
    return (scalar_str(value),)


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


def is_multivalued(key: str, values: tuple[str, ...]) -> bool:
    """A key with several values in the request, or one of the keys AWS documents as
    multivalued (``aws:TagKeys``, ``sts:TransitiveTagKeys``, ``aws:PrincipalServiceNamesList``)."""
    return len(values) > 1 or _is_multi(key)



def iso(moment: datetime) -> str:
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
    keys["aws:CurrentTime"] = iso(now)
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
