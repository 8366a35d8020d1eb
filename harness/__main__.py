"""`python -m harness` is the `opsdrill` command."""

from harness.cli import main

main()
