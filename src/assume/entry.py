"""The console script: try the cache-hit fast path, else the full click CLI."""

from __future__ import annotations

import sys


def main() -> None:
    """Entry point for `assume` and `python -m assume`."""
    from assume import fastpath

    code = fastpath.run(sys.argv[1:])
    if code is not None:
        sys.exit(code)
    from assume.cli import main as cli_main

    cli_main()
