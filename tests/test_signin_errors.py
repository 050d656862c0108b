"""Sources that need a sign-in first fail with one line naming the command that fixes it."""

from __future__ import annotations

import botocore.exceptions as errors
import pytest

from assume.errors import SourceCredentialsError
from assume.models import Credentials, Source
from assume.sts import _translate

DEV = Source("profile", "sso-dev", "profile:sso-dev")


@pytest.mark.parametrize("exc", [
    errors.SSOTokenLoadError(error_msg="Token for corp does not exist"),
    errors.UnauthorizedSSOTokenError(),
    errors.TokenRetrievalError(provider="sso", error_msg="Token has expired and refresh failed"),
])
def test_sso_errors_name_aws_sso_login_for_the_profile(exc: Exception) -> None:
    translated = _translate(exc, DEV)
    assert isinstance(translated, SourceCredentialsError)
    assert str(translated).endswith("Run: aws sso login --profile sso-dev")


def test_default_profile_needs_no_profile_option() -> None:
    translated = _translate(errors.UnauthorizedSSOTokenError(),
                            Source("profile", "default", "profile:default"))
    assert str(translated).endswith("Run: aws sso login")


@pytest.mark.skipif(not hasattr(errors, "LoginError"), reason="botocore without aws login")
def test_login_errors_name_aws_login_for_the_profile() -> None:
    me = Source("profile", "me", "profile:me")
    for exc in (errors.LoginRefreshRequired(),
                errors.LoginTokenLoadError(error_msg="Please reauthenticate")):
        assert str(_translate(exc, me)).endswith("Run: aws login --profile me")


def test_login_without_the_crt_extra_says_what_to_install() -> None:
    exc = errors.MissingDependencyException(msg="Using the login credential provider requires "
                                            "an additional dependency.")
    translated = _translate(exc, Source("profile", "me", "profile:me"))
    assert isinstance(translated, SourceCredentialsError)
    assert "botocore[crt]" in str(translated)


def test_a_missing_token_file_names_the_file() -> None:
    exc = FileNotFoundError(2, "No such file or directory", "/run/oidc/token")
    translated = _translate(exc, Source("profile", "ci", "profile:ci"))
    assert isinstance(translated, SourceCredentialsError)
    assert "/run/oidc/token" in str(translated)


def test_other_token_providers_are_not_called_sso() -> None:
    exc = errors.TokenRetrievalError(provider="other", error_msg="no")
    assert "sso" not in str(_translate(exc, Credentials("A", "B", "C")))
