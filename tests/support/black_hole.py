"""An endpoint that accepts TCP connections and never answers: a hung STS for deadline tests."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress


class BlackHole:
    """Accepts every connection on 127.0.0.1, reads nothing, answers nothing; counts them."""

    def __init__(self) -> None:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.connections: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:  # closed
                return
            self.connections.append(connection)  # kept open: the client waits for an answer

    def close(self) -> None:
        with suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        self.listener.close()
        for connection in self.connections:
            connection.close()


@contextmanager
def black_hole() -> Iterator[BlackHole]:
    """A running BlackHole, closed afterwards."""
    hole = BlackHole()
    hole._thread.start()
    try:
        yield hole
    finally:
        hole.close()
