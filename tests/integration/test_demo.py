"""`scripts/demo` shows what assume is for: each step changes the identity, asking again is
served from the keyring, and the user's keys appear only redacted."""

from __future__ import annotations

import os
import re
import subprocess

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.integration


def test_the_demo_hops_identities_serves_a_repeat_from_the_keyring_and_redacts_keys() -> None:
    env = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    result = subprocess.run([str(ROOT / "scripts" / "demo")], env=env, capture_output=True,
                            text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    callers = re.findall(r"^   caller: (\S+)$", out, re.MULTILINE)
    assert callers[:3] == [
        "arn:aws:iam::123456789012:user/alice",
        "arn:aws:sts::123456789012:assumed-role/Role-A/hop",
        "arn:aws:sts::210987654321:assumed-role/Cross-Role/demo",
    ]
    assert "private gnome-keyring" in out
    assert "(0 AssumeRole call(s) to STS: served from the keyring)" in out
    assert "aws_secret_access_key = (redacted)" in out
    assert not re.search(r"AKIA[A-Z0-9]{12}|ASIA[A-Z0-9]{12}", out)  # no key id in full
    assert not re.search(r"[A-Za-z0-9/+]{40}", out)  # nor a secret access key
    assert "SecretAccessKey': '(redacted)'" in out
