"""`python -m maju.cli`: the same command as the `maju` console script."""

from maju.cli import main

main()
