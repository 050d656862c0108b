"""The list of cached sessions (role, source, expiry; never a secret) behind `assume cache list`.

The keyring cannot enumerate its items on every platform, so this small JSON file in the
user's private state folder remembers which keys exist.
"""

from __future__ import annotations

import json
import os

from assume.paths import read_state_json, state_dir, write_private

INDEX_FILE = "cache-index.json"


def read() -> dict[str, dict[str, object]]:
    """All known entries by cache key; an unreadable index reads as empty."""
    data = read_state_json(INDEX_FILE)
    return {key: info for key, info in data.items() if isinstance(info, dict)}


def _update(change: dict[str, dict[str, object] | None]) -> None:
    from assume.file_lock import acquire

    directory = state_dir()
    held = acquire(os.path.join(directory, f"{INDEX_FILE}.lock"), 30)
    try:
        entries = read()
        for key, info in change.items():
            if info is None:
                entries.pop(key, None)
            else:
                entries[key] = info
        text = json.dumps(entries, indent=1, sort_keys=True)
        write_private(os.path.join(directory, INDEX_FILE), text)
    finally:
        held.release()


def record(key: str, info: dict[str, object]) -> None:
    """Remember a cached entry (best effort: a failure only loses it from `cache list`)."""
    from contextlib import suppress

    with suppress(OSError):  # a lock timeout included
        _update({key: info})


def forget(keys: list[str]) -> None:
    """Drop entries from the index."""
    from contextlib import suppress

    with suppress(OSError):  # a lock timeout included
        _update(dict.fromkeys(keys))
