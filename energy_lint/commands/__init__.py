"""One module per CLI command, as pre-commit does; cli.py only registers them."""
