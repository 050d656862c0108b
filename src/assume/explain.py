"""Why AssumeRole is (or would be) refused: gather every side of every hop and decide.

For each hop of a chain, with the credentials the hop is assumed with, :mod:`assume.iam_reads`
reads what the caller can read (the caller, the role's trust policy, its identity side, its
permissions boundary, the session policy passed on the hop before) and :mod:`assume.iam`
decides, exactly as in offline mode. A side that cannot be read is ``unknown`` with what to ask
for and from whom; AWS's own answer to the AssumeRole call then settles the verdict, and its
AccessDenied wording may name the side. That call goes through the normal provider, which also
yields the credentials of the next hop; the walk stops at the first hop that fails.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal, Protocol

from assume.access_denied import named_side
from assume.errors import AccessDeniedError, AssumeError, MfaError
from assume.explain_report import (
    INVALID_REQUEST,
    NOT_APPLICABLE,
    UNKNOWN,
    Attempt,
    ChainReport,
    HopReport,
    SideReport,
    Verdict,
)
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
from assume.iam.principals import ParsedPrincipal, PrincipalKind
from assume.iam.verdict import ALLOW, EXPLICIT_DENY, IMPLICIT_DENY
from assume.iam_reads import (
    POLICY_VERSION,
    AwsReader,
    Caller,
    Evidence,
    Reader,
    RoleFacts,
    read_boundary,
    read_caller,
    read_identity,
    read_role,
    session_policy_evidence,
)
from assume.models import MFA_SESSION_HOP, Credentials, Hop, Plan, Source
from assume.policy_templates import RoleSpec, parse_role_arn
from assume.session_limits import (
    DEFAULT_DURATION,
    SessionLength,
    mfa_session_length,
    role_session_length,
)
from assume.validation import MAX_CHAINED_DURATION

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
        f"every level must allow {actions} on {context.resource}, and none may deny it"
        if kind == "scp" else
        f"no RCP may deny {actions} on {context.resource} (RCPFullAWSAccess, attached at every "
        "level, allows the rest)",
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
    why = f"Could not be read: {evidence.problem}." if evidence.problem else "Not evaluated."
    return SideReport(name, UNKNOWN, required, None, why, must_check=checks)


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


def _as_named(side: SideReport, decision: str) -> SideReport:
    """A side AWS's AccessDenied message names: its decision, where it could not be read."""
    if side.decision != UNKNOWN:
        return side
    verdict: Verdict = EXPLICIT_DENY if decision == EXPLICIT_DENY else IMPLICIT_DENY
    return replace(
        side, decision=verdict, read_with="AWS's AccessDenied message",
        explanation=f"{side.explanation} AWS's AccessDenied message names it ({verdict}).",
    )


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
    guardrails: tuple[SideReport, ...] = (
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
            trust_side, identity_side, *rest = (
                _as_named(side, named.decision) if side.side == named.side else side
                for side in (trust_side, identity_side, *guardrails)
            )
            guardrails = tuple(rest)
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
