"""When cached credentials may still be handed out.

botocore refreshes `credential_process` credentials when fewer than 15 minutes are left
(advisory) and insists on it under 10 minutes (mandatory). Handing out credentials inside
that window would make every SDK call run `assume` again, so cached entries stop being used
before it.
"""

from __future__ import annotations

import os
from datetime import datetime

from assume.models import Credentials

REFRESH_WINDOW = 15 * 60  # seconds: botocore's advisory refresh window
MANDATORY_WINDOW = 10 * 60  # seconds: botocore's mandatory refresh window
MAX_SESSION = 36 * 3600  # seconds: GetSessionToken's longest session; AssumeRole's is 12 h
CLOCK_SLACK = 15 * 60  # seconds: how far a session may seem to outlive its lifetime


def refresh_window(lifetime: int | None) -> int:
    """Seconds before expiry at which a cached entry is no longer handed out.

    ASSUME_REFRESH_WINDOW overrides. A short session (900 s) would be inside the advisory
    window from birth, so it gets half its life, but never less than the mandatory window.
    """
    configured = os.environ.get("ASSUME_REFRESH_WINDOW")
    if configured and configured.isdigit():
        return int(configured)
    if lifetime is None:
        return REFRESH_WINDOW
    return min(REFRESH_WINDOW, max(MANDATORY_WINDOW, lifetime // 2))


def is_plausible(left: float, lifetime: int | None) -> bool:
    """False for a session that would outlive any real one, or its own stated lifetime:
    a damaged or forged entry, never to be served."""
    longest = MAX_SESSION if lifetime is None else min(lifetime, MAX_SESSION)
    return left <= longest + CLOCK_SLACK


def is_fresh(credentials: Credentials | None, now: datetime) -> bool:
    """True when the credentials can be handed out now."""
    if credentials is None:
        return False
    left = credentials.seconds_left(now)
    if left is None:
        return True
    return is_plausible(left, credentials.lifetime) and left > refresh_window(
        credentials.lifetime)
