"""Common causes of a refused AssumeRole, named from the failing statements and the request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from assume.iam.conditions import ConditionResult
from assume.iam.context import ASSUME_ROLE, SET_SOURCE_IDENTITY, TAG_SESSION, RequestContext
from assume.iam.principals import PrincipalKind
from assume.iam.verdict import ALLOW, EXPLICIT_DENY, IMPLICIT_DENY

if TYPE_CHECKING:
    from assume.iam.assume_role import AssumeRoleDecision, SideResult
    from assume.iam.evaluation import PolicyResult


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
    sides = [decision.trust] + [
        side for side in decision.sides[1:]
        if side.required or side.decision == EXPLICIT_DENY
    ]
    for side in sides:
        results = side.levels or ((side.result,) if side.result else ())
        for result in results:
            causes.extend(_statement_causes(side.side, result, ctx))
    causes.extend(_guard_causes(decision))
    causes.extend(_action_causes(decision))
    return tuple({(c.code, c.message): c for c in causes}.values())


GUARD_CAUSES = {
    "boundary": ("permissions-boundary", "The caller's permissions boundary does not allow"),
    "session_policy": ("session-policy",
                       "The session policy of the caller's session does not allow"),
    "scp": ("service-control-policy",
            "A service control policy of the caller's account does not allow"),
    "rcp": ("resource-control-policy",
            "A resource control policy of the role's account does not allow"),
}


def _guard_causes(decision: AssumeRoleDecision) -> list[Cause]:
    """One cause per guardrail side that refuses without an explicit deny."""
    causes = []
    for side in decision.sides[2:]:
        if side.required and side.decision == IMPLICIT_DENY:
            code, text = GUARD_CAUSES[side.side]
            refused = [a for a, _ in decision.actions if side.action_decision(a) != ALLOW]
            level = ""
            if side.levels:
                failing = [str(i) for i, lv in enumerate(side.levels) if lv.decision != ALLOW]
                level = f" (level {', '.join(failing)}, root = 0)"
            causes.append(Cause(code, f"{text} {', '.join(refused)}{level}.", side.side))
    return causes


def _statement_causes(side: str, result: PolicyResult, ctx: RequestContext) -> list[Cause]:
    """Causes from one policy's statements: denies that applied, allows that nearly did."""
    causes: list[Cause] = []
    for action in result.actions:
        if action.decision == EXPLICIT_DENY:
            for stmt in action.statements:
                if not (stmt.effect == "Deny" and stmt.applies):
                    continue
                causes.extend(
                    _cause_for_condition(c, side, stmt.label, ctx, True) for c in stmt.conditions
                )
                if not stmt.conditions:
                    causes.append(Cause(
                        "explicit-deny", f"{side} statement {stmt.label} denies {action.action}.",
                        side, stmt.label,
                    ))
        elif action.decision == IMPLICIT_DENY:
            for stmt in action.near_misses:
                causes.extend(
                    _cause_for_condition(c, side, stmt.label, ctx, False)
                    for c in stmt.failed_conditions
                )
    return causes


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
