"""assume: assume AWS IAM roles, cache sessions in the OS keyring, hand them to any tool."""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs milliseconds on the hit path; mypy still reads the block
if TYPE_CHECKING:
    from typing import Any

__version__ = "0.1.0"
__all__ = ["__version__", "credentials", "session"]


def __getattr__(name: str) -> Any:
    # The Python API pulls in boto3; load it only when a script asks for it.
    if name in ("session", "credentials"):
        from assume import api

        return getattr(api, name)
    raise AttributeError(f"module 'assume' has no attribute {name!r}")
