"""The AssumeRole decision: every policy type that can refuse the call, side by side."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from assume.iam.causes import Cause, common_causes
from assume.iam.context import RequestContext
from assume.iam.document import PolicyInput
from assume.iam.evaluation import PolicyResult, evaluate_policies, evaluate_policy, explain_result
from assume.iam.principals import ParsedPrincipal, PrincipalKind
from assume.iam.verdict import ALLOW, EXPLICIT_DENY, IMPLICIT_DENY, Decision, combine

IdentityPolicies = Mapping[str, PolicyInput] | Sequence[PolicyInput] | PolicyInput | None

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
        s.effect == "Allow" and s.applies and s.principal_scope in ("direct", "wildcard", "role")
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
        explain_result(trust_result.decision, trust_result.actions, "trust policy"),
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
    overall = combine(d for _, d in per_action)

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
