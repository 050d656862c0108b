"""`Record` behaves as typing.NamedTuple does for every use the code makes of it."""

from __future__ import annotations

import pickle

from assume.models import Credentials, Hop
from assume.records import Record


class Point(Record):
    """A point."""

    x: int
    y: int = 0
    label: str | None = None

    def norm(self) -> int:
        return abs(self.x) + abs(self.y)


def test_fields_defaults_methods_and_docstring_survive() -> None:
    point = Point(3, -4)
    assert point == (3, -4, None)
    assert Point._fields == ("x", "y", "label")
    assert point.norm() == 7 and point.label is None
    assert point._replace(y=1) == Point(3, 1)
    assert Point.__doc__ == "A point."
    assert isinstance(point, tuple)


def test_the_domain_records_hash_compare_and_pickle() -> None:
    hop = Hop(role="arn:aws:iam::123456789012:role/A")
    assert hop == Hop(role="arn:aws:iam::123456789012:role/A") and hash(hop)
    assert pickle.loads(pickle.dumps(hop)) == hop
    creds = Credentials("AKIA", "secret", "token")
    assert "secret" not in repr(creds) and "token" not in repr(creds)
