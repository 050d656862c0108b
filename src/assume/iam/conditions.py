"""Condition operators, set qualifiers and IfExists: one Condition block entry at a time."""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from assume.iam.context import RequestContext, is_multivalued, scalar_str
from assume.iam.document import PolicyError, as_list
from assume.iam.patterns import Pieces, arn_matches, pieces_regex, pieces_text, substitute


@dataclass(frozen=True)
class ConditionResult:
    """One (operator, key) pair of a Condition block and how it evaluated."""

    operator: str
    key: str
    values: tuple[str, ...]
    context_values: tuple[str, ...] | None
    passed: bool
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "operator": self.operator,
            "key": self.key,
            "values": list(self.values),
            "context_values": None if self.context_values is None else list(self.context_values),
            "passed": self.passed,
            "reason": self.reason,
        }

    def describe(self) -> str:
        """``Operator key [values]`` as one line."""
        return f"{self.operator} {self.key} {list(self.values)}"




@dataclass(frozen=True)
class _Operator:
    name: str
    family: str
    test: str
    negated: bool


_OPERATORS: dict[str, _Operator] = {
    op.name.lower(): op
    for op in (
        _Operator("StringEquals", "string", "eq", False),
        _Operator("StringNotEquals", "string", "eq", True),
        _Operator("StringEqualsIgnoreCase", "string", "eq_ic", False),
        _Operator("StringNotEqualsIgnoreCase", "string", "eq_ic", True),
        _Operator("StringLike", "string", "like", False),
        _Operator("StringNotLike", "string", "like", True),
        _Operator("ArnEquals", "arn", "like", False),
        _Operator("ArnLike", "arn", "like", False),
        _Operator("ArnNotEquals", "arn", "like", True),
        _Operator("ArnNotLike", "arn", "like", True),
        _Operator("NumericEquals", "numeric", "eq", False),
        _Operator("NumericNotEquals", "numeric", "eq", True),
        _Operator("NumericLessThan", "numeric", "lt", False),
        _Operator("NumericLessThanEquals", "numeric", "le", False),
        _Operator("NumericGreaterThan", "numeric", "gt", False),
        _Operator("NumericGreaterThanEquals", "numeric", "ge", False),
        _Operator("DateEquals", "date", "eq", False),
        _Operator("DateNotEquals", "date", "eq", True),
        _Operator("DateLessThan", "date", "lt", False),
        _Operator("DateLessThanEquals", "date", "le", False),
        _Operator("DateGreaterThan", "date", "gt", False),
        _Operator("DateGreaterThanEquals", "date", "ge", False),
        _Operator("Bool", "bool", "eq", False),
        _Operator("BinaryEquals", "binary", "eq", False),
        _Operator("IpAddress", "ip", "in", False),
        _Operator("NotIpAddress", "ip", "in", True),
        _Operator("Null", "null", "null", False),
    )
}

_QUALIFIERS = {"forallvalues": "ForAllValues", "foranyvalue": "ForAnyValue"}


def _parse_operator(text: str) -> tuple[str | None, _Operator, bool]:
    """``[ForAllValues:|ForAnyValue:]Operator[IfExists]`` (names matched case-insensitively)."""
    qualifier = None
    rest = text
    if ":" in text:
        prefix, rest = text.split(":", 1)
        qualifier = _QUALIFIERS.get(prefix.lower())
        if qualifier is None:
            raise PolicyError(f"unknown condition set qualifier in {text!r}")
    lowered = rest.lower()
    if_exists = False
    if lowered.endswith("ifexists") and lowered != "ifexists":
        if_exists = True
        lowered = lowered[: -len("ifexists")]
    op = _OPERATORS.get(lowered)
    if op is None or (if_exists and op.family == "null"):
        raise PolicyError(f"unknown condition operator {text!r}")
    return qualifier, op, if_exists


def _compare(test: str, left: Any, right: Any) -> bool:
    if test == "eq":
        return bool(left == right)
    if test == "lt":
        return bool(left < right)
    if test == "le":
        return bool(left <= right)
    if test == "gt":
        return bool(left > right)
    return bool(left >= right)


def _number(text: str) -> Decimal | None:
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


_EPOCH = re.compile(r"^-?\d+(\.\d+)?$")


def _date(text: str) -> datetime | None:
    """ISO 8601 (``Z`` or offset; naive means UTC) or epoch seconds."""
    text = text.strip()
    if _EPOCH.match(text):
        return datetime.fromtimestamp(float(text), tz=timezone.utc)
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _b64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def _policy_value_str(value: Any) -> str:
    if isinstance(value, Mapping | list):
        raise PolicyError(f"condition values must be strings, numbers or booleans: {value!r}")
    return scalar_str(value)


class _ValueTest:
    """Positive test of one context value against one policy value for an operator."""

    def __init__(self, op: _Operator, raw: str, ctx: RequestContext, variables: bool):
        self.op = op
        self.raw = raw
        self.pieces: Pieces | None = None
        self.parsed: Any = None
        family = op.family
        if family in ("string", "arn", "bool"):
            self.pieces = substitute(raw, ctx, variables)
        elif family == "numeric":
            self.parsed = _number(raw)
            if self.parsed is None:
                raise PolicyError(f"{op.name} value {raw!r} is not a number")
        elif family == "date":
            self.parsed = _date(raw)
            if self.parsed is None:
                raise PolicyError(f"{op.name} value {raw!r} is not a date")
        elif family == "ip":
            try:
                self.parsed = ipaddress.ip_network(raw.strip(), strict=False)
            except ValueError as exc:
                raise PolicyError(f"{op.name} value {raw!r} is not an IP range") from exc
        elif family == "binary":
            self.parsed = _b64(raw)
            if self.parsed is None:
                raise PolicyError(f"{op.name} value {raw!r} is not base64")

    def matches(self, value: str) -> bool:
        op = self.op
        if op.family in ("string", "arn", "bool"):
            if self.pieces is None:  # a variable with no value: nothing is equal to or like it
                return False
            if op.family == "arn":
                return arn_matches(self.pieces, value)
            if op.family == "bool":
                return pieces_text(self.pieces).lower() == value.lower()
            if op.test == "eq":
                return pieces_text(self.pieces) == value
            if op.test == "eq_ic":
                return pieces_text(self.pieces).casefold() == value.casefold()
            return pieces_regex(self.pieces, arn=False).fullmatch(value) is not None
        if op.family == "numeric":
            number = _number(value)
            return number is not None and _compare(op.test, number, self.parsed)
        if op.family == "date":
            moment = _date(value)
            return moment is not None and _compare(op.test, moment, self.parsed)
        if op.family == "ip":
            try:
                address = ipaddress.ip_address(value.strip())
            except ValueError:
                return False
            return bool(address in self.parsed)
        return bool(_b64(value) == self.parsed)  # binary


def evaluate_condition(
    op_text: str, key: str, raw_values: Any, ctx: RequestContext, variables: bool
) -> ConditionResult:
    qualifier, op, if_exists = _parse_operator(op_text)
    values = tuple(_policy_value_str(v) for v in as_list(raw_values))
    found = ctx.values_of(key)
    present = bool(found)

    def result(passed: bool, reason: str) -> ConditionResult:
        return ConditionResult(op_text, key, values, found, passed, reason)

    if op.family == "null":
        wanted = {v.lower() for v in values}
        passed = ("true" in wanted and not present) or ("false" in wanted and present)
        return result(passed, "key is present" if present else "key is absent or empty")

    if not present:
        missing = "key is missing" if found is None else "key is empty"
        if qualifier == "ForAllValues":
            return result(True, f"{missing}: ForAllValues is true for no values")
        if qualifier == "ForAnyValue":  # IfExists or not: see the choices in assume.iam
            return result(False, f"{missing}: ForAnyValue is false for no values")
        if if_exists:
            return result(True, f"{missing}: IfExists makes the condition true")
        if op.negated:
            return result(True, f"{missing}: a negated operator matches a missing key")
        return result(False, missing)

    assert found is not None
    if qualifier is None and is_multivalued(key, found):
        # "Multivalued context keys require a condition set operator." (IAM UG "Single-valued
        # vs. multivalued context keys"): without one the condition never holds.
        return result(False, "a multivalued key needs ForAllValues or ForAnyValue")
    tests = [_ValueTest(op, raw, ctx, variables) for raw in values]

    def positive(value: str) -> bool:
        return any(t.matches(value) for t in tests)

    def single(value: str) -> bool:
        return not positive(value) if op.negated else positive(value)

    if qualifier == "ForAllValues":
        failing = [v for v in found if not single(v)]
        if failing:
            return result(False, f"value {failing[0]!r} does not satisfy {op.name}")
        return result(True, f"every value satisfies {op.name}")
    if qualifier == "ForAnyValue":
        passing = [v for v in found if single(v)]
        if passing:
            return result(True, f"value {passing[0]!r} satisfies {op.name}")
        return result(False, f"no value satisfies {op.name}")
    hit = next((v for v in found if positive(v)), None)
    if op.negated:
        if hit is None:
            return result(True, "no policy value matches")
        return result(False, f"value {hit!r} matches a listed value")
    if hit is None:
        return result(False, "no policy value matches")
    return result(True, f"value {hit!r} matches")
