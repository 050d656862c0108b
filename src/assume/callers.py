"""Which AWS identity an access key belongs to, remembered by the key's fingerprint.

A source whose credentials come from the SDK (credential_process, SSO, web identity,
container or instance metadata) is keyed in the cache on its caller ARN, which takes a
GetCallerIdentity call to learn. An access key id belongs to one identity for good, so the
answer is remembered here (fingerprint -> ARN, never a secret) and asked again only for a key
this machine has not seen: a process that hands out the same keys costs no extra call.
"""

from __future__ import annotations

import json
from contextlib import suppress

from assume.paths import read_state_json, state_file, write_private

CALLERS_FILE = "callers.json"
MAX_REMEMBERED = 256  # keys; the oldest are forgotten first


class CallerMemo:
    """fingerprint -> caller ARN, in a small private file in the state folder."""

    def get(self, fingerprint: str) -> str | None:
        """The remembered caller of a key, or None."""
        found = self._read().get(fingerprint)
        return found if isinstance(found, str) else None

    def __setitem__(self, fingerprint: str, caller: str) -> None:
        """Remember a key's caller (best effort: a failure costs one more call later)."""
        entries = self._read()
        entries.pop(fingerprint, None)
        entries[fingerprint] = caller
        kept = dict(list(entries.items())[-MAX_REMEMBERED:])
        with suppress(OSError):
            write_private(state_file(CALLERS_FILE), json.dumps(kept, indent=1))

    @staticmethod
    def _read() -> dict[str, object]:
        return read_state_json(CALLERS_FILE)
