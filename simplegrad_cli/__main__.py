"""`python -m simplegrad_cli ARGS`: the `simplegrad` command without its console script."""
from simplegrad_cli.app import main

main()
