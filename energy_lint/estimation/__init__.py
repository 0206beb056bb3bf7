"""From a model graph to joules, with numpy only: layer families and their features, the
hardware profile and its tree ensembles, the forward-pass estimate with its whole-model
correction, and the training estimate built on it."""
