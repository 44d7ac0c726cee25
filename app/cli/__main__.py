"""`python -m app.cli`: the `tradegate` command without the console script."""

from app.cli import main

main()
