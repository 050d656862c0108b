"""When credentials may still be handed out, by this machine's clock.

botocore refreshes `credential_process` credentials when fewer than 15 minutes are left
(advisory) and insists on it under 10 minutes (mandatory). Handing out credentials inside
that window would make every SDK call run `assume` again, so cached entries stop being used
before it.

This machine's clock may be wrong. A session's expiry is moved onto this clock when it
arrives, by the skew STS's `Date` header shows, so both the cache and the SDKs that read the
printed expiry (on the same clock) stop using it when STS would. A clock that has gone back
since a session was fetched cannot be trusted with its expiry: such an entry is not handed out.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from assume.models import Credentials

REFRESH_WINDOW = 15 * 60  # seconds: botocore's advisory refresh window
MANDATORY_WINDOW = 10 * 60  # seconds: botocore's mandatory refresh window
MAX_SESSION = 36 * 3600  # seconds: GetSessionToken's longest session; AssumeRole's is 12 h
CLOCK_SKEW_TOLERANCE = 60  # seconds of disagreement with STS's clock that are ignored
CLOCK_SKEW_WARNING = 5 * 60  # seconds: a skew past this is told (SigV4 itself allows 5 min)
CLOCK_STEP_BACK = 5 * 60  # seconds the clock may go back past a session's fetch time


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


def is_fresh(credentials: Credentials | None, now: datetime) -> bool:
    """True when the credentials can be handed out now: enough time left, and a clock that has
    not gone back since they were fetched (`lifetime` seconds before their expiry)."""
    if credentials is None:
        return False
    left = credentials.seconds_left(now)
    if left is None:
        return True
    if credentials.lifetime is not None and left > credentials.lifetime + CLOCK_STEP_BACK:
        return False
    if left > MAX_SESSION + CLOCK_STEP_BACK:
        return False  # no real session lasts this long: a damaged or forged entry
    return left > refresh_window(credentials.lifetime)


def clock_skew(server_now: datetime | None, now: datetime) -> float:
    """Seconds STS's clock is ahead of this one (negative: behind); 0 without a server time
    or within CLOCK_SKEW_TOLERANCE (a Date header has whole seconds, and the answer travels)."""
    if server_now is None:
        return 0.0
    skew = (server_now - now).total_seconds()
    return skew if abs(skew) > CLOCK_SKEW_TOLERANCE else 0.0


def on_this_clock(credentials: Credentials, skew: float, now: datetime) -> Credentials:
    """Credentials just issued, their expiry moved onto this clock and their lifetime set."""
    if credentials.expiration is None:
        return credentials
    expiration = credentials.expiration - timedelta(seconds=skew)
    lifetime = max(0, int((expiration - now).total_seconds()))
    return credentials._replace(expiration=expiration, lifetime=lifetime)


def skew_warning(skew: float) -> str:
    """One line saying how far this clock is off STS's, and what is done about it."""
    minutes = round(abs(skew) / 60)
    size = f"{minutes // 60}h {minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m"
    direction = "behind" if skew > 0 else "ahead of"
    return (
        f"this machine's clock is {size} {direction} STS's; session expiry times are shown "
        "on this clock. Set the clock right (NTP)."
    )
