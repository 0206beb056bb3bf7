"""One module per output format; each takes results and returns or prints a rendering."""
