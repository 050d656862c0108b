"""What `assume explain` reads from IAM with one hop's credentials: the caller, the role, and
each side's documents (identity policies, permissions boundary, the session policy passed on
the hop before), or why a side cannot be read. boto3 is imported lazily: this module is never
on the cache-hit path.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from assume.errors import AssumeError
from assume.iam.causes import Cause
from assume.iam.context import RequestContext
from assume.iam.principals import ParsedPrincipal, PrincipalKind, parse_principal
from assume.models import Credentials, Source
from assume.policy_templates import RoleSpec, parse_role_arn

IAM_ATTEMPTS = 2  # IAM reads are diagnostics: give up quickly rather than retry for long
IAM_REGIONS = {"aws": "us-east-1", "aws-cn": "cn-north-1", "aws-us-gov": "us-gov-west-1"}
DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"})
POLICY_VERSION = "2012-10-17"

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
