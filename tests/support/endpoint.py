"""Drive `assume serve` in a subprocess and talk to its endpoint with raw HTTP, and run
programs under libfaketime with a clock the test can move."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

URI = "AWS_CONTAINER_CREDENTIALS_FULL_URI"
TOKEN = "AWS_CONTAINER_AUTHORIZATION_TOKEN"
LIBFAKETIME = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1")


@dataclass
class Endpoint:
    """A running `assume serve`: its process, URL and token."""

    process: subprocess.Popen[str]
    url: str
    token: str

    @property
    def port(self) -> int:
        return int(urlsplit(self.url).port or 0)

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    def request(
        self, headers: dict[str, str] | None = None, *, method: str = "GET",
        path: str | None = None, address: str = "127.0.0.1",
    ) -> tuple[int, bytes]:
        """Status and body of one request with exactly these headers (Host included if given)."""
        connection = http.client.HTTPConnection(address, self.port, timeout=30)
        try:
            connection.request(method, path or self.path, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def credentials(self) -> dict[str, str]:
        """The JSON document, asked for as an SDK does."""
        status, body = self.request({"Authorization": self.token})
        assert status == 200, body
        return dict(json.loads(body))

    def stop(self) -> tuple[int, str]:
        """SIGINT, as Ctrl-C would; the exit code and everything it wrote on stderr."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        _, stderr = self.process.communicate(timeout=30)
        return self.process.returncode, stderr


@contextmanager
def serving(*args: str, env: dict[str, str] | None = None) -> Iterator[Endpoint]:
    """`assume serve ARGS --format json` until the block ends."""
    process = subprocess.Popen(
        [sys.executable, "-m", "assume", "serve", *args, "--format", "json"],
        env={**os.environ, **(env or {})}, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert process.stdout is not None
    lines: list[str] = []
    while not lines or lines[-1].rstrip() != "}":
        line = process.stdout.readline()
        if not line:
            _, stderr = process.communicate(timeout=30)
            raise AssertionError(f"assume serve printed no endpoint: {stderr}")
        lines.append(line)
    values = json.loads("".join(lines))
    endpoint = Endpoint(process, values[URI], values[TOKEN])
    try:
        yield endpoint
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=30)


def faketime_environment(offset_file: Path, offset: str = "+0") -> dict[str, str]:
    """libfaketime for a process and its children, its offset read from `offset_file` on every
    clock call (write `+50m` to it to move time). Monotonic time stays real: Python's timed
    waits hang when it jumps."""
    offset_file.write_text(offset + "\n")
    return {
        "LD_PRELOAD": str(LIBFAKETIME),
        "FAKETIME_TIMESTAMP_FILE": str(offset_file),
        "FAKETIME_NO_CACHE": "1",
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",
    }
