"""Statements and policies: which statements apply to a request, and the decision they reach."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from assume.iam.conditions import ConditionResult, evaluate_condition
from assume.iam.context import RequestContext
from assume.iam.document import (
    VARIABLES_VERSION,
    PolicyError,
    PolicyInput,
    as_list,
    either,
    load_policy,
    statements_of,
)
from assume.iam.patterns import action_matches, resource_matches
from assume.iam.principals import (
    PrincipalScope,
    match_principal_element,
    not_principal_applies,
)
from assume.iam.verdict import ALLOW, EXPLICIT_DENY, IMPLICIT_DENY, Decision, combine, unique

PolicyType = Literal["auto", "trust", "identity"]

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
    not_principal: bool = False  # the statement names principals through NotPrincipal

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
        return unique(s.label for s in self.statements if s.effect == effect and s.applies)

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
        return unique(
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

    action_key = either(stmt, "Action", "NotAction", where)
    if action_key is None:
        raise PolicyError(f"{where} has neither Action nor NotAction")
    hit = any(action_matches(str(p), action) for p in as_list(stmt[action_key]))
    action_matched = hit if action_key == "Action" else not hit

    resource_key = either(stmt, "Resource", "NotResource", where)
    if resource_key is None:
        if not trust:
            raise PolicyError(f"{where} has neither Resource nor NotResource")
        resource_matched = True  # a trust policy's resource is the role itself
    else:
        found = any(resource_matches(str(p), ctx, variables) for p in as_list(stmt[resource_key]))
        resource_matched = found if resource_key == "Resource" else not found

    principal_matched: bool | None = None
    scope: PrincipalScope | None = None
    principal_key = either(stmt, "Principal", "NotPrincipal", where)
    if trust:
        if principal_key is None:
            raise PolicyError(f"{where} has neither Principal nor NotPrincipal")
        who = ctx.principal
        if principal_key == "Principal":
            scope = match_principal_element(stmt["Principal"], who, ctx.canonical_user_id)
            principal_matched = scope is not None
        else:
            principal_matched = not_principal_applies(
                stmt["NotPrincipal"], who, ctx.canonical_user_id, effect=str(effect)
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
            conditions.append(evaluate_condition(str(op_text), str(key), raw, ctx, variables))

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
        not_principal=principal_key == "NotPrincipal",
    )


def _is_trust(doc: Mapping[str, Any], policy_type: PolicyType) -> bool:
    if policy_type != "auto":
        return policy_type == "trust"
    return any("Principal" in s or "NotPrincipal" in s for s in statements_of(doc))


def explain_result(decision: Decision, actions: Sequence[ActionResult], what: str) -> str:
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
        text += " (" + "; ".join(unique(misses)) + ")"
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
        doc = load_policy(policy)
        trust = _is_trust(doc, policy_type)
        variables = doc.get("Version") == VARIABLES_VERSION
        prepared.append((name, statements_of(doc), trust, variables))
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
    overall = combine(r.decision for r in results)
    return PolicyResult(overall, tuple(results), explain_result(overall, results, what))


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
