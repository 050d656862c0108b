"""Which policy type refused, read from the wording of AWS's AccessDenied message.

Newer messages name the policy type: "User: ARN is not authorized to perform: ACTION on
resource: ARN with an explicit deny in a service control policy" or "... because no
identity-based policy allows the ACTION action" (IAM UG "Troubleshoot access denied error
messages"). Older messages name none, and then nothing is inferred.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from assume.iam.assume_role import SideName

# Phrase in the message -> the explain side it names.
POLICY_TYPES: tuple[tuple[str, SideName], ...] = (
    ("service control policy", "scp"),
    ("resource control policy", "rcp"),
    ("permissions boundary", "boundary"),
    ("session policy", "session_policy"),
    ("identity-based policy", "identity"),
    ("resource-based policy", "trust"),
)
_EXPLICIT = re.compile(r"with an explicit deny in an? ([a-z -]+?)(?: policy)?\s*(?:[.,;:]|$)", re.I)
_IMPLICIT = re.compile(r"because no ([a-z -]+?)(?: policy)? allows", re.I)


class Denial(NamedTuple):
    """The side AWS named and how it refused (``explicit-deny`` or ``implicit-deny``)."""

    side: SideName
    decision: str


def named_side(message: str) -> Denial | None:
    """The side an AccessDenied message names, or None when it names no policy type."""
    for pattern, decision in ((_EXPLICIT, "explicit-deny"), (_IMPLICIT, "implicit-deny")):
        found = pattern.search(message)
        if found is None:
            continue
        phrase = found.group(1).lower().strip()
        for words, side in POLICY_TYPES:
            if phrase in (words, words.removesuffix(" policy")):
                return Denial(side, decision)
    return None
