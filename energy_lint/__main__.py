"""`python -m energy_lint` runs the CLI."""

from energy_lint.cli import main

if __name__ == "__main__":
    main()
