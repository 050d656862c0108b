"""The three decisions a policy evaluation can reach, and how several combine."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

Decision = Literal["allow", "explicit-deny", "implicit-deny"]
ALLOW: Decision = "allow"
EXPLICIT_DENY: Decision = "explicit-deny"
IMPLICIT_DENY: Decision = "implicit-deny"


def combine(decisions: Iterable[Decision]) -> Decision:
    """Explicit deny if any; allow if all allow (and at least one); else implicit deny."""
    seen = list(decisions)
    if EXPLICIT_DENY in seen:
        return EXPLICIT_DENY
    if seen and all(d == ALLOW for d in seen):
        return ALLOW
    return IMPLICIT_DENY


def unique(items: Iterable[str]) -> tuple[str, ...]:
    """``items`` without repeats, in first-seen order."""
    return tuple(dict.fromkeys(items))
