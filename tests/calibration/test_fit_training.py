"""The training side of a profile, fitted from the measured pairs of the bundled EPYC campaign
(forward pass and training step of the same configuration, calibrate --train)."""

from __future__ import annotations

import math
import statistics
from pathlib import Path

import pytest

from energy_lint.calibration.fit_training import fit_ratios, pairs, ratio_dataset
from energy_lint.calibration.measurements import FORWARD, TRAIN, pass_of, read_rows

pytestmark = pytest.mark.keras

pytest.importorskip("sklearn")

CSV = Path(__file__).parents[2] / "calibration" / "cpu-epyc-2core-tf" / "measurements.csv"


def rows() -> list[dict]:
    return read_rows([CSV])


def test_pairs_join_a_training_row_to_the_forward_row_of_the_same_configuration() -> None:
    found = pairs(rows())
    assert len(found) >= 100
    for forward, train in found:
        assert pass_of(forward) == FORWARD and pass_of(train) == TRAIN
        assert forward["layer_class"] == train["layer_class"]
        assert (
            forward["layer_config"] == train["layer_config"]
            and forward["input_shape"] == train["input_shape"]
        )


def test_training_steps_cost_more_than_forward_passes_in_every_family() -> None:
    """Measured as they are (call overheads included): the median step/forward ratio of every
    family is above 1, and that of whole models above 3."""
    ratios: dict[str, list[float]] = {}
    for forward, train in pairs(rows()):
        ratios.setdefault(forward["family"], []).append(float(train["energy_j"]) / float(forward["energy_j"]))
    assert len(ratios) >= 15
    for family, found in ratios.items():
        assert statistics.median(found) > 1.0, family
    assert statistics.median(ratios["model"]) > 3.0


def test_ratio_targets_are_logs_above_each_modes_call_overhead() -> None:
    dataset = ratio_dataset(rows()).by_family
    assert "model" not in dataset and "overhead" not in dataset
    assert all(math.isfinite(target) for items in dataset.values() for _, target, _ in items)


def test_ratio_predictors_are_cross_validated_by_architecture() -> None:
    fitted = fit_ratios(rows(), candidates=("random_forest",))
    assert fitted is not None
    families, generic = fitted
    assert generic.rows == sum(len(items) for items in ratio_dataset(rows()).by_family.values())
    assert "GroupKFold" in generic.cv and generic.cv_rmspe["random_forest"] > 0
    for family, predictor in families.items():
        assert predictor.rows >= 12 and predictor.family == family


def test_in_context_rows_pair_by_layer_and_batch_never_across_contexts() -> None:
    """Two identical blocks of one model are two layers: each training row meets its own
    forward row, and a layer measured alone never pairs with one timed inside a model."""
    from energy_lint.calibration.measurements import IN_MODEL

    def row(source: str, mode: str, energy: float, context: str = IN_MODEL) -> dict:
        return {
            "layer_class": "Dense",
            "layer_config": {"units": 8},
            "input_shape": [2, 8],
            "batch_size": 2,
            "source": source,
            "context": context,
            "pass": mode,
            "energy_j": energy,
        }

    measured = [
        row("net.json:block_a", FORWARD, 1.0),
        row("net.json:block_b", FORWARD, 2.0),
        row("net.json:block_b", TRAIN, 6.0),
        row("net.json:block_a", TRAIN, 3.0),
        row("dense_case", FORWARD, 9.0, context=""),
    ]
    found = pairs(measured)
    assert sorted((f["energy_j"], t["energy_j"]) for f, t in found) == [(1.0, 3.0), (2.0, 6.0)]
    assert pairs(measured, context="alone") == []


def test_the_update_cost_is_the_step_no_layer_holds_per_parameter() -> None:
    """In context the optimizer's update runs under no layer: what a model's step costs beyond
    its layer rows, against its parameters, gives joules per parameter; one model whose step
    hides something else cannot move it, and layers measured alone carry their own."""
    from energy_lint.calibration.fit_training import update_cost
    from energy_lint.calibration.measurements import IN_MODEL
    from energy_lint.graph import read_model

    examples = Path(__file__).parents[2] / "examples"
    names = ["mobilenet_v2", "resnet50", "densenet121", "efficientnet_b0", "vgg16"]
    measured = []
    for name in names:
        params = read_model(examples / f"{name}.json").params
        hidden = 50.0 if name == "densenet121" else 0.0  # a step with other unattributed work
        common = {
            "pass": TRAIN,
            "context": IN_MODEL,
            "model": name,
            "batch_size": 1,
            "_csv_dir": str(examples),
        }
        measured.append(common | {"layer_class": "Conv2D", "energy_j": 1.0})
        measured.append(common | {"layer_class": "Dense", "energy_j": 0.5})
        measured.append(
            common
            | {
                "layer_class": "Model",
                "layer_config": {"model": f"{name}.json"},
                "input_shape": [[1, 224, 224, 3]],
            }
            | {"energy_j": 1.5 + 0.02 + 2e-7 * params + hidden}
        )
    assert update_cost(measured) == pytest.approx(2e-7, rel=1e-3)
    assert update_cost(measured, context="alone") == 0.0
