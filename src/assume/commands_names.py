"""Names of `assume`'s subcommands, shared by the CLI and the fast path (no imports)."""

SUBCOMMANDS = frozenset(
    {"exec", "cache", "whoami", "list", "explain", "policy", "configure", "shell-init",
     "serve"}
)
