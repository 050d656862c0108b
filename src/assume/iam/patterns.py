"""Wildcards and policy variables in Action, Resource and condition values."""

from __future__ import annotations

import re

from assume.iam.context import RequestContext


def _wild_regex(pattern: str, *, ignore_case: bool) -> re.Pattern[str]:
    parts = []
    for char in pattern:
        if char == "*":
            parts.append(".*")
        elif char == "?":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def action_matches(pattern: str, action: str) -> bool:
    """Action names: ``*`` and ``?`` wildcards, case-insensitive ("IAM JSON: Action")."""
    return _wild_regex(pattern, ignore_case=True).fullmatch(action) is not None


Pieces = list[tuple[str, bool]]  # (text, literal?) - literal text never acts as a wildcard

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_VARIABLE_BODY = re.compile(r"^\s*([^\s,']+)\s*(?:,\s*'((?:[^']|'')*)'\s*)?$")


def substitute(value: str, ctx: RequestContext, variables: bool) -> Pieces | None:
    """Resolve policy variables; ``None`` when one has no value and no default."""
    if not variables:
        return [(value, False)]
    pieces: Pieces = []
    pos = 0
    for match in _VARIABLE.finditer(value):
        pieces.append((value[pos : match.start()], False))
        body = match.group(1)
        if body in ("*", "?", "$"):
            pieces.append((body, True))
        else:
            parsed = _VARIABLE_BODY.match(body)
            if parsed is None:
                return None
            found = ctx.values_of(parsed.group(1))
            default = parsed.group(2)
            if found is not None and len(found) == 1:
                pieces.append((found[0], True))
            elif default is not None:
                pieces.append((default.replace("''", "'"), True))
            else:
                return None
        pos = match.end()
    pieces.append((value[pos:], False))
    return pieces


def pieces_text(pieces: Pieces) -> str:
    return "".join(text for text, _ in pieces)


def pieces_regex(
    pieces: Pieces, *, arn: bool, resource: bool = False, ignore_case: bool = False
) -> re.Pattern[str]:
    """Regex for a wildcard pattern; literal pieces (resolved variables) never act as wildcards.

    With ``arn``, a wildcard in one of the first five colon-separated segments stays inside
    that segment: "Each of the six colon-delimited components of the ARN is checked separately"
    (IAM UG "Condition operators", ARN). With ``resource`` too, a ``*`` that is its segment's
    last character does not: "If the * wildcard is the last character of a resource ARN
    segment, it can expand to match beyond the colon boundaries." (IAM UG "IAM JSON policy
    elements: Resource").
    """
    chars = [(char, literal) for text, literal in pieces for char in text]
    parts: list[str] = []
    colons = 0
    for index, (char, literal) in enumerate(chars):
        in_prefix = arn and colons < 5
        if char == ":":
            colons += 1
        if not literal and char == "*":
            ends_segment = index + 1 == len(chars) or chars[index + 1][0] == ":"
            spans = resource and ends_segment
            parts.append("[^:]*" if in_prefix and not spans else ".*")
        elif not literal and char == "?":
            parts.append("[^:]" if in_prefix else ".")
        else:
            parts.append(re.escape(char))
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.compile("".join(parts), flags)


def arn_matches(pieces: Pieces, value: str, *, resource: bool = False) -> bool:
    """An ARN pattern (Resource element with ``resource``, else an Arn* condition value)."""
    if len(pieces) == 1 and pieces[0] == ("*", False):
        return True
    return pieces_regex(pieces, arn=True, resource=resource).fullmatch(value) is not None


def resource_matches(pattern: str, ctx: RequestContext, variables: bool) -> bool:
    """Resource entries: case-sensitive wildcards and variables ("IAM JSON: Resource").

    Variables are replaced only after the fifth colon: "You can't use a variable to replace
    parts of the ARN before the fifth colon, such as the service or account." (IAM UG "IAM
    policy elements: Variables and tags"); before it, ``${...}`` is plain text.
    """
    cut = _after_fifth_colon(pattern)
    resolved = substitute(pattern[cut:], ctx, variables)
    if resolved is None:
        return False
    return arn_matches([(pattern[:cut], False), *resolved], ctx.resource, resource=True)


def _after_fifth_colon(pattern: str) -> int:
    """Index just past the fifth colon (0 for ``*`` alone or a pattern with fewer colons)."""
    index = -1
    for _ in range(5):
        index = pattern.find(":", index + 1)
        if index < 0:
            return 0
    return index + 1
