"""Scripted role hopping: assume `ACCOUNT:Auditor` in each account from a hub role.

    python examples/audit_accounts.py hub 111111111111 222222222222

Each session is cached in the keyring and refreshes itself, like `assume` on the command line.
"""

from __future__ import annotations

import sys

import assume
from assume.errors import AssumeError


def audit(hub: str, accounts: list[str]) -> int:
    """Print who we are in each account; return the number of accounts that failed."""
    failures = 0
    for account in accounts:
        try:
            session = assume.session(hub, f"{account}:Auditor")
            identity = session.client("sts").get_caller_identity()
        except AssumeError as error:
            print(f"{account}\tFAILED\t{error}", file=sys.stderr)
            failures += 1
            continue
        print(f"{account}\t{identity['Arn']}")
    return failures


if __name__ == "__main__":
    sys.exit(1 if audit(sys.argv[1], sys.argv[2:]) else 0)
