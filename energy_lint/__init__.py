"""energy-lint: predict the energy of a neural network from its definition, before it runs."""

__version__ = "0.1.0"
