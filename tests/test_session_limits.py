"""How long a session can last at one hop, which limit binds, and the advice given."""

from __future__ import annotations

from assume.session_limits import mfa_session_length, role_session_length


def test_the_roles_max_session_duration_binds_and_its_owner_can_raise_it() -> None:
    """STS API "AssumeRole": DurationSeconds ranges "up to the maximum session duration set
    for the role"."""
    length = role_session_length(7200, chained=False, role_max=3600, role_max_known=True,
                                 role_name="Deploy")
    assert length.binding.name == "role-max-session-duration" and length.maximum == 3600
    assert length.fits is False
    assert "update-role --role-name Deploy --max-session-duration" in length.advice
    assert length.console_max == 43200


def test_role_chaining_caps_at_one_hour_even_when_the_role_allows_more() -> None:
    """IAM UG: "Role chaining limits your AWS CLI or AWS API role session to a maximum of one
    hour." The console's session from chained credentials is one hour too."""
    length = role_session_length(7200, chained=True, role_max=43200, role_max_known=True,
                                 role_name="Deploy")
    assert length.binding.name == "chained-role" and length.maximum == 3600
    assert not length.fits and length.console_max == 3600
    assert "assume exec --server" in length.advice


def test_on_a_tie_the_chaining_cap_binds() -> None:
    length = role_session_length(None, chained=True, role_max=3600, role_max_known=True,
                                 role_name="Deploy")
    assert length.binding.name == "chained-role" and length.fits


def test_an_unread_max_session_duration_is_assumed_at_one_hour_and_said_so() -> None:
    length = role_session_length(7200, chained=False, role_max=None, role_max_known=False,
                                 role_name="Deploy")
    limit = length.binding
    assert limit.name == "role-max-session-duration" and limit.assumed and limit.seconds == 3600
    assert length.fits  # nothing read refuses it: AWS will say
    assert "may be over" in length.advice and "owner can tell you" in length.advice


def test_the_mfa_session_has_its_own_limit() -> None:
    """STS API "GetSessionToken": 36 hours for an IAM user, one hour for the root user."""
    assert mfa_session_length(None).requested == 43200
    assert mfa_session_length(200000).fits is False
    assert mfa_session_length(7200, root=True).maximum == 3600
    assert mfa_session_length(129600).fits
