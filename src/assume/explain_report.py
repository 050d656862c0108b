"""The reports `assume explain` gives: AWS's own answer, each side of a hop, the hop, the chain.

Every report states one decision, and every other field agrees with it: ``allowed`` is true
exactly when ``decision`` is ``allow``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from assume.iam.assume_role import SideName
from assume.iam.causes import Cause
from assume.iam.verdict import ALLOW
from assume.session_limits import SessionLength

Verdict = Literal[
    "allow", "explicit-deny", "implicit-deny", "not-applicable", "unknown", "invalid-request"
]
NOT_APPLICABLE: Verdict = "not-applicable"
INVALID_REQUEST: Verdict = "invalid-request"  # AWS refuses the parameters, not the access
UNKNOWN: Verdict = "unknown"


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
