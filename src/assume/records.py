"""`Record`: typing.NamedTuple's class syntax without importing `typing` at run time.

The cache-hit path builds its data types on every `aws` command; `typing` and the NamedTuple
machinery cost it a few milliseconds. Type checkers see typing.NamedTuple itself; at run time a
`class X(Record)` body becomes a `collections.namedtuple` subclass with the same fields,
defaults, methods and docstring, so `_replace`, `_fields` and tuple behaviour are unchanged.
"""

from __future__ import annotations

from collections import namedtuple

__all__ = ["Record"]

TYPE_CHECKING = False  # typing costs milliseconds on the hit path; mypy still reads the block
if TYPE_CHECKING:
    from typing import NamedTuple as Record
else:

    class _RecordType(type):
        def __new__(mcs, name, bases, namespace):
            if not bases:  # Record itself
                return super().__new__(mcs, name, bases, namespace)
            fields = list(namespace.get("__annotations__", {}))
            defaults = [namespace[field] for field in fields if field in namespace]
            base = namedtuple(name, fields, defaults=defaults, module=namespace["__module__"])
            body = {key: value for key, value in namespace.items()
                    if key not in fields and key != "__annotations__"}
            return type(name, (base,), {**body, "__slots__": ()})

    class Record(metaclass=_RecordType):
        """Base for immutable records declared like typing.NamedTuple."""
