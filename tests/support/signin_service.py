"""A fake AWS Sign-In service (`CreateOAuth2Token`, what refreshes an `aws login` session) on
127.0.0.1, reached via AWS_ENDPOINT_URL_SIGNIN. It refuses every refresh the way the real
service does once the login has expired: AccessDeniedException, error TOKEN_EXPIRED."""

from __future__ import annotations

import json

from tests.support.local_http import LocalHttpServer, QuietHandler


class ExpiredSignin(LocalHttpServer):
    """Counts the refresh attempts it refuses."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        service = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                self.read_body()
                service.paths.append(self.path)
                body = json.dumps({"error": "TOKEN_EXPIRED",
                                   "message": "The refresh token has expired."}).encode()
                self.reply(400, body, {"Content-Type": "application/json",
                                       "x-amzn-ErrorType": "AccessDeniedException"})

        super().__init__(Handler)
