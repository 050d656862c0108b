"""Freshness on a clock that may be wrong: the skew STS's Date header shows, a session expired
on arrival, and a clock that has gone back since a session was fetched."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any

import pytest

from assume.errors import AssumeError
from assume.freshness import (
    CLOCK_STEP_BACK,
    clock_skew,
    is_fresh,
    on_this_clock,
    skew_warning,
)
from assume.models import Credentials
from assume.sts import session_from

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)


def fetched(at: datetime, lifetime: int = 3600) -> Credentials:
    return Credentials("ASIA", "s", "t", at + timedelta(seconds=lifetime), lifetime)


def response(expiration: datetime, date: datetime | None) -> dict[str, Any]:
    headers = {"date": format_datetime(date, usegmt=True)} if date else {}
    return {
        "Credentials": {"AccessKeyId": "ASIA", "SecretAccessKey": "s", "SessionToken": "t",
                        "Expiration": expiration},
        "ResponseMetadata": {"HTTPHeaders": headers},
    }


@pytest.mark.parametrize(("back", "fresh"), [
    (0, True), (CLOCK_STEP_BACK, True), (CLOCK_STEP_BACK + 1, False), (7200, False)])
def test_a_clock_gone_back_since_the_fetch_is_not_trusted_with_the_expiry(
    back: int, fresh: bool
) -> None:
    assert is_fresh(fetched(NOW), NOW - timedelta(seconds=back)) is fresh


def test_small_disagreements_with_sts_are_ignored() -> None:
    assert clock_skew(None, NOW) == 0
    assert clock_skew(NOW + timedelta(seconds=59), NOW) == 0
    assert clock_skew(NOW + 2 * HOUR, NOW) == 7200
    assert clock_skew(NOW - 2 * HOUR, NOW) == -7200


def test_expiry_moves_onto_this_clock() -> None:
    issued = Credentials("ASIA", "s", "t", NOW + 3 * HOUR)  # STS two hours ahead of us
    moved = on_this_clock(issued, 7200, NOW)
    assert moved.expiration == NOW + HOUR
    assert moved.lifetime == 3600


@pytest.mark.parametrize(("skew", "words"), [
    (7200, "2h 00m behind"), (-600, "10m ahead of"), (-5400, "1h 30m ahead of")])
def test_skew_warning_says_how_far_and_which_way(skew: float, words: str) -> None:
    assert words in skew_warning(skew)


def test_sts_answer_with_a_date_header_is_read_on_sts_clock() -> None:
    local = datetime.now(timezone.utc)
    server = local + 2 * HOUR
    credentials, skew = session_from(response(server + HOUR, server))
    assert abs(skew - 7200) < 5
    assert credentials.expiration is not None
    assert abs((credentials.expiration - (local + HOUR)).total_seconds()) < 5
    assert credentials.lifetime is not None and 3590 < credentials.lifetime <= 3600


@pytest.mark.parametrize("date_offset", [None, timedelta(0), -2 * HOUR, 2 * HOUR])
def test_a_session_expired_by_sts_clock_is_refused(date_offset: timedelta | None) -> None:
    local = datetime.now(timezone.utc)
    server = local + date_offset if date_offset is not None else None
    expired = (server or local) - timedelta(minutes=1)
    with pytest.raises(AssumeError, match="already expired"):
        session_from(response(expired, server))
