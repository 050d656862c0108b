"""The AssumeRole decision: every policy type that can refuse the call, side by side."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from assume.iam.causes import Cause, common_causes
from assume.iam.context import RequestContext
from assume.iam.document import PolicyInput
from assume.iam.evaluation import (
    PolicyResult,
    PolicyType,
    evaluate_policies,
    evaluate_policy,
    explain_result,
)
from assume.iam.principals import ParsedPrincipal, PrincipalKind
from assume.iam.verdict import ALLOW, EXPLICIT_DENY, IMPLICIT_DENY, Decision, combine

IdentityPolicies = Mapping[str, PolicyInput] | Sequence[PolicyInput] | PolicyInput | None
SideName = Literal["trust", "identity", "boundary", "session_policy", "scp", "rcp"]
SideDecision = Literal["allow", "explicit-deny", "implicit-deny", "not-applicable"]
NOT_APPLICABLE: SideDecision = "not-applicable"
SIDE_LABELS: dict[SideName, str] = {
    "trust": "the role's trust policy",
    "identity": "the caller's identity policies",
    "boundary": "the caller's permissions boundary",
    "session_policy": "the session policy of the caller's session",
    "scp": "the service control policies of the caller's account",
    "rcp": "the resource control policies of the role's account",
}
# Scopes of a trust statement that grant "directly to the session" (or to everyone): in the same
# account an implicit deny in the identity policies, the boundary or the session policy does
# not limit them. A grant to the role ARN ("role") skips the identity policies but is "limited
# by an implicit deny in a permissions boundary or session policy" (IAM UG "Policy evaluation
# logic"); "Permissions boundaries and session policies do not limit permissions granted using
# the aws:PrincipalArn condition key with a wildcard(*) in the Principal element" (same page).
DIRECT_SCOPES = ("direct", "wildcard")
NAMING_SCOPES = ("direct", "wildcard", "role")

@dataclass(frozen=True)
class SideResult:
    """One policy type of an AssumeRole decision: its decision and whether it had to allow.

    ``levels`` holds one result per organization level (root first) for SCPs and RCPs.
    """

    side: SideName
    decision: SideDecision
    required: bool
    explanation: str
    result: PolicyResult | None
    levels: tuple[PolicyResult, ...] = ()

    @property
    def applicable(self) -> bool:
        """False when the policy type was not given or does not apply to this caller."""
        return self.decision != NOT_APPLICABLE

    @property
    def deciding(self) -> tuple[str, ...]:
        """Deciding statement labels of this side."""
        if self.levels:
            return tuple(label for level in self.levels for label in level.deciding)
        return self.result.deciding if self.result else ()

    def action_decision(self, action: str) -> Decision | None:
        """This side's decision for one action (None when not applicable)."""
        if not self.applicable:
            return None
        results = self.levels or ((self.result,) if self.result else ())
        found = [r.action(action) for r in results]
        return combine(a.decision if a else IMPLICIT_DENY for a in found)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        out: dict[str, Any] = {
            "decision": self.decision,
            "required": self.required,
            "deciding_statements": list(self.deciding),
            "explanation": self.explanation,
            "detail": self.result.to_dict() if self.result else None,
        }
        if self.side in ("scp", "rcp"):
            out["levels"] = [level.to_dict() for level in self.levels]
        return out


@dataclass(frozen=True)
class AssumeRoleDecision:
    """The overall decision for an AssumeRole request and every policy type behind it."""

    decision: Decision
    trust: SideResult
    identity: SideResult
    explanation: str
    same_account: bool | None
    context: RequestContext
    actions: tuple[tuple[str, Decision], ...] = ()
    boundary: SideResult | None = None
    session_policy: SideResult | None = None
    scp: SideResult | None = None
    rcp: SideResult | None = None

    @property
    def sides(self) -> tuple[SideResult, ...]:
        """Every side, trust and identity first, then the guardrails."""
        extra = (self.boundary, self.session_policy, self.scp, self.rcp)
        return (self.trust, self.identity, *(s for s in extra if s is not None))

    @property
    def failing_sides(self) -> tuple[SideName, ...]:
        """Sides that refuse: an explicit deny, or a required side that does not allow."""
        if self.decision == ALLOW:
            return ()
        return tuple(
            s.side
            for s in self.sides
            if s.decision == EXPLICIT_DENY or (s.required and s.decision == IMPLICIT_DENY)
        )

    @property
    def deciding(self) -> tuple[str, ...]:
        """Deciding statements, prefixed by their side (``trust:``, ``identity:``, ...)."""
        out: list[str] = []
        for side in self.sides:
            if side.decision == self.decision and (side.required or side.decision != ALLOW):
                out.extend(f"{side.side}:{label}" for label in side.deciding)
        return tuple(out)

    @property
    def causes(self) -> tuple[Cause, ...]:
        """Common causes of a refusal (empty when allowed)."""
        return common_causes(self)

    def to_dict(self) -> dict[str, Any]:
        """JSON form: one key per side, each with its ``decision`` (``allow``,
        ``explicit-deny``, ``implicit-deny`` or ``not-applicable``)."""
        out: dict[str, Any] = {
            "decision": self.decision,
            "explanation": self.explanation,
            "same_account": self.same_account,
            "deciding_statements": list(self.deciding),
            "failing_sides": list(self.failing_sides),
            "actions": {action: decision for action, decision in self.actions},
            "request": self.context.to_dict(),
        }
        for name in SIDE_LABELS:
            side = getattr(self, name)
            out[name] = (side or _absent(name)).to_dict()
        out["causes"] = [c.to_dict() for c in self.causes]
        return out

    def to_json(self, indent: int | None = 2) -> str:
        """``to_dict`` as JSON text."""
        return json.dumps(self.to_dict(), indent=indent, sort_keys=False)


def _absent(name: SideName) -> SideResult:
    return SideResult(name, NOT_APPLICABLE, False, "Not given.", None)


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


def _named(results: Sequence[PolicyResult | None], what: str) -> list[PolicyResult]:
    return [
        PolicyResult(r.decision, r.actions, explain_result(r.decision, r.actions, what))
        for r in results
        if r is not None
    ]


RCP_FULL_AWS_ACCESS = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "RCPFullAWSAccess", "Effect": "Allow", "Principal": "*", "Action": "*",
         "Resource": "*"}
    ],
}


def _levels(
    documents: Sequence[PolicyInput], context: RequestContext, kind: str
) -> tuple[PolicyResult, ...]:
    """One result per organization level, root first; every level must allow.

    For RCPs, "an AWS managed policy called RCPFullAWSAccess is automatically created and
    attached to every entity in your organization including the root, each OU, and AWS account
    when RCPs are enabled. RCPFullAWSAccess can't be detached, so there will always be an Allow
    statement" (IAM UG "Policy evaluation logic"): each level is evaluated with it.
    """
    policy_type: PolicyType = "trust" if kind == "rcp" else "identity"
    what = {"scp": "service control policy", "rcp": "resource control policy"}[kind]
    results = []
    for index, doc in enumerate(documents):
        named: list[tuple[str | None, PolicyInput]] = [(f"{kind}[{index}]", doc)]
        if kind == "rcp":
            named.append(("RCPFullAWSAccess", RCP_FULL_AWS_ACCESS))
        results.append(evaluate_policies(
            named, context, policy_type=policy_type, what=f"{what} at level {index}"
        ))
    return tuple(results)


def _boundary_not_principal_denies(trust: PolicyResult, action: str) -> bool:
    """"The NotPrincipal element with a Deny effect will always deny any IAM principal that has
    a permissions boundary policy attached, regardless of the values specified in the
    NotPrincipal element." (IAM UG "Permissions boundaries for IAM entities")"""
    found = trust.action(action)
    return found is not None and any(
        s.effect == "Deny" and s.not_principal and s.action_matched and s.resource_matched
        and s.conditions_passed
        for s in found.statements
    )


def decide_assume_role(
    trust_policy: PolicyInput,
    identity_policies: IdentityPolicies,
    context: RequestContext,
    *,
    boundary: PolicyInput | None = None,
    session_policy: PolicyInput | None = None,
    scps: Sequence[PolicyInput] = (),
    rcps: Sequence[PolicyInput] = (),
) -> AssumeRoleDecision:
    """Decide whether ``context``'s principal may assume the role, as AWS would.

    ``identity_policies`` is a mapping of name to document, a list of documents, a single
    document, or None. ``boundary`` is the caller's permissions boundary, ``session_policy``
    the policy passed when the caller's own session was created, ``scps`` the service control
    policies of the caller's account and ``rcps`` the resource control policies of the role's
    account, one document per organization level, root first. Each action of the request
    (AssumeRole, TagSession, SetSourceIdentity) must be allowed. The order is the IAM User
    Guide's ("Policy evaluation logic"): an explicit deny in any policy wins; then every RCP
    and SCP level must allow; the trust policy must allow; across accounts the identity
    policies, boundary and session policy must allow too. In the same account a trust statement
    that names the caller's user or session (or everyone) suffices, one that names its role
    still needs the boundary and session policy, one that names only the account needs them all.
    Service and SAML/OIDC principals need only the trust policy and the RCPs.
    """
    who = context.principal
    trust_result = _named([evaluate_policy(trust_policy, context, policy_type="trust")],
                          "trust policy")[0]
    role_account = context.resource_account
    same_account = (
        None if who.account is None or role_account is None else who.account == role_account
    )
    aws_identity = who.is_aws_identity
    identity_result = None
    if aws_identity:
        identity_result = evaluate_policies(
            _identity_list(identity_policies), context, policy_type="identity",
            what="identity policies",
        )
    # "AWS supports permissions boundaries for IAM entities (users or roles)"; a federated user
    # session carries the boundary of the IAM user who federated.
    caller_entity = who.kind in (
        PrincipalKind.USER, PrincipalKind.ASSUMED_ROLE, PrincipalKind.ROLE
    ) or who.is_federated_user
    session_caller = who.kind is PrincipalKind.ASSUMED_ROLE or who.is_federated_user
    boundary_result = session_result = None
    if boundary is not None and caller_entity:
        boundary_result = _named(
            [evaluate_policy(boundary, context, policy_type="identity", name="boundary")],
            "permissions boundary",
        )[0]
    if session_policy is not None and session_caller:
        session_result = _named(
            [evaluate_policy(session_policy, context, policy_type="identity",
                             name="session-policy")],
            "session policy",
        )[0]
    scp_levels = _levels(scps, context, "scp") if aws_identity else ()
    rcp_levels = _levels(rcps, context, "rcp")

    per_action: list[tuple[str, Decision]] = []
    needed: dict[str, set[str]] = {"identity": set(), "boundary": set(), "session_policy": set()}
    boundary_denies: list[str] = []
    for action in context.actions:
        trust_action = trust_result.action(action)
        t = trust_action.decision if trust_action else IMPLICIT_DENY
        if boundary_result is not None and _boundary_not_principal_denies(trust_result, action):
            t = EXPLICIT_DENY
            boundary_denies.append(action)
        scope = _trust_scope(trust_result, action)
        direct = bool(same_account) and scope in DIRECT_SCOPES
        if aws_identity and not (same_account and scope in NAMING_SCOPES):
            needed["identity"].add(action)
        if boundary_result is not None and not direct:
            needed["boundary"].add(action)
        if session_result is not None and not direct:
            needed["session_policy"].add(action)
        guard = {
            "identity": _action_decision(identity_result, action),
            "boundary": _action_decision(boundary_result, action),
            "session_policy": _action_decision(session_result, action),
            "scp": combine(_action_decision(r, action) or IMPLICIT_DENY for r in scp_levels)
            if scp_levels else None,
            "rcp": combine(_action_decision(r, action) or IMPLICIT_DENY for r in rcp_levels)
            if rcp_levels else None,
        }
        if t == EXPLICIT_DENY or EXPLICIT_DENY in guard.values():
            decision: Decision = EXPLICIT_DENY
        elif any(guard[name] not in (None, ALLOW) for name in ("rcp", "scp")):
            decision = IMPLICIT_DENY
        elif t != ALLOW or who.kind is PrincipalKind.ROOT or who.is_federated_user:
            # The trust policy must allow; root and GetFederationToken sessions never can.
            decision = IMPLICIT_DENY
        elif any(action in needed[name] and guard[name] != ALLOW for name in needed):
            decision = IMPLICIT_DENY
        else:
            decision = ALLOW
        per_action.append((action, decision))
    overall = combine(d for _, d in per_action)

    trust_text = trust_result.explanation
    if boundary_denies:
        trust_text += (
            " A Deny with NotPrincipal denies every principal that has a permissions boundary,"
            " whatever it lists."
        )
    trust_side = SideResult(
        "trust", EXPLICIT_DENY if boundary_denies else trust_result.decision, True, trust_text,
        trust_result,
    )
    identity_side = _identity_side(identity_result, needed["identity"], who, same_account,
                                   trust_result)
    boundary_side = _guard_side("boundary", boundary, boundary_result, needed["boundary"],
                                "it applies to IAM users and roles only")
    session_side = _guard_side("session_policy", session_policy, session_result,
                               needed["session_policy"],
                               "only a role or federated-user session carries one")
    scp_side = _level_side("scp", scps, scp_levels, aws_identity,
                           "SCPs limit principals of an AWS account only")
    rcp_side = _level_side("rcp", rcps, rcp_levels, True, "")
    draft = AssumeRoleDecision(
        overall, trust_side, identity_side, "", same_account, context, tuple(per_action),
        boundary_side, session_side, scp_side, rcp_side,
    )
    explanation = _overall_explanation(draft, who, per_action)
    return AssumeRoleDecision(
        overall, trust_side, identity_side, explanation, same_account, context,
        tuple(per_action), boundary_side, session_side, scp_side, rcp_side,
    )


def _action_decision(result: PolicyResult | None, action: str) -> Decision | None:
    if result is None:
        return None
    found = result.action(action)
    return found.decision if found else IMPLICIT_DENY


def _trust_scope(result: PolicyResult, action: str) -> str | None:
    """The broadest way an applying Allow for ``action`` names the caller."""
    found = result.action(action)
    scopes = {
        s.principal_scope for s in (found.statements if found else ())
        if s.effect == "Allow" and s.applies
    }
    return next((scope for scope in ("direct", "wildcard", "role", "account") if scope in scopes),
                None)


def _identity_side(
    result: PolicyResult | None,
    needed: set[str],
    who: ParsedPrincipal,
    same_account: bool | None,
    trust: PolicyResult,
) -> SideResult:
    if result is None:
        return SideResult(
            "identity", NOT_APPLICABLE, False,
            f"Not applicable: a {who.kind.value} principal is authorised by the trust policy "
            "alone.",
            None,
        )
    text = result.explanation
    if not needed:
        text += " Not needed: in the same account the trust policy names the caller itself."
    elif same_account is False:
        text += " Needed: cross-account access requires both sides to allow."
    elif same_account and trust.decision == ALLOW:
        text += (
            " Needed: the trust policy trusts the caller only through its account,"
            " which leaves the decision to the caller's identity policies."
        )
    elif same_account:
        text += " Needed unless the trust policy names the caller itself."
    return SideResult("identity", result.decision, bool(needed), text, result)


def _guard_side(
    name: SideName,
    given: PolicyInput | None,
    result: PolicyResult | None,
    needed: set[str],
    why_not: str,
) -> SideResult | None:
    if given is None:
        return None
    if result is None:
        return SideResult(name, NOT_APPLICABLE, False, f"Not applicable: {why_not}.", None)
    text = result.explanation
    if not needed and result.decision != EXPLICIT_DENY:
        text += (
            " Not needed: in the same account a trust policy that names the caller's user or"
            " session itself is not limited by an implicit deny here."
        )
    return SideResult(name, result.decision, bool(needed), text, result)


def _level_side(
    name: SideName,
    given: Sequence[PolicyInput],
    levels: tuple[PolicyResult, ...],
    applies: bool,
    why_not: str,
) -> SideResult | None:
    if not given:
        return None
    if not applies:
        return SideResult(name, NOT_APPLICABLE, False, f"Not applicable: {why_not}.", None)
    decision = combine(level.decision for level in levels)
    texts = [level.explanation for level in levels]
    return SideResult(name, decision, True, " ".join(texts), None, levels)


def _overall_explanation(
    found: AssumeRoleDecision, who: ParsedPrincipal, per_action: Sequence[tuple[str, Decision]]
) -> str:
    scope = {True: "same-account", False: "cross-account", None: "service/federated"}[
        found.same_account
    ]
    overall = found.decision
    if overall == EXPLICIT_DENY:
        sides = [SIDE_LABELS[s.side] for s in found.sides if s.decision == EXPLICIT_DENY]
        return f"Explicitly denied by {' and '.join(sides)} ({scope})."
    if overall == ALLOW:
        needed = [SIDE_LABELS[s.side] for s in found.sides if s.required]
        if len(needed) > 1:
            return f"Allowed: {', '.join(needed[:-1])} and {needed[-1]} allow ({scope})."
        return f"Allowed by the trust policy alone ({scope})."
    if who.kind is PrincipalKind.ROOT:
        return "Denied: the account root user cannot call sts:AssumeRole."
    if who.is_federated_user:
        return "Denied: federated-user sessions (GetFederationToken) cannot call sts:AssumeRole."
    refused = ", ".join(a for a, d in per_action if d != ALLOW)
    failing = [SIDE_LABELS[name] for name in found.failing_sides]
    if found.trust.decision != ALLOW and failing == [SIDE_LABELS["trust"]]:
        return f"Implicitly denied: the trust policy does not allow {refused} ({scope})."
    if failing == [SIDE_LABELS["identity"]]:
        return (
            f"Implicitly denied: the trust policy allows, but the identity policies do not allow "
            f"{refused} ({scope})."
        )
    verb = "does" if len(failing) == 1 else "do"
    return f"Implicitly denied: {' and '.join(failing)} {verb} not allow {refused} ({scope})."
