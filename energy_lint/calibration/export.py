"""Fitted scikit-learn / XGBoost / CatBoost regressors -> TreeEnsemble arrays (energy_lint.estimation.trees),
so that `check` predicts with numpy alone. Each exporter walks the library's own tree structure;
tests prove the arrays predict what the library's predict() does."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..estimation.trees import TreeEnsemble


class _Table:
    """Nodes appended parent before child, every tree in one table."""

    def __init__(self) -> None:
        self.feature: list[int] = []
        self.threshold: list[float] = []
        self.left: list[int] = []
        self.right: list[int] = []
        self.value: list[float] = []
        self.roots: list[int] = []

    def node(self) -> int:
        for column, blank in (
            (self.feature, -1),
            (self.threshold, 0.0),
            (self.left, -1),
            (self.right, -1),
            (self.value, 0.0),
        ):
            column.append(blank)
        return len(self.feature) - 1

    def add_tree(self, build: Callable[[_Table], int]) -> None:
        self.roots.append(build(self))

    def ensemble(self, n_features: int, **combine: Any) -> TreeEnsemble:
        return TreeEnsemble(
            feature=np.array(self.feature, dtype=np.int64),
            threshold=np.array(self.threshold, dtype=np.float64),
            left=np.array(self.left, dtype=np.int64),
            right=np.array(self.right, dtype=np.int64),
            value=np.array(self.value, dtype=np.float64),
            roots=np.array(self.roots, dtype=np.int64),
            n_features=n_features,
            **combine,
        )


def from_sklearn_forest(model: Any) -> TreeEnsemble:
    """RandomForestRegressor / ExtraTreesRegressor: mean of trees, x <= t goes left."""
    table = _Table()
    for estimator in model.estimators_:
        tree = estimator.tree_

        def build(table: _Table, index: int = 0, tree: Any = tree) -> int:
            at = table.node()
            if tree.children_left[index] == -1:
                table.value[at] = float(tree.value[index].ravel()[0])
                return at
            table.feature[at] = int(tree.feature[index])
            table.threshold[at] = float(tree.threshold[index])
            table.left[at] = build(table, int(tree.children_left[index]))
            table.right[at] = build(table, int(tree.children_right[index]))
            return at

        table.add_tree(build)
    return table.ensemble(int(model.n_features_in_), aggregate="mean", rule="le")


def _xgboost_base_score(booster: Any) -> float:
    config = json.loads(booster.save_config())
    text = config["learner"]["learner_model_param"]["base_score"]
    return float(str(text).strip("[]").split(",")[0])


def from_xgboost(model: Any) -> TreeEnsemble:
    """XGBRegressor (squared error): base score plus the trees added in float32, x < t goes left.
    Read from the model's own JSON, whose split values round-trip exactly (the text dump's do
    not, and one ulp decides a tie)."""
    booster = model.get_booster()
    document = json.loads(booster.save_raw(raw_format="json"))
    table = _Table()
    for tree in document["learner"]["gradient_booster"]["model"]["trees"]:
        left, right = tree["left_children"], tree["right_children"]
        split, condition = tree["split_indices"], tree["split_conditions"]

        def build(
            table: _Table, index: int = 0, left=left, right=right, split=split, condition=condition
        ) -> int:
            at = table.node()
            if left[index] == -1:
                table.value[at] = float(np.float32(condition[index]))
                return at
            table.feature[at] = int(split[index])
            table.threshold[at] = float(np.float32(condition[index]))
            table.left[at] = build(table, left[index])
            table.right[at] = build(table, right[index])
            return at

        table.add_tree(build)
    return table.ensemble(
        int(model.n_features_in_),
        aggregate="sum",
        rule="lt",
        bias=_xgboost_base_score(booster),
        float32_sum=True,
    )


def from_catboost(model: Any) -> TreeEnsemble:
    """CatBoostRegressor: oblivious trees unfolded into binary trees; x > border goes right."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "model.json"
        model.save_model(str(path), format="json")
        document = json.loads(path.read_text())
    scale, bias = document.get("scale_and_bias", [1.0, [0.0]])
    bias = float(bias[0] if isinstance(bias, list) else bias)
    table = _Table()
    for tree in document["oblivious_trees"]:
        splits = tree.get("splits", [])
        leaves = tree["leaf_values"]
        depth = len(splits)

        def build(
            table: _Table,
            level: int = depth - 1,
            leaf: int = 0,
            splits: list[Any] = splits,
            leaves: list[float] = leaves,
        ) -> int:
            at = table.node()
            if level < 0:
                table.value[at] = float(leaves[leaf])
                return at
            split = splits[level]  # split i sets bit i of the leaf index
            table.feature[at] = int(split["float_feature_index"])
            table.threshold[at] = float(np.float32(split["border"]))
            table.left[at] = build(table, level - 1, leaf)
            table.right[at] = build(table, level - 1, leaf | (1 << level))
            return at

        table.add_tree(build)
    n_features = len(document.get("features_info", {}).get("float_features", [])) or int(model.n_features_in_)
    return table.ensemble(n_features, aggregate="sum", rule="le", bias=bias, scale=float(scale))
