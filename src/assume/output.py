"""Views for people: a rich table on a terminal, plain tab-separated lines when piped, or JSON."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence


def table(
    title: str, columns: Sequence[str], rows: Sequence[Sequence[str]], *, as_json: bool = False
) -> None:
    """Print rows to stdout in the form that suits where stdout goes."""
    if as_json:
        keys = [column.lower().replace(" ", "_") for column in columns]
        records = [dict(zip(keys, row, strict=True)) for row in rows]
        sys.stdout.write(json.dumps(records, indent=2) + "\n")
        return
    if not sys.stdout.isatty():
        for row in rows:
            sys.stdout.write("\t".join(row) + "\n")
        return
    from rich.console import Console
    from rich.table import Table

    view = Table(title=title)
    for column in columns:
        view.add_column(column)
    for row in rows:
        view.add_row(*row)
    Console().print(view)


def duration_text(seconds: float | None) -> str:
    """`1h 04m`, `12m`, `expired`, or `never` for credentials without expiry."""
    if seconds is None:
        return "never"
    if seconds <= 0:
        return "expired"
    minutes = int(seconds // 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m"
