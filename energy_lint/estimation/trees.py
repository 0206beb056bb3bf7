"""Evaluate exported tree ensembles with numpy alone: the check path predicts with Random
Forest, XGBoost and CatBoost models without importing any of them, and without unpickling.

An ensemble is plain arrays, all trees in one binary-tree table:

    feature[i]    feature index of node i, -1 for a leaf
    threshold[i]  split value (float32 values, as every library compares in float32)
    left[i], right[i]   child node indices
    value[i]      leaf value
    roots[t]      node index of tree t's root

plus how its trees are combined: prediction = bias + scale * (mean or sum of the leaves), and
which way a value equal to the threshold goes ("le": x <= t goes left, as scikit-learn and
CatBoost; "lt": x < t goes left, as XGBoost)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ARRAYS = ("feature", "threshold", "left", "right", "value", "roots")


@dataclass(frozen=True)
class TreeEnsemble:
    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    value: np.ndarray
    roots: np.ndarray
    aggregate: str = "mean"
    bias: float = 0.0
    scale: float = 1.0
    rule: str = "le"
    n_features: int = 0
    float32_sum: bool = False
    """Add the trees one by one in float32, as XGBoost does, to reproduce its rounding."""

    def __post_init__(self) -> None:
        if self.aggregate not in ("mean", "sum") or self.rule not in ("le", "lt"):
            raise ValueError(f"unknown aggregate {self.aggregate!r} or rule {self.rule!r}")
        nodes = len(self.feature)
        if not all(len(getattr(self, name)) == nodes for name in ARRAYS[:5]) or not len(self.roots):
            raise ValueError("tree arrays disagree in length")
        inner = self.feature >= 0
        children = np.concatenate([self.left[inner], self.right[inner], self.roots])
        if children.size and (children.min() < 0 or children.max() >= nodes):
            raise ValueError("a tree points outside its node table")
        if inner.any() and self.feature[inner].max() >= max(self.n_features, 1):
            raise ValueError("a split uses a feature the ensemble does not have")
        # A child always has a larger index than its parent, so a walk cannot loop.
        indices = np.nonzero(inner)[0]
        if np.any(self.left[inner] <= indices) or np.any(self.right[inner] <= indices):
            raise ValueError("tree nodes are not in parent-before-child order")

    def predict(self, features: np.ndarray) -> np.ndarray:
        """One prediction per row of `features` (rows x n_features)."""
        x = np.asarray(features, dtype=np.float32).astype(np.float64)
        if x.ndim != 2 or x.shape[1] != self.n_features:
            raise ValueError(f"expected rows of {self.n_features} features, got shape {x.shape}")
        rows = np.arange(x.shape[0])[:, None]
        node = np.broadcast_to(self.roots, (x.shape[0], len(self.roots))).copy()
        while True:
            split = self.feature[node]
            active = split >= 0
            if not active.any():
                break
            values = x[np.broadcast_to(rows, node.shape)[active], split[active]]
            limits = self.threshold[node[active]]
            go_left = values <= limits if self.rule == "le" else values < limits
            node[active] = np.where(go_left, self.left[node[active]], self.right[node[active]])
        leaves = self.value[node]
        if self.float32_sum:
            total = np.full(x.shape[0], self.bias, dtype=np.float32)
            for column in leaves.astype(np.float32).T:
                total += column
            return total.astype(np.float64)
        combined = leaves.mean(axis=1) if self.aggregate == "mean" else leaves.sum(axis=1)
        return self.bias + self.scale * combined

    def save(self, path: Path) -> None:
        """Compressed (zip deflate, about 10x smaller for forests) in the smallest dtype that
        holds every value exactly (XGBoost's and CatBoost's thresholds are float32 already);
        `load` reads either kind back as int64 and float64."""
        np.savez_compressed(
            path,
            **{name: _compact(getattr(self, name)) for name in ARRAYS},
            meta=np.array([self.aggregate, self.rule, "float32" if self.float32_sum else "float64"]),
            numbers=np.array([self.bias, self.scale, self.n_features], dtype=np.float64),
        )

    @classmethod
    def constant(cls, value: float, n_features: int) -> TreeEnsemble:
        """One tree of one leaf: every row gets `value` (a family priced by its prior alone)."""
        leaf = np.array([-1])
        return cls(
            leaf, np.zeros(1), leaf, leaf, np.array([value]), np.zeros(1, dtype=int), n_features=n_features
        )

    @classmethod
    def load(cls, path: Path) -> TreeEnsemble:
        """Load without pickle: a file that needs unpickling is refused by numpy."""
        with np.load(path, allow_pickle=False) as data:
            arrays: dict[str, Any] = {
                "feature": data["feature"].astype(np.int64),
                "threshold": data["threshold"].astype(np.float64),
                "left": data["left"].astype(np.int64),
                "right": data["right"].astype(np.int64),
                "value": data["value"].astype(np.float64),
                "roots": data["roots"].astype(np.int64),
            }
            aggregate, rule, precision = (str(v) for v in data["meta"])
            bias, scale, n_features = (float(v) for v in data["numbers"])
        return cls(
            **arrays,
            aggregate=aggregate,
            rule=rule,
            bias=bias,
            scale=scale,
            n_features=int(n_features),
            float32_sum=precision == "float32",
        )


def _compact(array: np.ndarray) -> np.ndarray:
    """`array` as int16/int32 or float32 where that loses nothing, else unchanged."""
    array = np.asarray(array)
    if array.dtype.kind in "iu":
        for kind in (np.int16, np.int32):
            if array.size == 0 or (array.min() >= np.iinfo(kind).min and array.max() <= np.iinfo(kind).max):
                return array.astype(kind)
        return array
    narrow = array.astype(np.float32)
    return narrow if np.array_equal(narrow.astype(array.dtype), array, equal_nan=True) else array
