"""Why AssumeRole is (or would be) refused: gather both sides of every hop and decide.

For each hop of a chain, with the credentials the hop is assumed with: the caller
(GetCallerIdentity), the role's trust policy (``iam:GetRole``, readable only in the caller's own
account) and the caller's identity side (``iam:SimulatePrincipalPolicy``, else the caller's
inline, attached and group policies read one by one). :mod:`assume.iam` decides, exactly
as in offline mode. A side that cannot be read is ``unknown`` with what its owner must check;
AWS's own answer to the AssumeRole call then settles the verdict. That call goes through the
normal provider, which also yields the credentials of the next hop; the walk stops at the first
hop that fails. boto3 is imported lazily: this module is never on the cache-hit path.
"""

from __future__ import annotations

import functools
import json
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal, Protocol

from assume.access_denied import named_side
from assume.errors import AccessDeniedError, AssumeError, MfaError
from assume.iam.assume_role import (
    NAMING_SCOPES,
    SIDE_LABELS,
    AssumeRoleDecision,
    SideName,
    decide_assume_role,
)
from assume.iam.causes import Cause
from assume.iam.context import ASSUME_ROLE, RequestContext, build_context
from assume.iam.document import PolicyError
from assume.iam.principals import ParsedPrincipal, PrincipalKind, parse_principal
from assume.iam.verdict import ALLOW, EXPLICIT_DENY, IMPLICIT_DENY
from assume.models import MFA_SESSION_HOP, Credentials, Hop, Plan, Source
from assume.policy_templates import RoleSpec, parse_role_arn
from assume.session_limits import (
    DEFAULT_DURATION,
    SessionLength,
    mfa_session_length,
    role_session_length,
)
from assume.validation import MAX_CHAINED_DURATION

Verdict = Literal[
    "allow", "explicit-deny", "implicit-deny", "not-applicable", "unknown", "invalid-request"
]
NOT_APPLICABLE: Verdict = "not-applicable"
INVALID_REQUEST: Verdict = "invalid-request"  # AWS refuses the parameters, not the access
UNKNOWN: Verdict = "unknown"
IAM_ATTEMPTS = 2  # IAM reads are diagnostics: give up quickly rather than retry for long
IAM_REGIONS = {"aws": "us-east-1", "aws-cn": "cn-north-1", "aws-us-gov": "us-gov-west-1"}
DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"})
POLICY_VERSION = "2012-10-17"

# Stand-ins for a side that cannot be read: if the request fails even with them, the readable
# side alone refuses it; if it passes, the unread side decides and the verdict stays unknown.
ANY_IDENTITY = {
    "Version": POLICY_VERSION,
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
ANY_TRUST = {
    "Version": POLICY_VERSION,
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "*"}],
}

# Condition-key types for iam:SimulatePrincipalPolicy's ContextEntries (default: string).
_CONTEXT_TYPES = {
    "aws:multifactorauthpresent": "boolean",
    "aws:multifactorauthage": "numeric",
    "aws:epochtime": "numeric",
    "aws:currenttime": "date",
    "aws:sourceip": "ip",
}
_LIST_KEYS = frozenset({"aws:tagkeys", "sts:transitivetagkeys"})


class ReadError(Exception):
    """An IAM read that failed: ``code`` is AWS's error code (or the exception's name)."""

    def __init__(self, operation: str, code: str, message: str = "") -> None:
        self.operation = operation
        self.code = code
        super().__init__(f"{operation}: {code}" + (f" ({message})" if message else ""))

    @property
    def denied(self) -> bool:
        """True when the caller lacks the permission for the read."""
        return self.code in DENIED_CODES


class Reader(Protocol):
    """What explaining one hop reads from AWS with that hop's source credentials."""

    def caller(self) -> Mapping[str, str]:
        """GetCallerIdentity: ``Arn``, ``Account``, ``UserId``."""
        ...

    def call(self, operation: str, **params: Any) -> Mapping[str, Any]:
        """One IAM operation (``get_role``...), list operations fully paginated; ReadError."""
        ...


def iam_action(operation: str) -> str:
    """``get_role`` -> ``iam:GetRole``."""
    return "iam:" + "".join(part.capitalize() for part in operation.split("_"))


class AwsReader:
    """Reads through boto3 with one source's credentials (imported here, lazily)."""

    def __init__(self, source: Source | Credentials, region: str | None) -> None:
        from assume import sts

        self._sts = sts
        self.source = source
        self.region = region
        self.session = sts.source_session(source, region)
        self._partition = "aws"
        self._iam: Any = None

    def caller(self) -> Mapping[str, str]:
        with self._sts.translate_errors(self.source):
            client = self._sts.sts_client(self.session, self.region)
            found = client.get_caller_identity()
        self._partition = str(found["Arn"]).split(":")[1]
        return {key: str(found[key]) for key in ("Arn", "Account", "UserId")}

    def _client(self) -> Any:
        if self._iam is None:
            from botocore.config import Config

            region = self.region or self.session.region_name
            self._iam = self.session.client(
                "iam",
                region_name=region or IAM_REGIONS.get(self._partition, IAM_REGIONS["aws"]),
                config=Config(retries={"mode": "standard", "total_max_attempts": IAM_ATTEMPTS}),
            )
        return self._iam

    def call(self, operation: str, **params: Any) -> Mapping[str, Any]:
        import botocore.exceptions
        import botocore.parsers

        try:
            client = self._client()
            if client.can_paginate(operation):
                return dict(client.get_paginator(operation).paginate(**params).build_full_result())
            return dict(getattr(client, operation)(**params))
        except botocore.exceptions.ClientError as exc:
            error = exc.response.get("Error", {})
            raise ReadError(
                iam_action(operation), str(error.get("Code") or "Error"), str(error.get("Message"))
            ) from None
        except (botocore.exceptions.BotoCoreError, botocore.parsers.ResponseParserError) as exc:
            # An endpoint without the operation (an emulator) answers with a page, not XML.
            raise ReadError(iam_action(operation), type(exc).__name__) from None


# --------------------------------------------------------------------------- evidence


@dataclass(frozen=True)
class Evidence:
    """One side's documents as read, or why they could not be read."""

    documents: Any = None  # trust: one document; identity: {name: document}
    read_with: str | None = None
    problem: str | None = None
    missing: bool = False  # the role itself does not exist
    causes: tuple[Cause, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def readable(self) -> bool:
        """True when the documents were read."""
        return self.problem is None and not self.missing


def _document(raw: Any) -> Any:
    """IAM returns policies as objects (botocore decodes them) or URL-encoded JSON text."""
    if isinstance(raw, str):
        text = raw if raw.lstrip().startswith("{") else urllib.parse.unquote(raw)
        return json.loads(text)
    return raw


@dataclass(frozen=True)
class Caller:
    """The identity a hop is assumed with, as GetCallerIdentity and IAM describe it."""

    arn: str
    account: str
    user_id: str | None
    principal: ParsedPrincipal
    iam_arn: str | None  # the ARN IAM simulates: the user, or the role behind a session
    role_path: str | None
    tags: Mapping[str, str]
    notes: tuple[str, ...]
    boundary_arn: str | None = None  # the managed policy set as the caller's boundary
    boundary_known: bool = False  # iam:GetUser / iam:GetRole answered


def read_caller(reader: Reader) -> Caller:
    """GetCallerIdentity, then the caller's tags and, for a role session, its role's path."""
    found = reader.caller()
    arn = found["Arn"]
    try:
        who = parse_principal(arn)
    except ValueError as exc:
        raise AssumeError(f"Cannot explain a request made as {arn}: {exc}.") from None
    notes: list[str] = []
    tags: dict[str, str] = {}
    iam_arn: str | None = None
    role_path: str | None = None
    boundary_arn: str | None = None
    boundary_known = False
    if who.kind is PrincipalKind.USER:
        iam_arn = arn
        try:
            user = reader.call("get_user", UserName=who.name)["User"]
            tags = {t["Key"]: t["Value"] for t in user.get("Tags", [])}
            boundary_arn, boundary_known = _boundary_arn(user), True
        except ReadError as exc:
            notes.append(f"The caller's tags (aws:PrincipalTag/*) are unknown: {exc}.")
    elif who.kind is PrincipalKind.ASSUMED_ROLE:
        try:
            role = reader.call("get_role", RoleName=who.name)["Role"]
            iam_arn, role_path = str(role["Arn"]), str(role.get("Path") or "/")
            tags = {t["Key"]: t["Value"] for t in role.get("Tags", [])}
            boundary_arn, boundary_known = _boundary_arn(role), True
        except ReadError as exc:
            iam_arn = who.iam_arn
            notes.append(
                f"The caller's role path and tags are unknown ({exc}); assuming path '/'."
            )
    return Caller(
        arn, found["Account"], found.get("UserId"), who, iam_arn, role_path, tags, tuple(notes),
        boundary_arn, boundary_known,
    )


def _boundary_arn(entity: Mapping[str, Any]) -> str | None:
    """iam:GetUser / iam:GetRole carry ``PermissionsBoundary`` when a boundary is set."""
    boundary = entity.get("PermissionsBoundary") or {}
    arn = boundary.get("PermissionsBoundaryArn")
    return str(arn) if arn else None


def read_boundary(reader: Reader, caller: Caller) -> Evidence | None:
    """The caller's permissions boundary document; None when the caller has none."""
    if caller.principal.kind not in (PrincipalKind.USER, PrincipalKind.ASSUMED_ROLE):
        return None
    if not caller.boundary_known:
        return Evidence(problem="iam:GetUser/iam:GetRole could not be read to find it")
    if caller.boundary_arn is None:
        return None
    try:
        return Evidence(_managed(reader, caller.boundary_arn), "iam:GetPolicyVersion")
    except ReadError as exc:
        return Evidence(problem=f"the boundary {caller.boundary_arn} could not be read: {exc}")


def session_policy_evidence(
    reader: Reader, policy: str | None, policy_arns: Sequence[str]
) -> Evidence | None:
    """The session policy the previous hop passed (inline and managed), None when it passed
    none. Managed session policies are read with this hop's credentials where permitted."""
    if policy is None and not policy_arns:
        return None
    statements: list[Any] = []
    try:
        if policy is not None:
            statements.extend(_statements_of(json.loads(policy)))
        for arn in policy_arns:
            statements.extend(_statements_of(_managed(reader, arn)))
    except ReadError as exc:
        return Evidence(problem=f"a managed session policy could not be read: {exc}")
    except ValueError as exc:
        return Evidence(problem=f"the session policy is not valid JSON: {exc}")
    document = {"Version": POLICY_VERSION, "Statement": statements}
    return Evidence(document, "the previous hop's --policy/--policy-arn")


def _statements_of(document: Any) -> list[Any]:
    found = document.get("Statement", []) if isinstance(document, Mapping) else []
    return list(found) if isinstance(found, list) else [found]


@dataclass(frozen=True)
class RoleFacts:
    """The role as iam:GetRole shows it (or as its ARN says when GetRole cannot be read)."""

    spec: RoleSpec
    trust: Evidence
    max_duration: int | None


def read_role(reader: Reader, role: RoleSpec, caller_account: str) -> RoleFacts:
    """The role's trust policy and MaxSessionDuration, when the caller may read them."""
    if role.account != caller_account:
        problem = (
            f"the role is in account {role.account} and IAM reads only the caller's own "
            f"account ({caller_account})"
        )
        return RoleFacts(role, Evidence(problem=problem), None)
    try:
        found = reader.call("get_role", RoleName=role.name)["Role"]
    except ReadError as exc:
        if exc.code == "NoSuchEntity":
            return RoleFacts(role, Evidence(read_with=exc.operation, missing=True), None)
        return RoleFacts(role, Evidence(problem=str(exc)), None)
    actual = parse_role_arn(str(found["Arn"]))
    trust = Evidence(_document(found["AssumeRolePolicyDocument"]), "iam:GetRole")
    max_duration = found.get("MaxSessionDuration")
    return RoleFacts(actual, trust, int(max_duration) if max_duration else None)


def _context_entries(context: RequestContext) -> list[dict[str, Any]]:
    entries = []
    for key, values in context.context_keys.items():
        kind = _CONTEXT_TYPES.get(key.lower(), "string")
        if kind == "string" and (len(values) != 1 or key.lower() in _LIST_KEYS):
            kind = "stringList"
        entries.append(
            {"ContextKeyName": key, "ContextKeyValues": list(values), "ContextKeyType": kind}
        )
    return entries


def simulated_documents(results: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Policies that reproduce iam:SimulatePrincipalPolicy's decisions, one per source policy.

    The simulator answers per action with the policies that matched; restating that as Allow or
    Deny statements lets assume.iam combine it with the trust side by the same rules as
    documents read directly.
    """
    effects = {"allowed": "Allow", "explicitDeny": "Deny"}
    documents: dict[str, Any] = {}
    for result in results:
        effect = effects.get(str(result.get("EvalDecision")))
        if effect is None:
            continue
        matched = result.get("MatchedStatements", [])
        sources = [str(m.get("SourcePolicyId") or "simulation") for m in matched]
        sources = sources or ["simulation"]
        for name in dict.fromkeys(sources):
            statements = documents.setdefault(
                name, {"Version": POLICY_VERSION, "Statement": []}
            )["Statement"]
            statements.append({
                "Sid": "simulated",
                "Effect": effect,
                "Action": str(result["EvalActionName"]),
                "Resource": "*",
            })
    return documents


def _limits(results: Sequence[Mapping[str, Any]]) -> tuple[Cause, ...]:
    causes = []
    for result in results:
        action = result.get("EvalActionName")
        boundary = result.get("PermissionsBoundaryDecisionDetail") or {}
        if boundary.get("AllowedByPermissionsBoundary") is False:
            causes.append(Cause(
                "permissions-boundary",
                f"The caller's permissions boundary does not allow {action}.",
                "identity",
            ))
        organizations = result.get("OrganizationsDecisionDetail") or {}
        if organizations.get("AllowedByOrganizations") is False:
            causes.append(Cause(
                "service-control-policy",
                f"A service control policy of the caller's organization does not allow {action}.",
                "identity",
            ))
    return tuple(causes)


def simulate_identity(
    reader: Reader, caller: Caller, role_arn: str, context: RequestContext
) -> Evidence:
    """The identity side through iam:SimulatePrincipalPolicy (raises ReadError)."""
    assert caller.iam_arn is not None
    found = reader.call(
        "simulate_principal_policy",
        PolicySourceArn=caller.iam_arn,
        ActionNames=list(context.actions),
        ResourceArns=[role_arn],
        ContextEntries=_context_entries(context),
    )
    results = list(found.get("EvaluationResults", []))
    return Evidence(
        simulated_documents(results), "iam:SimulatePrincipalPolicy", causes=_limits(results)
    )


def _managed(reader: Reader, arn: str) -> Any:
    policy = reader.call("get_policy", PolicyArn=arn)["Policy"]
    version = reader.call(
        "get_policy_version",
        PolicyArn=arn,
        VersionId=policy["DefaultVersionId"],
    )
    return _document(version["PolicyVersion"]["Document"])


def _policies_of(reader: Reader, kind: str, name: str) -> dict[str, Any]:
    """The inline and attached policies of one user, group or role, by policy name."""
    key = {"user": "UserName", "group": "GroupName", "role": "RoleName"}[kind]
    out: dict[str, Any] = {}
    inline = reader.call(f"list_{kind}_policies", **{key: name})
    for policy in inline.get("PolicyNames", []):
        found = reader.call(
            f"get_{kind}_policy", **{key: name}, PolicyName=policy
        )
        out[str(policy)] = _document(found["PolicyDocument"])
    attached = reader.call(f"list_attached_{kind}_policies", **{key: name})
    for policy in attached.get("AttachedPolicies", []):
        out[str(policy["PolicyName"])] = _managed(reader, str(policy["PolicyArn"]))
    return out


def read_identity_policies(reader: Reader, caller: Caller) -> Evidence:
    """The identity side from the caller's own policies (raises ReadError)."""
    who = caller.principal
    assert who.name is not None
    if who.kind is PrincipalKind.USER:
        documents = _policies_of(reader, "user", who.name)
        groups = reader.call("list_groups_for_user", UserName=who.name)
        for group in groups.get("Groups", []):
            group_name = str(group["GroupName"])
            for name, doc in _policies_of(reader, "group", group_name).items():
                documents[f"{group_name}/{name}"] = doc
    else:
        documents = _policies_of(reader, "role", who.name)
    note = (
        "Identity side evaluated from the caller's inline and attached policies; "
        "permissions boundaries and service control policies are not included."
    )
    return Evidence(documents, "iam:Get*Policy", notes=(note,))


def read_identity(
    reader: Reader, caller: Caller, role_arn: str, context: RequestContext
) -> Evidence:
    """The identity side: simulated when permitted, else read, else why it cannot be read."""
    if caller.iam_arn is None:
        return Evidence(problem=f"a {caller.principal.kind.value} caller has no policies to read")
    try:
        return simulate_identity(reader, caller, role_arn, context)
    except ReadError as simulation:
        try:
            found = read_identity_policies(reader, caller)
        except ReadError as exc:
            return Evidence(problem=f"{simulation}; {exc}")
        why = "not permitted" if simulation.denied else "not available"
        note = f"iam:SimulatePrincipalPolicy was {why} ({simulation.code})."
        return replace(found, notes=(note, *found.notes))


# --------------------------------------------------------------------------- reports


@dataclass(frozen=True)
class Attempt:
    """AWS's own answer to the AssumeRole call: allowed, denied, failed, or skipped (why)."""

    result: Literal["allowed", "denied", "failed", "skipped"]
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"result": self.result, "message": self.message or None}


@dataclass(frozen=True)
class SideReport:
    """The trust or identity side of one hop as found in AWS."""

    side: SideName
    decision: Verdict
    required: bool | None
    read_with: str | None
    explanation: str
    deciding: tuple[str, ...] = ()
    must_check: tuple[str, ...] = ()
    detail: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "decision": self.decision,
            "required": self.required,
            "readable": self.read_with is not None,
            "read_with": self.read_with,
            "deciding_statements": list(self.deciding),
            "explanation": self.explanation,
            "must_check": list(self.must_check),
            "detail": self.detail,
        }


@dataclass(frozen=True)
class HopReport:
    """One hop: who called, both sides, the causes, AWS's answer and the verdict."""

    number: int
    kind: str
    role_arn: str
    target: str
    caller_arn: str | None
    source: str
    evaluation: Verdict
    decision: Verdict
    allowed: bool
    failing_side: str | None
    trust: SideReport | None
    identity: SideReport | None
    causes: tuple[Cause, ...]
    aws: Attempt
    notes: tuple[str, ...] = ()
    request: Mapping[str, Any] | None = None
    guardrails: tuple[SideReport, ...] = ()  # boundary, session policy, SCPs, RCPs
    session: SessionLength | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "hop": self.number,
            "kind": self.kind,
            "role": self.role_arn or None,
            "target": self.target,
            "caller": self.caller_arn,
            "source": self.source,
            "decision": self.decision,
            "allowed": self.allowed,
            "policies": self.evaluation,
            "failing_side": self.failing_side,
            "trust": self.trust.to_dict() if self.trust else None,
            "identity": self.identity.to_dict() if self.identity else None,
            **{side.side: side.to_dict() for side in self.guardrails},
            "causes": [cause.to_dict() for cause in self.causes],
            "aws": self.aws.to_dict(),
            "notes": list(self.notes),
            "request": self.request,
            "session": self.session.to_dict() if self.session else None,
        }


@dataclass(frozen=True)
class ChainReport:
    """Every hop explained, up to and including the first that fails."""

    targets: tuple[str, ...]
    hops: tuple[HopReport, ...]
    total: int

    @property
    def failing(self) -> HopReport | None:
        """The first hop that fails, if any."""
        return next((hop for hop in self.hops if not hop.allowed), None)

    @property
    def allowed(self) -> bool:
        """True when every hop of the chain would succeed."""
        return self.failing is None and len(self.hops) == self.total

    @property
    def decision(self) -> Verdict:
        """``allow``, or the failing hop's decision."""
        failing = self.failing
        return ALLOW if failing is None else failing.decision

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        failing = self.failing
        return {
            "targets": list(self.targets),
            "decision": self.decision,
            "allowed": self.allowed,
            "failing_hop": failing.number if failing else None,
            "hop_count": self.total,
            "hops": [hop.to_dict() for hop in self.hops],
        }


# --------------------------------------------------------------------------- deciding


def decide(
    trust: Evidence,
    identity: Evidence,
    context: RequestContext,
    *,
    boundary: Evidence | None = None,
    session_policy: Evidence | None = None,
) -> tuple[Verdict, AssumeRoleDecision | None]:
    """The policies' verdict from what could be read; ``unknown`` when an unread trust or
    identity side decides.

    ``boundary`` and ``session_policy`` are None when the caller has none; one that cannot be
    read is left out (its side is reported unknown with what to check, and AWS's answer, whose
    message may name it, settles the verdict).
    """
    guards: dict[str, Any] = {}
    for name, evidence in (("boundary", boundary), ("session_policy", session_policy)):
        if evidence is not None and evidence.readable:
            guards[name] = evidence.documents
    found: AssumeRoleDecision | None = None
    if trust.readable and identity.readable:
        found = decide_assume_role(trust.documents, identity.documents, context, **guards)
        return found.decision, found
    if trust.readable:
        found = decide_assume_role(
            trust.documents, {"(unread)": ANY_IDENTITY}, context, **guards
        )
    elif identity.readable:
        found = decide_assume_role(ANY_TRUST, identity.documents, context, **guards)
    if trust.missing:
        return IMPLICIT_DENY, found
    if found is None or found.decision == ALLOW:
        return UNKNOWN, found
    return found.decision, found


def hop_causes(
    hop: Hop, who: ParsedPrincipal, role: RoleFacts, context: RequestContext
) -> tuple[list[Cause], bool, SessionLength]:
    """Causes from the hop itself, whether one blocks the call outright, and how long the
    session can last."""
    causes: list[Cause] = []
    chained = who.kind is PrincipalKind.ASSUMED_ROLE
    length = role_session_length(
        hop.duration,
        chained=chained,
        role_max=role.max_duration,
        role_max_known=role.max_duration is not None,
        role_name=role.spec.name,
    )
    duration = length.requested
    if role.trust.missing:
        causes.append(Cause(
            "role-not-found",
            f"The role {role.spec.arn} does not exist (iam:GetRole: NoSuchEntity); "
            "AWS answers AccessDenied for a role that is not there.",
            "trust",
        ))
    if chained and duration > MAX_CHAINED_DURATION:
        causes.append(Cause(
            "chained-duration",
            f"The session is asked for {duration}s, but a role assumed with role credentials "
            f"lasts {MAX_CHAINED_DURATION}s at most. {length.advice}",
        ))
    if role.max_duration is not None and duration > role.max_duration:
        causes.append(Cause(
            "max-session-duration",
            f"The session is asked for {duration}s, over the role's MaxSessionDuration of "
            f"{role.max_duration}s. {length.advice}",
        ))
    blocking = any(c.code in ("chained-duration", "max-session-duration") for c in causes)
    return causes, blocking, length


def trust_checks(context: RequestContext, hop: Hop, role: RoleSpec) -> tuple[str, ...]:
    """What the role's owner must check in its trust policy for this request."""
    who = context.principal
    actions = ", ".join(context.actions)
    checks = [
        f"an Allow statement names {who.iam_arn} (or account {who.account}) for {actions}",
        "no Deny statement applies to this caller",
    ]
    if hop.external_id:
        checks.append(f"any sts:ExternalId condition expects '{hop.external_id}', the one passed")
    else:
        checks.append(
            "no sts:ExternalId condition is required (none is passed: use --external-id or "
            "external_id if the owner gave you one)"
        )
    if context.values_of("aws:MultiFactorAuthPresent") != ("true",):
        checks.append(
            "no aws:MultiFactorAuthPresent condition requires MFA (this call carries none: "
            "use --mfa-serial or mfa_serial if it does)"
        )
    session = context.values_of("sts:RoleSessionName")
    if session:
        checks.append(f"any sts:RoleSessionName condition accepts '{session[0]}'")
    if hop.tags:
        tags = ", ".join(f"{k}={v}" for k, v in hop.tags)
        checks.append(
            f"sts:TagSession is allowed, and aws:RequestTag/aws:TagKeys conditions accept {tags}"
        )
    if hop.source_identity:
        checks.append(
            f"sts:SetSourceIdentity is allowed and accepts '{hop.source_identity}'"
        )
    duration = hop.duration or DEFAULT_DURATION
    if duration > DEFAULT_DURATION:
        checks.append(f"the role's MaxSessionDuration is at least {duration}s")
    return tuple(checks)


def boundary_checks(context: RequestContext, caller: Caller) -> tuple[str, ...]:
    """What the caller's administrator must check in the caller's permissions boundary."""
    arn = caller.boundary_arn or "the boundary set on " + (caller.iam_arn or caller.arn)
    return (
        f"the permissions boundary {arn} allows {', '.join(context.actions)} on "
        f"{context.resource} and does not deny it",
    )


def organization_checks(kind: str, account: str, context: RequestContext) -> tuple[str, ...]:
    """What to ask the organization's administrator for: SCPs or RCPs, level by level."""
    policy_type = {"scp": "SERVICE_CONTROL_POLICY", "rcp": "RESOURCE_CONTROL_POLICY"}[kind]
    actions = ", ".join(context.actions)
    return (
        f"ask the administrator of the organization's management account (or its delegated "
        f"administrator) for the {kind.upper()}s on the root, on each OU above account "
        f"{account} and on the account itself: aws organizations list-policies-for-target "
        f"--target-id {account} --filter {policy_type} (and the same for each parent)",
        f"every level must allow {actions} on {context.resource}, and none may deny it",
    )


def identity_checks(context: RequestContext, iam_arn: str | None) -> tuple[str, ...]:
    """What the caller's administrator must check on the identity side."""
    who = iam_arn or context.principal.iam_arn
    return (
        f"the identity policies of {who} allow {', '.join(context.actions)} on "
        f"{context.resource}",
        "no identity policy, permissions boundary or service control policy denies it",
    )


def _side(
    name: SideName,
    evidence: Evidence | None,
    found: AssumeRoleDecision | None,
    checks: tuple[str, ...],
    absent: str = "",
) -> SideReport:
    """One side as read: decided, unknown (with what to check), or not applicable."""
    side = None if found is None else getattr(found, name)
    if evidence is None:
        return SideReport(name, NOT_APPLICABLE, False, None, absent)
    if evidence.missing:
        return SideReport(
            name, IMPLICIT_DENY, True, evidence.read_with, "The role does not exist."
        )
    if evidence.readable and side is not None:
        return SideReport(
            name,
            side.decision,
            side.required,
            evidence.read_with,
            side.explanation,
            side.deciding,
            (),
            side.result.to_dict() if side.result else None,
        )
    required: bool | None = True if name == "trust" else None
    if name != "trust" and side is not None:
        required = side.required
    return SideReport(
        name, UNKNOWN, required, None, f"Could not be read: {evidence.problem}.", must_check=checks
    )


def organization_side(kind: SideName, who: ParsedPrincipal, account: str | None,
                      context: RequestContext) -> SideReport:
    """SCPs (caller's account) or RCPs (role's account): not readable from a member account."""
    if kind == "scp" and not who.is_aws_identity:
        return SideReport(kind, NOT_APPLICABLE, False, None,
                          "SCPs limit principals of an AWS account only.")
    what = "service control policies" if kind == "scp" else "resource control policies"
    return SideReport(
        kind, UNKNOWN, None, None,
        f"The {what} of account {account} cannot be read from a member account.",
        must_check=organization_checks(kind, account or "ACCOUNT", context),
    )


def identity_needed(found: AssumeRoleDecision | None, required: bool | None) -> bool | None:
    """Whether the identity side must allow once the trust side is put right.

    In the same account, a trust statement that names the caller itself but fails on a
    condition will not need the identity side once the condition holds: the identity side
    is then not to blame.
    """
    if found is None or found.same_account is not True or found.trust.result is None:
        return required
    trust = found.trust.result.action(ASSUME_ROLE)
    names_caller = trust is not None and any(
        s.effect == "Allow" and s.matches_request and s.principal_scope in NAMING_SCOPES
        for s in trust.statements
    )
    return False if names_caller else required


def failing_side(
    trust: str, identity: str, identity_required: bool | None
) -> Literal["trust", "identity", "both"] | None:
    """Which side refuses, from each side's decision (``unknown`` refuses nothing)."""
    trust_fails = trust not in (ALLOW, UNKNOWN)
    identity_fails = identity == EXPLICIT_DENY or bool(
        identity_required and identity not in (ALLOW, UNKNOWN)
    )
    if trust_fails and identity_fails:
        return "both"
    return "trust" if trust_fails else "identity" if identity_fails else None


def _refusal_cause(
    trust: SideReport, identity: SideReport
) -> tuple[Literal["trust", "identity"] | None, Cause]:
    """Who refused when AWS says no and the policies read do not explain it."""
    if trust.decision == UNKNOWN and identity.decision != UNKNOWN:
        return "trust", Cause(
            "trust-side",
            "AWS refused the call and the identity side allows it, so the role's trust policy, "
            "which cannot be read from here, refuses: its owner must check the points below.",
            "trust",
        )
    if identity.decision == UNKNOWN and trust.decision != UNKNOWN:
        return "identity", Cause(
            "identity-side",
            "AWS refused the call and the trust policy allows it, so the caller's identity side, "
            "which cannot be read from here, refuses: an administrator must check the points "
            "below.",
            "identity",
        )
    if UNKNOWN in (trust.decision, identity.decision):
        return None, Cause(
            "unreadable",
            "AWS refused the call and neither side could be read: the role's owner and the "
            "caller's administrator must check the points below.",
        )
    return None, Cause(
        "beyond-policies",
        "AWS refused the call although the policies read allow it: look for a service control "
        "policy, a permissions boundary, or a condition on a key assume cannot see "
        "(aws:SourceIp, aws:SourceVpc).",
    )


SIDE_HINTS = {
    "trust": "the role's owner must change its trust policy.",
    "identity": "the caller's administrator must change its identity policies.",
    "boundary": "the caller's administrator must change its permissions boundary.",
    "session_policy": "pass a session policy that allows the call (--policy on the hop before).",
    "scp": "the organization's administrator must change a service control policy on the "
    "caller's account or one of its OUs.",
    "rcp": "the organization's administrator must change a resource control policy on the "
    "role's account or one of its OUs.",
}


def _role_spec(hop: Hop, caller: Caller) -> RoleSpec:
    if hop.is_bare_name:
        partition = caller.principal.partition or "aws"
        return parse_role_arn(f"arn:{partition}:iam::{caller.account}:role/{hop.role}")
    return parse_role_arn(hop.role)


def request_context(
    principal_arn: str,
    role_arn: str,
    hop: Hop,
    *,
    mfa: bool | None = None,
    principal_tags: Mapping[str, str] | None = None,
    user_id: str | None = None,
    role_path: str | None = None,
    extra_keys: Mapping[str, Any] | None = None,
    clock: Callable[[], datetime] | None = None,
) -> RequestContext:
    """The request IAM sees when ``principal_arn`` makes ``hop``'s AssumeRole call.

    A hop with an MFA device carries fresh MFA; otherwise ``mfa`` says whether the caller's
    session has it (None leaves the key out, as for long-term keys). ValueError for a principal
    assume.iam cannot parse.
    """
    return build_context(
        principal_arn,
        role_arn,
        external_id=hop.external_id,
        session_name=hop.session_name,
        source_identity=hop.source_identity,
        tags=dict(hop.tags) or None,
        transitive_tag_keys=hop.transitive_tag_keys or None,
        mfa_present=True if hop.mfa_serial else mfa,
        mfa_age=0 if hop.mfa_serial else None,
        principal_tags=principal_tags,
        user_id=user_id,
        role_path=role_path,
        extra_keys=extra_keys,
        clock=clock,
    )


def explain_hop(
    reader: Reader,
    hop: Hop,
    *,
    number: int,
    source: str,
    mfa: bool | None,
    attempt: Callable[[], Attempt],
    clock: Callable[[], datetime] | None = None,
    default_session_name: Callable[[], str] | None = None,
    session_policy: tuple[str | None, tuple[str, ...]] = (None, ()),
) -> HopReport:
    """Explain one AssumeRole hop, calling ``attempt`` (AWS's own answer) unless it is moot.

    ``mfa`` says whether the source session carries MFA (None: unknown, as for long-term keys).
    ``session_policy`` is the inline policy and the policy ARNs the previous hop passed.
    """
    caller = read_caller(reader)
    who = caller.principal
    role = read_role(reader, _role_spec(hop, caller), caller.account)
    if mfa is None and who.kind is not PrincipalKind.USER:
        mfa = False  # role and federated sessions always carry the key
    session_name = hop.session_name
    if session_name is None and default_session_name is not None:
        session_name = default_session_name()
    context = request_context(
        caller.arn,
        role.spec.arn,
        hop._replace(session_name=session_name),
        mfa=mfa,
        principal_tags=caller.tags,
        user_id=caller.user_id,
        role_path=caller.role_path,
        clock=clock,
    )
    identity = read_identity(reader, caller, role.spec.arn, context)
    boundary = read_boundary(reader, caller)
    session = session_policy_evidence(reader, *session_policy)
    notes = [*caller.notes, *identity.notes]
    try:
        evaluation, found = decide(
            role.trust, identity, context, boundary=boundary, session_policy=session
        )
    except PolicyError as exc:
        evaluation, found = UNKNOWN, None
        notes.append(f"The policies read could not be evaluated: {exc}.")
    trust_side = _side("trust", role.trust, found, trust_checks(context, hop, role.spec))
    identity_side = _side("identity", identity, found, identity_checks(context, caller.iam_arn))
    guardrails = (
        _side("boundary", boundary, found, boundary_checks(context, caller),
              "The caller has no permissions boundary (iam:GetUser / iam:GetRole)."),
        _side("session_policy", session, found,
              ("the policy passed with --policy/--policy-arn on the previous hop allows "
               f"{', '.join(context.actions)} on {context.resource}",),
              "The caller's session was created without a session policy by assume."),
        organization_side("scp", who, caller.account, context),
        organization_side("rcp", who, role.spec.account, context),
    )
    sides = (trust_side, identity_side, *guardrails)
    known = {s.side for s in sides if s.decision not in (UNKNOWN, NOT_APPLICABLE)}
    causes = [c for c in (found.causes if found else ()) if c.side is None or c.side in known]
    extra, blocking, length = hop_causes(hop, who, role, context)
    causes.extend(extra)
    causes.extend(identity.causes)
    failing: str | None = failing_side(
        trust_side.decision, identity_side.decision, identity_needed(found, identity_side.required)
    )

    if evaluation in (ALLOW, UNKNOWN) and not blocking:
        answer = attempt()
    elif blocking:
        answer = Attempt("skipped", "the requested duration is over the limit")
    else:
        answer = Attempt("skipped", "the policies already refuse the call")

    if found is not None and evaluation != ALLOW and failing is None:
        failing = next(iter(found.failing_sides), None)
    decision: Verdict = evaluation
    allowed = evaluation in (ALLOW, UNKNOWN) and answer.result == "allowed"
    if answer.result == "allowed" and evaluation == UNKNOWN:
        decision = ALLOW
    elif blocking and evaluation in (ALLOW, UNKNOWN):
        decision = INVALID_REQUEST
    elif answer.result == "denied" and evaluation in (ALLOW, UNKNOWN):
        named = named_side(answer.message)
        if named is not None:
            failing = named.side
            decision = EXPLICIT_DENY if named.decision == EXPLICIT_DENY else IMPLICIT_DENY
            causes.append(Cause(
                "aws-names-side",
                f"AWS's message names {SIDE_LABELS[named.side]} ({named.decision}): "
                f"{SIDE_HINTS[named.side]}",
                named.side,
            ))
        else:
            failing, cause = _refusal_cause(trust_side, identity_side)
            causes.append(cause)
            decision = UNKNOWN  # refused, by a side the message does not name
    elif answer.result != "allowed" and decision == ALLOW:
        decision = UNKNOWN  # AWS could not be asked or failed: nothing decided the call
    unique = tuple({(c.code, c.message): c for c in causes}.values())
    return HopReport(
        number=number,
        kind=hop.kind,
        role_arn=role.spec.arn,
        target=hop.profile or hop.role,
        caller_arn=caller.arn,
        source=source,
        evaluation=evaluation,
        decision=decision,
        allowed=allowed,
        failing_side=None if allowed else failing,
        trust=trust_side,
        identity=identity_side,
        causes=unique,
        aws=answer,
        notes=tuple(notes),
        request=context.to_dict(),
        guardrails=guardrails,
        session=length,
    )


# --------------------------------------------------------------------------- the chain


class CredentialProvider(Protocol):
    """The part of :class:`assume.provider.Provider` the walk needs."""

    cache: Any

    def get(self, plan: Plan, *, refresh: bool = False) -> Credentials: ...


def _attempt(
    provider: CredentialProvider, plan: Plan, refresh: bool, obtained: list[Credentials]
) -> Attempt:
    """Ask AWS through the provider; the credentials it yields go into ``obtained``."""
    try:
        obtained.append(provider.get(plan, refresh=refresh))
    except AccessDeniedError as exc:
        return Attempt("denied", exc.message)
    except MfaError as exc:
        return Attempt("skipped", str(exc))
    except AssumeError as exc:
        return Attempt("failed", str(exc))
    return Attempt("allowed")


def explain_chain(
    plan: Plan,
    provider: CredentialProvider,
    *,
    refresh: bool = False,
    reader: Callable[[Source | Credentials, str | None], Reader] = AwsReader,
    clock: Callable[[], datetime] | None = None,
) -> ChainReport:
    """Explain every hop of ``plan`` in turn, stopping at the first that fails.

    Each hop is read with the credentials of the hop before it, obtained through ``provider``
    (so cached sessions are reused); ``refresh`` makes the last hop's call a fresh one.
    """
    from assume.cache import MemoryCache, NullCache
    from assume.config import default_session_name

    if isinstance(provider.cache, NullCache):
        provider.cache = MemoryCache()  # each hop's session feeds the next without a second call
    reports: list[HopReport] = []
    source: Source | Credentials = plan.source
    mfa: bool | None = None
    passed: tuple[str | None, tuple[str, ...]] = (None, ())  # the previous hop's --policy
    for index, hop in enumerate(plan.hops):
        partial = plan._replace(hops=plan.hops[: index + 1])
        obtained: list[Credentials] = []
        attempt = functools.partial(
            _attempt, provider, partial, refresh and index == len(plan.hops) - 1, obtained
        )
        label = plan.source.label if index == 0 else f"the session of hop {index}"
        if hop.kind == MFA_SESSION_HOP:
            answer = attempt()
            report = HopReport(
                number=index + 1,
                kind=hop.kind,
                role_arn="",
                target=hop.label,
                caller_arn=None,
                source=label,
                evaluation=UNKNOWN,
                decision=ALLOW if answer.result == "allowed" else UNKNOWN,
                allowed=answer.result == "allowed",
                failing_side=None,
                trust=None,
                identity=None,
                causes=(),
                aws=answer,
                session=mfa_session_length(hop.duration),
            )
        else:
            report = explain_hop(
                reader(source, hop.region or plan.region),
                hop,
                number=index + 1,
                source=label,
                mfa=mfa,
                attempt=attempt,
                clock=clock,
                default_session_name=default_session_name,
                session_policy=passed,
            )
        reports.append(report)
        if not report.allowed or not obtained:
            break
        source = obtained[0]
        mfa = True if (hop.kind == MFA_SESSION_HOP or hop.mfa_serial) else None
        passed = (hop.policy, tuple(hop.policy_arns))
    return ChainReport(plan.targets, tuple(reports), len(plan.hops))


# --------------------------------------------------------------------------- offline


@dataclass(frozen=True)
class OfflineReport:
    """Local documents decided without AWS: the decision, the request's own causes, and how
    long the session can last.

    ``verdict`` is the one answer: the policies' decision, or ``invalid-request`` when they
    allow but the requested duration is over a limit (AWS then refuses the parameters).
    """

    decision: AssumeRoleDecision
    extra_causes: tuple[Cause, ...]
    session: SessionLength
    blocking: bool = False

    @property
    def causes(self) -> tuple[Cause, ...]:
        """The policies' causes, then the request's own (durations)."""
        return (*self.decision.causes, *self.extra_causes)

    @property
    def verdict(self) -> Verdict:
        """The final answer, which every other field agrees with."""
        if self.decision.decision == ALLOW and self.blocking:
            return INVALID_REQUEST
        return self.decision.decision

    @property
    def allowed(self) -> bool:
        """True when the policies allow and nothing else blocks the call."""
        return self.verdict == ALLOW

    @property
    def failing_side(self) -> str | None:
        """``trust``, ``identity``, ``both``, another side's name, or None when allowed."""
        if self.decision.decision == ALLOW:
            return None
        identity = self.decision.identity
        found = failing_side(
            self.decision.trust.decision,
            identity.decision,
            identity_needed(self.decision, identity.required),
        )
        return found or next(iter(self.decision.failing_sides), None)

    def to_dict(self) -> dict[str, Any]:
        """``AssumeRoleDecision.to_dict`` with ``decision`` the final verdict, ``policies`` the
        policies' own decision, ``allowed``, ``failing_side``, every cause and the session."""
        out = self.decision.to_dict()
        out["decision"] = self.verdict
        out["policies"] = self.decision.decision
        out["allowed"] = self.allowed
        out["failing_side"] = self.failing_side
        out["causes"] = [cause.to_dict() for cause in self.causes]
        out["session"] = self.session.to_dict()
        return out


def explain_offline(
    trust_policy: Any,
    identity_policies: Mapping[str, Any],
    context: RequestContext,
    *,
    duration: int | None = None,
    max_duration: int | None = None,
    boundary: Any = None,
    session_policy: Any = None,
    scps: Sequence[Any] = (),
    rcps: Sequence[Any] = (),
) -> OfflineReport:
    """Decide local documents; raises PolicyError for a malformed one."""
    found = decide_assume_role(
        trust_policy, identity_policies or None, context,
        boundary=boundary, session_policy=session_policy, scps=scps, rcps=rcps,
    )
    role = RoleFacts(parse_role_arn(context.resource), Evidence(), max_duration)
    hop = Hop(role=context.resource, duration=duration)
    extra, blocking, length = hop_causes(hop, context.principal, role, context)
    return OfflineReport(found, tuple(extra), length, blocking)
