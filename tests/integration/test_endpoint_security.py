"""The credentials endpoint refuses everyone but its client: a running `assume serve`, raw
HTTP requests, and the kernel's own view of the listening socket."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import aws_world
from tests.support.endpoint import Endpoint, serving

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("no_keyring")]


@pytest.fixture
def endpoint(world: aws_world.World) -> Iterator[Endpoint]:
    with serving("Role-A") as running:
        yield running


def test_the_exact_token_and_a_loopback_host_get_the_credentials(endpoint: Endpoint) -> None:
    document = endpoint.credentials()
    assert set(document) >= {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}
    assert document["AccessKeyId"].startswith("ASIA")
    assert document["Expiration"].endswith("Z")


@pytest.mark.parametrize("host", ["localhost", "[::1]"])
def test_every_loopback_spelling_of_the_host_is_accepted(endpoint: Endpoint, host: str) -> None:
    status, _ = endpoint.request({"Authorization": endpoint.token,
                                  "Host": f"{host}:{endpoint.port}"})
    assert status == 200


def test_a_request_without_a_token_gets_401_and_no_body(endpoint: Endpoint) -> None:
    assert endpoint.request() == (401, b"")


@pytest.mark.parametrize("given", ["wrong", "", "Bearer {token}", "{token}x", "{token_prefix}"])
def test_a_request_with_any_other_token_gets_403_and_no_body(
    endpoint: Endpoint, given: str
) -> None:
    value = given.format(token=endpoint.token, token_prefix=endpoint.token[:-1])
    assert endpoint.request({"Authorization": value}) == (403, b"")


@pytest.mark.parametrize("host", ["evil.example:{port}", "evil.example", "127.0.0.1:1",
                                  "localhost.evil.example:{port}", "10.0.0.1:{port}", ""])
def test_a_foreign_host_header_is_refused_even_with_the_token(
    endpoint: Endpoint, host: str
) -> None:
    """A browser page whose name was rebound to 127.0.0.1 sends its own name as Host."""
    headers = {"Authorization": endpoint.token, "Host": host.format(port=endpoint.port)}
    assert endpoint.request(headers) == (403, b"")


def test_other_paths_and_methods_answer_nothing(endpoint: Endpoint) -> None:
    auth = {"Authorization": endpoint.token}
    assert endpoint.request(auth, path="/") == (404, b"")
    assert endpoint.request(auth, method="POST") == (405, b"")
    assert endpoint.request(method="POST") == (401, b"")  # the token is checked first


def listening_addresses(port: int) -> list[str]:
    """Local addresses with a listening TCP socket on `port`, from /proc/net/tcp{,6}."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.partition(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.append(address)
    return found


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux's /proc/net/tcp")
def test_the_socket_listens_on_127_0_0_1_only(endpoint: Endpoint) -> None:
    assert listening_addresses(endpoint.port) == ["0100007F"]  # 127.0.0.1, little-endian
    with pytest.raises(ConnectionRefusedError):  # another loopback address: nobody there
        socket.create_connection(("127.0.0.2", endpoint.port), timeout=5)


def test_nothing_secret_reaches_the_servers_output(endpoint: Endpoint) -> None:
    document = endpoint.credentials()
    endpoint.request({"Authorization": "wrong"})
    code, stderr = endpoint.stop()
    assert code == 0
    for secret in (endpoint.token, document["SecretAccessKey"], document["Token"]):
        assert secret not in stderr


def test_the_token_is_long_and_new_each_time(world: aws_world.World) -> None:
    with serving("Role-A") as first, serving("Role-A") as second:
        tokens = (first.token, second.token)
        assert first.port != second.port
    assert tokens[0] != tokens[1]
    assert all(len(token) >= 43 for token in tokens)  # 32 random bytes, base64url


def test_debug_logs_method_path_and_status_only(world: aws_world.World) -> None:
    with serving("Role-A", "--debug") as endpoint:
        document = endpoint.credentials()
        endpoint.request()
        _, stderr = endpoint.stop()
    assert f"endpoint: GET {endpoint.path} -> 200" in stderr
    assert f"endpoint: GET {endpoint.path} -> 401" in stderr
    for secret in (endpoint.token, document["SecretAccessKey"], document["Token"]):
        assert secret not in stderr
