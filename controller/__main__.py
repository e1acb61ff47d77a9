"""`python -m controller` runs the `rapydo` CLI."""

from controller.cli import main

main()
