"""What people see: control characters escaped, echoed input cut short."""

from __future__ import annotations

from assume.output import printable, shown


def test_printable_escapes_c0_c1_del_and_bidi_controls() -> None:
    assert printable("a\x1b[31mb\x07\n\t\r\x7f\x9b\u202e\u2028z") == (
        "a\\x1b[31mb\\x07\\n\\t\\r\\x7f\\x9b\\u202e\\u2028z"
    )


def test_printable_keeps_ordinary_text_of_any_script() -> None:
    assert printable("Rôle-A ロール \\ 'x'") == "Rôle-A ロール \\ 'x'"


def test_shown_cuts_long_input_and_says_how_long_it_was() -> None:
    assert shown("a" * 100) == "a" * 100
    assert shown("a" * 10_000) == "a" * 100 + "... (10000 characters)"
    assert shown("\x1b" * 200, limit=2) == "\\x1b\\x1b... (200 characters)"
