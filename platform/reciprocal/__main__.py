"""`python -m reciprocal` is the `reciprocal` command."""

from reciprocal.cli import main

main()
