"""Newer credential sources as the first hop's source, resolved by botocore: an IAM Identity
Center profile (a fake portal reached via AWS_ENDPOINT_URL_SSO, with the token file
`aws sso login` writes), a `login_session` profile (`aws login`'s cache), and a
`web_identity_token_file` profile (moto's AssumeRoleWithWebIdentity); each one's expired or
missing state is one line that names the command to run."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.conftest import run_assume
from tests.support import aws_world
from tests.support.signin_service import ExpiredSignin
from tests.support.sso_portal import SsoPortal, write_token
from tests.support.sts_server import StsServer

pytestmark = pytest.mark.integration

ACCOUNT = aws_world.MAIN_ACCOUNT
START_URL = "https://corp.awsapps.com/start"
ROLE_A_SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/Role-A/hop"
SECRET_SERVICE = "keyring.backends.SecretService.Keyring"
FUTURE = (datetime.now(timezone.utc) + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%SZ")
PAST = (datetime.now(timezone.utc) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


def caller(world: aws_world.World, output: str) -> str:
    creds = json.loads(output)
    sts = world.client("sts", key=creds["AccessKeyId"], secret=creds["SecretAccessKey"],
                       token=creds["SessionToken"])
    return str(sts.get_caller_identity()["Arn"])


def one_line_error(result: object, *needles: str) -> None:
    assert result.returncode == 1, result.stderr  # type: ignore[attr-defined]
    assert result.stdout == ""  # type: ignore[attr-defined]
    err: str = result.stderr  # type: ignore[attr-defined]
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err, err


# --- IAM Identity Center (SSO) -------------------------------------------------------------


def _sso_role_credentials(endpoint: str, name: str) -> dict[str, object]:
    """What the portal hands out for permission set `name`: a moto session of its role."""
    iam = aws_world.admin(endpoint)
    arn = iam.create_role(RoleName=f"AWSReservedSSO_{name}",
                          AssumeRolePolicyDocument=aws_world.trust(f"arn:aws:iam::{ACCOUNT}:root")
                          )["Role"]["Arn"]
    sts = aws_world.admin(endpoint, service="sts")
    return dict(sts.assume_role(RoleArn=arn, RoleSessionName="alice@corp")["Credentials"])


@pytest.fixture
def sso(world: aws_world.World, home: Path, server: StsServer,
        monkeypatch: pytest.MonkeyPatch) -> Iterator[SsoPortal]:
    """Profiles sso-dev and sso-ops (two permission sets of one sso-session), a role profile
    sourced from sso-dev, a valid token from `aws sso login`, and the portal."""
    aws_world.write_config(
        home, world,
        f"[sso-session corp]\nsso_start_url = {START_URL}\nsso_region = us-east-1\n\n"
        f"[profile sso-dev]\nsso_session = corp\nsso_account_id = {ACCOUNT}\n"
        "sso_role_name = Developer\nregion = us-east-1\n\n"
        f"[profile sso-ops]\nsso_session = corp\nsso_account_id = {ACCOUNT}\n"
        "sso_role_name = Ops\nregion = us-east-1\n\n"
        f"[profile dev-admin]\nrole_arn = {world.role_a}\nsource_profile = sso-dev\n"
        "role_session_name = hop\n",
    )
    write_token(home, "corp", "sso-access-token-1", FUTURE, START_URL)
    with SsoPortal() as portal:
        for name in ("Developer", "Ops"):
            portal.grant("sso-access-token-1", ACCOUNT, name,
                         _sso_role_credentials(world.endpoint, name))
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", portal.url)
        server.post("/_assume/calls")  # count only what the test causes
        yield portal


@pytest.mark.usefixtures("no_keyring")
def test_sso_profile_is_the_first_hops_source(
    world: aws_world.World, sso: SsoPortal, server: StsServer
) -> None:
    result = run_assume("--profile", "sso-dev", world.role_a, "--session-name", "hop",
                        "--format", "json")
    assert result.returncode == 0, result.stderr
    assert caller(world, result.stdout) == ROLE_A_SESSION
    assert [(r["role_name"], r["account_id"], r["token"]) for r in sso.requests] == [
        ("Developer", ACCOUNT, "sso-access-token-1")]
    assert server.calls()["AssumeRole"] == 1


@pytest.mark.usefixtures("no_keyring")
def test_sso_profile_as_a_source_profile_in_a_chain(
    world: aws_world.World, sso: SsoPortal
) -> None:
    result = run_assume("dev-admin", "cross", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert caller(world, result.stdout).startswith(
        f"arn:aws:sts::{aws_world.OTHER_ACCOUNT}:assumed-role/Cross-Role/")
    assert len(sso.requests) == 1


@pytest.mark.usefixtures("no_keyring")
@pytest.mark.parametrize("state", ["expired", "missing", "revoked"])
def test_sso_session_that_needs_a_login_names_the_command(
    world: aws_world.World, sso: SsoPortal, home: Path, server: StsServer, state: str
) -> None:
    if state == "expired":
        write_token(home, "corp", "sso-access-token-1", PAST, START_URL)
    elif state == "missing":
        for path in (home / ".aws" / "sso" / "cache").iterdir():
            path.unlink()
    else:  # the portal no longer knows the token
        sso.grants.clear()
    result = run_assume("dev-admin", "--format", "json")
    one_line_error(result, "aws sso login --profile sso-dev")
    assert server.calls().get("AssumeRole", 0) == 0


def test_two_sso_identities_never_share_a_cache_entry(
    world: aws_world.World, sso: SsoPortal, server: StsServer,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", SECRET_SERVICE)
    keys = []
    for profile in ("sso-dev", "sso-ops", "sso-dev"):
        result = run_assume("--profile", profile, world.role_b, "--format", "json")
        assert result.returncode == 0, result.stderr
        keys.append(json.loads(result.stdout)["AccessKeyId"])
    assert keys[0] != keys[1] and keys[0] == keys[2]  # sso-dev's entry served sso-dev again
    assert server.calls()["AssumeRole"] == 2
    run_assume("cache", "clear")


def test_another_sso_login_on_the_same_profile_gets_its_own_cache_entry(
    world: aws_world.World, sso: SsoPortal, server: StsServer, home: Path,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    """`aws sso login` as someone else, same profile name: the cache key follows the
    identity botocore resolved, so the first person's session is never handed out."""
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", SECRET_SERVICE)
    sso.grant("sso-access-token-2", ACCOUNT, "Developer",
              _sso_role_credentials(world.endpoint, "Developer-bob"))
    server.post("/_assume/calls")
    keys = []
    for token in ("sso-access-token-1", "sso-access-token-2"):
        write_token(home, "corp", token, FUTURE, START_URL)
        result = run_assume("--profile", "sso-dev", world.role_b, "--format", "json")
        assert result.returncode == 0, result.stderr
        keys.append(json.loads(result.stdout)["AccessKeyId"])
    run_assume("cache", "clear")
    assert keys[0] != keys[1]
    assert server.calls()["AssumeRole"] == 2


# --- web identity (OIDC, e.g. GitHub Actions) ----------------------------------------------


@pytest.fixture
def web_identity(world: aws_world.World, home: Path) -> Path:
    """Profile `ci` (role CI from an OIDC token file) and `ci-deploy` (Role-A from ci)."""
    iam = aws_world.admin(world.endpoint)
    ci_role = iam.create_role(RoleName="CI", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
                       "Principal": {"Federated": "token.actions.githubusercontent.com"}}],
    }))["Role"]["Arn"]
    token = home / "oidc-token"
    token.write_text("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOmNvcnAvYXBwIn0.c2ln")
    aws_world.write_config(
        home, world,
        f"[profile ci]\nrole_arn = {ci_role}\nweb_identity_token_file = {token}\n"
        "role_session_name = gha-run\nregion = us-east-1\n\n"
        f"[profile ci-deploy]\nrole_arn = {world.role_a}\nsource_profile = ci\n"
        "role_session_name = hop\n",
    )
    return token


@pytest.mark.usefixtures("no_keyring")
def test_web_identity_profile_is_the_first_hops_source(
    world: aws_world.World, web_identity: Path, server: StsServer
) -> None:
    result = run_assume("ci-deploy", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert caller(world, result.stdout) == ROLE_A_SESSION
    assert server.calls()["AssumeRoleWithWebIdentity"] == 1
    assert server.last("AssumeRoleWithWebIdentity")["RoleSessionName"] == "gha-run"
    assert server.calls()["AssumeRole"] == 1
    by_option = run_assume("--profile", "ci", world.role_b, "--format", "json")
    assert by_option.returncode == 0, by_option.stderr


@pytest.mark.usefixtures("no_keyring")
def test_missing_web_identity_token_file_is_one_line(
    world: aws_world.World, web_identity: Path, server: StsServer
) -> None:
    web_identity.unlink()
    one_line_error(run_assume("ci-deploy", "--format", "json"), str(web_identity))
    assert server.calls().get("AssumeRole", 0) == 0


# --- login_session (`aws login`, AWS CLI 2.32+) --------------------------------------------


def _dpop_key_pem() -> str:
    """A fresh P-256 private key in the PEM form `aws login` caches (botocore signs the
    refresh request with it)."""
    from awscrt.crypto import EC, ECExportFormat, ECType

    der = EC.new_generate(ECType.P_256).export_key(ECExportFormat.SEC1)
    return ("-----BEGIN EC PRIVATE KEY-----\n" + base64.b64encode(der).decode()
            + "\n-----END EC PRIVATE KEY-----\n")


def _login_cache(home: Path, session: str) -> Path:
    """Where botocore's LoginProvider reads an `aws login` session: sha256 of its name."""
    folder = home / ".aws" / "login" / "cache"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{hashlib.sha256(session.encode()).hexdigest()}.json"


@pytest.fixture
def login_session(world: aws_world.World, home: Path) -> Path:
    """Profile `me` with login_session, its cached session (long-term keys of a moto user
    stand in for the console-issued ones: the suite scans the disk for moto's temporary
    secrets), and `me-admin` (Role-A from me)."""
    pytest.importorskip("awscrt", reason="botocore needs its CRT extra for login_session")
    iam = aws_world.admin(world.endpoint)
    iam.create_user(UserName="console-user")
    key = iam.create_access_key(UserName="console-user")["AccessKey"]
    session = f"arn:aws:iam::{ACCOUNT}:user/console-user"
    cache = _login_cache(home, session)
    cache.write_text(json.dumps({
        "accessToken": {"accessKeyId": key["AccessKeyId"],
                        "secretAccessKey": key["SecretAccessKey"],
                        "sessionToken": "login-session-token", "accountId": ACCOUNT,
                        "expiresAt": FUTURE},
        "refreshToken": "login-refresh-token", "clientId": "arn:aws:signin:::devtools/same-device",
        "dpopKey": _dpop_key_pem(),
        "idToken": "x", "tokenType": "aws_sigv4",
    }))
    aws_world.write_config(
        home, world,
        f"[profile me]\nlogin_session = {session}\nregion = us-east-1\n\n"
        f"[profile me-admin]\nrole_arn = {world.role_a}\nsource_profile = me\n"
        "role_session_name = hop\n",
    )
    return cache


@pytest.mark.usefixtures("no_keyring")
def test_login_session_profile_is_the_first_hops_source(
    world: aws_world.World, login_session: Path, server: StsServer
) -> None:
    whoami = run_assume("whoami", "--profile", "me", "--json")
    assert whoami.returncode == 0, whoami.stderr
    assert json.loads(whoami.stdout)["arn"] == f"arn:aws:iam::{ACCOUNT}:user/console-user"
    result = run_assume("me-admin", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert caller(world, result.stdout) == ROLE_A_SESSION


@pytest.mark.usefixtures("no_keyring")
@pytest.mark.parametrize("state", ["expired", "missing"])
def test_login_session_that_needs_a_login_names_the_command(
    world: aws_world.World, login_session: Path, server: StsServer, state: str
) -> None:
    if state == "missing":
        login_session.unlink()
    else:  # expired, and the sign-in service refuses to refresh it
        document = json.loads(login_session.read_text())
        document["accessToken"]["expiresAt"] = PAST
        login_session.write_text(json.dumps(document))
    with ExpiredSignin() as signin:
        result = run_assume("me-admin", "--format", "json",
                            env={"AWS_ENDPOINT_URL_SIGNIN": signin.url})
    one_line_error(result, "aws login --profile me")
    assert server.calls().get("AssumeRole", 0) == 0
    assert signin.paths == (["/v1/token"] if state == "expired" else [])


@pytest.mark.usefixtures("no_keyring")
def test_web_identity_profile_as_target_says_to_use_it_as_the_source(
    world: aws_world.World, web_identity: Path, server: StsServer
) -> None:
    result = run_assume("ci", "--format", "json")
    assert result.returncode == 2
    assert result.stdout == "" and len(result.stderr.strip().splitlines()) == 1
    assert "--profile ci" in result.stderr and "Traceback" not in result.stderr
    assert server.calls().get("AssumeRoleWithWebIdentity", 0) == 0
