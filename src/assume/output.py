"""Views for people: a rich table on a terminal, plain tab-separated lines when piped, or JSON.

Everything shown to a person passes through `printable` (errors, notes, warnings, table cells),
so a value from a config file, the command line or a server cannot move the cursor, retitle
the window or hide text with terminal escapes. Echoed input is cut short by `shown`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence

ECHO_LIMIT = 100  # characters of a user's input that an error message repeats


def _escape(code: int) -> str:
    named = {0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r"}
    return named.get(code) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


# C0 and C1 controls, DEL, line/paragraph separators and the bidirectional controls that can
# reorder what a terminal shows ("Trojan Source").
_UNSAFE = [*range(0x20), *range(0x7F, 0xA0), 0x061C, 0x200E, 0x200F, 0x2028, 0x2029,
           *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_ESCAPES = {code: _escape(code) for code in _UNSAFE}


def printable(text: str) -> str:
    """`text` with every control character written as an escape (`\\x1b`, `\\n`, ...)."""
    return text.translate(_ESCAPES)


_WARNED: set[str] = set()


def warn_once(message: str, topic: str | None = None) -> None:
    """One `warning:` line on stderr per topic (default: the message) and process, escaped."""
    topic = topic or message
    if topic not in _WARNED:
        _WARNED.add(topic)
        sys.stderr.write(f"warning: {printable(message)}\n")


def shown(value: str, limit: int = ECHO_LIMIT) -> str:
    """A user's input as an error message repeats it: escaped, and cut after `limit` chars."""
    if len(value) <= limit:
        return printable(value)
    return f"{printable(value[:limit])}... ({len(value)} characters)"


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
            sys.stdout.write("\t".join(printable(cell) for cell in row) + "\n")
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    view = Table(title=title)
    for column in columns:
        view.add_column(column)
    for row in rows:
        view.add_row(*(Text(printable(cell)) for cell in row))  # Text: no rich markup either
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
