"""Exceptions raised by `assume`; the CLI turns them into exit codes in one place."""

from __future__ import annotations


def one_line(text: str) -> str:
    """Any whitespace run (newlines included) as one space: error lines stay one line."""
    return " ".join(text.split())


class AssumeError(Exception):
    """A request that failed: AWS said no, no source credentials, the network. Exit code 1."""

    exit_code = 1

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()

    def with_hints(self, hints: tuple[str, ...]) -> AssumeError:
        """This error with more hints after its own (each a sentence, capitalised here)."""
        extra = " ".join(hint[:1].upper() + hint[1:] for hint in hints)
        self.hint = f"{self.hint} {extra}".strip()
        return self


class InputError(AssumeError):
    """Bad usage or bad input, found before any network call. Exit code 2."""

    exit_code = 2


class ConfigError(InputError):
    """The AWS config names something that cannot work (unknown profile, cycle, no role_arn)."""


class AccessDeniedError(AssumeError):
    """STS refused the AssumeRole call."""


class SourceCredentialsError(AssumeError):
    """No credentials to start the chain from."""


class StsTimeoutError(AssumeError):
    """STS did not answer within its deadline (see `deadlines`)."""


class MfaError(AssumeError):
    """An MFA code was needed and could not be had."""


class LockTimeoutError(AssumeError):
    """Another `assume` held the lock for this session too long."""


class CommandError(AssumeError):
    """`assume exec` could not start the command: 127 not found, 126 not executable."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class CacheUnavailableError(Exception):
    """The keyring cannot be used; callers fall back to no cache with a warning."""
