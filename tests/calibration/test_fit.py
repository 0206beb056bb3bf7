"""Fitting on rows shaped like real measurements: targets, groups and the call overhead."""

from __future__ import annotations

import math

import numpy as np
import pytest

from energy_lint.calibration.fit import OVERHEAD_FLOOR, architecture_of, call_overhead, collect, rmspe

pytest.importorskip("sklearn")


def dense_row(units: int, energy: float, source: str) -> dict:
    return {"layer_class": "Dense", "layer_config": {"units": units}, "input_shape": [8, 64],
            "energy_j": str(energy), "source": source}  # fmt: skip


def identity_row(energy: float, shape: list[int]) -> dict:
    return {"layer_class": "Identity", "layer_config": {}, "input_shape": shape, "energy_j": str(energy)}


def test_the_call_overhead_is_taken_off_every_layer_with_a_floor() -> None:
    rows = [identity_row(0.010, [1, 8]), identity_row(0.012, [8, 8]), identity_row(0.9, [32, 512, 256]),
            dense_row(16, 0.050, "mlp:d1"), dense_row(32, 0.0105, "mlp:d2")]  # fmt: skip
    assert call_overhead(rows) == pytest.approx(0.011)  # the tiny-input Identity rows only
    data = collect(rows)
    targets = sorted(math.exp(target) for _, target, _ in data.by_family["dense"])
    assert targets == pytest.approx(sorted([0.050 - 0.011, OVERHEAD_FLOOR * 0.0105]))
    assert "free" not in data.by_family  # Identity rows are the overhead, not a family


def test_rows_group_by_the_architecture_they_came_from() -> None:
    assert architecture_of({"source": "resnet50:conv1_conv~"}) == "resnet50"
    assert architecture_of({"layer_class": "Dense"}) == "Dense"  # imported rows without a source


def test_rmspe_is_relative_and_symmetric_in_log_inputs() -> None:
    truth = np.log([1.0, 2.0, 4.0])
    assert rmspe(truth, truth) == 0.0
    assert rmspe(truth, truth + math.log(1.1)) == pytest.approx(0.1)
