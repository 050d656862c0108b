"""The real Secret Service the keyring tests need."""

from __future__ import annotations

import os

import pytest


def require_secret_service() -> None:
    """Return when a Secret Service answers on the session bus.

    Under `scripts/test` (which starts gnome-keyring and sets ASSUME_TEST_HOME) a missing
    daemon fails the test, so a keyring that did not start can never pass as skipped tests;
    a bare `pytest` elsewhere skips with a pointer to the test command.
    """
    from keyring.backends import SecretService

    try:
        SecretService.Keyring.priority  # noqa: B018  (raises when no daemon answers)
    except Exception as exc:
        message = f"no Secret Service on the session bus ({exc})"
        if os.environ.get("ASSUME_TEST_HOME"):
            pytest.fail(message)
        pytest.skip(f"{message}; run through scripts/test")


def clear_assume_items() -> None:
    """Delete every `assume` item in the default collection: the keyring is the truth for
    `cache list`, and the suite's tests share one Secret Service."""
    import secretstorage

    connection = secretstorage.dbus_init()
    collection = secretstorage.get_default_collection(connection)
    for item in collection.search_items({"service": "assume"}):
        item.delete()
