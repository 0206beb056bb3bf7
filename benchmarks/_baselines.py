"""The baselines energy-lint must beat in benchmarks/accuracy.py, fitted on the same training
rows as energy-lint in each fold:

- `a * MACs + b` on whole models (least squares on relative error);
- a whole-model linear fit on overhead (intercept), MACs, bytes moved, weight bytes and layer
  count, on relative error;
- a plain per-class Random Forest on seven simple layer features (batch, input and output
  elements, MACs, kernel area, stride, filters), log energy as measured, whose layer
  predictions are summed over a model's layers."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from energy_lint.calibration.fit import make_regressor
from energy_lint.calibration.whole_models import WholeModel
from energy_lint.estimation.families import FREE, family_of
from energy_lint.estimation.features import row_features

MIN_CLASS_ROWS = 5


@dataclass(frozen=True)
class Line:
    """intercept + slope x value, as fitted by relative_line: the `a * MACs + b` baseline and the
    affine fits of the benchmark's reference columns, unconstrained (a baseline is what a user
    would fit, not energy-lint's correction, whose overhead is bounded at zero)."""

    intercept: float
    slope: float

    def predict_one(self, value: float) -> float:
        return self.intercept + self.slope * value


def _prod(value: Any) -> float:
    if isinstance(value, (list, tuple)):
        return float(math.prod(int(v) for v in value))
    return float(value or 1)


def seven(
    class_name: str, config: Mapping[str, Any], inputs: Sequence, outputs: Sequence, macs: float
) -> list[float]:
    """batch, input elements, output elements, MACs (whole batch), kernel area, stride, filters."""
    batch = float(inputs[0][0]) if inputs and inputs[0] else 1.0  # an ONNX Constant has no input
    return [
        batch,
        float(sum(math.prod(s) for s in inputs)),
        float(sum(math.prod(s) for s in outputs)),
        float(macs),
        _prod(config.get("kernel_size") or config.get("pool_size") or 1),
        _prod(config.get("strides") or 1),
        float(config.get("filters") or config.get("units") or config.get("num_heads") or 0),
    ]


def row_seven(row: Mapping[str, Any]) -> list[float]:
    """The seven features of a measurements row, shapes and MACs as the reader computes them."""
    features = row_features(row).as_dict()
    shapes = row["input_shape"]
    shapes = [shapes] if shapes and not isinstance(shapes[0], list) else shapes
    outputs = [[round(math.expm1(features["log_output_elements"]))]]
    return seven(row["layer_class"], row["layer_config"], shapes, outputs, math.expm1(features["log_macs"]))


class PerClassForest:
    """One Random Forest per layer class on the seven features (log energy as measured), a
    forest over every class for classes with fewer than MIN_CLASS_ROWS rows."""

    def __init__(self, rows: Sequence[tuple[str, list[float], float]]) -> None:
        by_class: dict[str, list[tuple[list[float], float]]] = defaultdict(list)
        for class_name, x, energy in rows:
            by_class[class_name].append((x, math.log(energy)))
        self.forests = {
            name: self._fit(items) for name, items in by_class.items() if len(items) >= MIN_CLASS_ROWS
        }
        self.fallback = self._fit([item for items in by_class.values() for item in items])

    @staticmethod
    def _fit(items: list[tuple[list[float], float]]) -> Any:
        x = np.log1p(np.array([features for features, _ in items]))
        forest = make_regressor("random_forest")
        forest.set_params(n_estimators=100)
        return forest.fit(x, np.array([target for _, target in items]))

    def predict(self, class_name: str, features: Sequence[list[float]]) -> np.ndarray:
        forest = self.forests.get(class_name, self.fallback)
        return np.exp(forest.predict(np.log1p(np.array(features))))

    def model_sum(self, model: WholeModel) -> float:
        """The sum of the forest's predictions over the model's priced layers."""
        by_class: dict[str, list[list[float]]] = defaultdict(list)
        for node in model.graph.layers:
            if family_of(node.priced_as, node.operation) == FREE or not node.known:
                continue
            if any(s is None for s in [*node.input_shapes, *node.output_shapes]):
                continue
            kind = node.priced_as  # the class its rows name: an ONNX Conv's is Conv2D
            by_class[kind].append(
                seven(kind, node.config, node.input_shapes, node.output_shapes, node.macs * model.batch)
            )
        return float(sum(self.predict(name, items).sum() for name, items in by_class.items()))


def whole_features(model: WholeModel) -> list[float]:
    """Overhead (1), MACs, bytes moved (inputs, outputs and weights of every layer, 4 bytes
    each), weight bytes and layer count of a whole model at its batch."""
    moved = 0.0
    for node in model.graph.layers:
        shapes = [s for s in [*node.input_shapes, *node.output_shapes] if s is not None]
        moved += 4.0 * (sum(math.prod(s) for s in shapes) + node.params)
    return [
        1.0,
        float(model.graph.macs * model.batch),
        moved,
        4.0 * model.graph.params,
        float(len(model.graph.layers)),
    ]


class WholeModelLinear:
    """energy = w . (1, MACs, bytes moved, weight bytes, layers), least squares on relative error."""

    def __init__(self, models: Sequence[WholeModel]) -> None:
        x = np.array([whole_features(m) for m in models])
        measured = np.array([m.measured_j for m in models])
        self.scale = np.maximum(np.abs(x).max(axis=0), 1e-12)
        design = (x / self.scale) / measured[:, None]
        self.weights, *_ = np.linalg.lstsq(design, np.ones_like(measured), rcond=None)

    def predict(self, model: WholeModel) -> float:
        return float(np.array(whole_features(model)) / self.scale @ self.weights)


def leave_one_model_out(models: Sequence[WholeModel]) -> list[tuple[float, float]]:
    """(predicted, measured) of the whole-model linear fit, each model left out once."""
    return [
        (WholeModelLinear([m for j, m in enumerate(models) if j != i]).predict(model), model.measured_j)
        for i, model in enumerate(models)
    ]
