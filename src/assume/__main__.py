"""`python -m assume` runs the same command as the `assume` console script."""

from assume.entry import main

main()
