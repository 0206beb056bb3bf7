"""The command line: the click group in app.py, shared options in options.py, and one module per
command. Commands parse and hand off to the engine (check) or to calibration (measure,
calibrate); they compute nothing themselves."""

from .app import main

__all__ = ["main"]
