"""A policy document's grammar: loading JSON, its statements, and the clashes it forbids."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

PolicyInput = Mapping[str, Any] | str
VARIABLES_VERSION = "2012-10-17"


class PolicyError(ValueError):
    """A policy document that cannot be evaluated (bad JSON, missing or clashing elements)."""


def as_list(value: Any) -> list[Any]:
    """A policy element as a list: a single value becomes a one-item list, None an empty one."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def load_policy(policy: PolicyInput) -> Mapping[str, Any]:
    if isinstance(policy, str):
        try:
            loaded = json.loads(policy)
        except json.JSONDecodeError as exc:
            raise PolicyError(f"policy is not valid JSON: {exc.msg} at line {exc.lineno}") from exc
        policy = loaded
    if not isinstance(policy, Mapping):
        raise PolicyError("policy must be a JSON object")
    return policy


def statements_of(doc: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    if "Statement" not in doc:
        raise PolicyError("policy has no Statement")
    statements = as_list(doc["Statement"])
    for stmt in statements:
        if not isinstance(stmt, Mapping):
            raise PolicyError("each Statement must be an object")
    return statements


def either(stmt: Mapping[str, Any], positive: str, negative: str, where: str) -> str | None:
    if positive in stmt and negative in stmt:
        raise PolicyError(f"{where} has both {positive} and {negative}")
    if positive in stmt:
        return positive
    if negative in stmt:
        return negative
    return None
