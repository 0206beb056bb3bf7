"""Measurement and fitting: the only part of energy-lint that imports Keras, TensorFlow or
CodeCarbon (the `[calibrate]` extra). The check path never imports this package."""
