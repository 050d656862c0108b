"""Ask for an MFA code on the terminal (never stdout), or fail clearly when there is none."""

from __future__ import annotations

import os
import sys

from assume import validation
from assume.errors import MfaError


class MfaPrompter:
    """Gives MFA codes: a code passed on the command line once, then the terminal."""

    def __init__(self, token_code: str | None = None, interactive: bool = True) -> None:
        self._token_code = validation.check_token_code(token_code) if token_code else None
        self._interactive = interactive

    def __call__(self, serial: str, reason: str = "") -> str:
        if self._token_code:
            code, self._token_code = self._token_code, None
            return code
        if not self._interactive:
            raise MfaError(
                f"An MFA code is needed for {serial} and there is no terminal to ask on.",
                "Pass --mfa-token CODE.",
            )
        label = f"MFA code for {serial}" + (f" ({reason})" if reason else "")
        return validation.check_token_code(read_from_terminal(f"{label}: ").strip())


def read_from_terminal(prompt: str) -> str:
    """Prompt on the controlling terminal, so it works inside `eval "$(...)"`."""
    if os.name == "posix":
        try:
            with open("/dev/tty", "r+", encoding="utf-8") as tty:
                tty.write(prompt)
                tty.flush()
                answer = tty.readline()
        except OSError:
            answer = None
        if answer:
            return answer
        raise MfaError("An MFA code is needed and there is no terminal to ask on.",
                       "Pass --mfa-token CODE.")
    if not sys.stdin.isatty():
        raise MfaError("An MFA code is needed and there is no terminal to ask on.",
                       "Pass --mfa-token CODE.")
    import click

    return str(click.prompt(prompt.rstrip(": "), err=True))
