"""energy-lint: predict the energy of a neural network from its definition, before it runs."""

__version__ = "0.1.0"
HOMEPAGE = "https://github.com/energy-lint/energy-lint"
"""Where the rule docs (docs/rules.md) that SARIF's helpUri points at are published."""
