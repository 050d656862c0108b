"""MFA codes: from --mfa-token, a configured `mfa_process` command, or the terminal (never
stdout); a clear error when none of them can answer."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys

from assume import validation
from assume.errors import MfaError

NO_TERMINAL_HINT = "Pass --mfa-token CODE, or set mfa_process in the profile."


class MfaPrompter:
    """Gives MFA codes: a code passed on the command line once, `mfa_process`, the terminal
    (unless `terminal` is False: the credentials endpoint never prompts)."""

    def __init__(
        self, token_code: str | None = None, processes: dict[str, str] | None = None,
        *, terminal: bool = True,
    ) -> None:
        self._token_code = validation.check_token_code(token_code) if token_code else None
        self._processes = processes or {}
        self._terminal = terminal

    def __call__(self, serial: str, reason: str = "") -> str:
        if self._token_code:
            code, self._token_code = self._token_code, None
            return code
        command = self._processes.get(serial)
        if command:
            return run_mfa_process(command)
        if not self._terminal:
            raise MfaError(f"An MFA code is needed for {serial} and nobody can be asked for it "
                           "here.", "Run `assume TARGET...` in a terminal to enter a code; "
                           "the cached session is picked up from there.")
        label = f"MFA code for {serial}" + (f" ({reason})" if reason else "")
        return validation.check_token_code(read_from_terminal(f"{label}: ").strip())


def run_mfa_process(command: str) -> str:
    """Run the configured command; its stdout's last line is the code."""
    try:
        result = subprocess.run(shlex.split(command, posix=os.name != "nt"),
                                capture_output=True, text=True,
                                timeout=60, check=False)
    except (OSError, ValueError, subprocess.TimeoutExpired) as exc:
        raise MfaError(f"mfa_process failed to run: {exc}.") from None
    if result.returncode != 0:
        raise MfaError(f"mfa_process exited with status {result.returncode}.")
    lines = result.stdout.strip().splitlines()
    return validation.check_token_code(lines[-1].strip() if lines else "")


def read_from_terminal(prompt: str) -> str:
    """Prompt on the controlling terminal, so it works inside `eval "$(...)"`."""
    if os.environ.get("ASSUME_NO_TTY"):
        raise MfaError("An MFA code is needed and there is no terminal to ask on.",
                       NO_TERMINAL_HINT)
    if os.name == "posix":
        try:
            fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
            with os.fdopen(fd, "r+b", buffering=0) as tty:  # a tty cannot seek: no text layer
                tty.write(prompt.encode())
                answer = tty.readline().decode("utf-8", "replace")
        except OSError:
            answer = ""
        if answer:
            return answer
        raise MfaError("An MFA code is needed and there is no terminal to ask on.",
                       NO_TERMINAL_HINT)
    if not sys.stdin.isatty():
        raise MfaError("An MFA code is needed and there is no terminal to ask on.",
                       NO_TERMINAL_HINT)
    import click

    return str(click.prompt(prompt.rstrip(": "), err=True))
