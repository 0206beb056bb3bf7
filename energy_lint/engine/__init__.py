"""The check without the command line: configuration, discovery of model files, reading them,
the base of a comparison, and the check of one model into the result model (results.py) that
rules and reports read."""
