"""The physical prior: fitted on rows made by a known roofline plus noise, it recovers the
roofline's parameters, and a family fitted over it extrapolates 10x beyond its rows, where
trees alone stay at the largest energy they saw."""

from __future__ import annotations

import math

import numpy as np
import pytest

from energy_lint.calibration.fit import fit_predictor
from energy_lint.calibration.prior_fit import fit_prior
from energy_lint.estimation.features import layer_features
from energy_lint.estimation.prior import Prior

pytestmark = pytest.mark.keras

pytest.importorskip("sklearn")
pytest.importorskip("scipy")

OVERHEAD, PEAK, BANDWIDTH = 2e-4, 5e9, 4e8  # J, MACs per J, bytes per J


def roofline(macs: np.ndarray, moved: np.ndarray) -> np.ndarray:
    return OVERHEAD + np.maximum(macs / PEAK, moved / BANDWIDTH)


def test_the_fit_recovers_a_known_overhead_peak_and_bandwidth_through_noise() -> None:
    rng = np.random.default_rng(0)
    macs = 10 ** rng.uniform(4, 10, 300)
    moved = 10 ** rng.uniform(3, 8, 300)  # both regimes and the overhead-bound corner
    energy = roofline(macs, moved) * np.exp(rng.normal(0, 0.08, 300))
    energy[:6] *= 5  # a few wild rows: the robust loss must not follow them
    prior = fit_prior(macs, moved, energy)
    assert prior is not None
    assert prior.peak_macs_per_j == pytest.approx(PEAK, rel=0.1)
    assert prior.bandwidth_bytes_per_j == pytest.approx(BANDWIDTH, rel=0.1)
    assert prior.overhead_j == pytest.approx(OVERHEAD, rel=0.3)


def test_a_looping_family_gets_a_cost_per_step_its_macs_do_not_show() -> None:
    """Rows like recurrent layers: the same MACs spread over 10x more steps cost more, by a
    fixed amount per step; without steps the fit has no per-step term."""
    rng = np.random.default_rng(2)
    macs = 10 ** rng.uniform(5, 9, 200)
    moved = 10 ** rng.uniform(4, 7, 200)
    steps = np.round(10 ** rng.uniform(0.5, 2.5, 200))
    per_step = 3e-5
    energy = (roofline(macs, moved) + per_step * steps) * np.exp(rng.normal(0, 0.05, 200))
    prior = fit_prior(macs, moved, energy, steps)
    assert prior is not None and prior.per_step_j == pytest.approx(per_step, rel=0.2)
    predicted = prior.predict(macs, moved, steps)
    assert np.median(np.abs(np.log(predicted / energy))) < 0.08
    plain = fit_prior(macs, moved, energy)
    assert plain is not None and plain.per_step_j is None
    assert np.median(np.abs(np.log(plain.predict(macs, moved) / energy))) > 0.15


def test_a_family_without_macs_gets_a_memory_roofline_only() -> None:
    rng = np.random.default_rng(1)
    moved = 10 ** rng.uniform(3, 8, 50)
    prior = fit_prior(np.zeros(50), moved, OVERHEAD + moved / BANDWIDTH)
    assert prior is not None and prior.peak_macs_per_j is None
    assert prior.bandwidth_bytes_per_j == pytest.approx(BANDWIDTH, rel=0.05)
    assert fit_prior(np.ones(3), np.ones(3), np.ones(3)) is None  # too few rows


def dense_rows(units: list[int], batch: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, list]:
    """Feature rows of real Dense layers (the reader's own MACs and params) and energies by the
    roofline with 5% noise."""
    features = [layer_features("Dense", {"units": u}, [(batch, 512)]) for u in units]
    x = np.array([f.values for f in features])
    values = [f.as_dict() for f in features]
    macs = np.expm1([v["log_macs"] for v in values])
    moved = np.expm1([v["log_bytes"] for v in values])
    y = np.log(roofline(macs, moved)) + rng.normal(0, 0.05, len(units))
    return x, y, list(features[0].names)


def test_over_the_prior_a_layer_10x_beyond_the_training_range_is_priced_by_the_roofline() -> None:
    rng = np.random.default_rng(2)
    units = [int(u) for u in rng.integers(16, 512, 60)]
    x, y, names = dense_rows(units, 256, rng)
    groups = np.array([f"arch{i % 6}" for i in range(len(y))])
    big_x, big_y, _ = dense_rows([5120], 256, np.random.default_rng(3))  # 10x the largest layer
    with_prior = fit_predictor("dense", x, y, groups, names, ("random_forest",), use_prior=True)
    trees_only = fit_predictor("dense", x, y, groups, names, ("random_forest",), use_prior=False)
    truth = math.exp(big_y[0])
    row = dict(zip(names, big_x[0], strict=True))
    ours = math.exp(with_prior.as_family_predictor().predict_log([row])[0])
    trees = math.exp(trees_only.as_family_predictor().predict_log([row])[0])
    assert ours == pytest.approx(truth, rel=0.2)
    assert trees < 0.3 * truth  # a forest cannot predict above the largest energy it saw
    assert with_prior.prior is not None and with_prior.entry("dense.npz")["prior"]["peak_macs_per_j"] > 0


def lstm_rows(shapes: list[tuple[int, int, int, int]]) -> list[tuple[list[float], float, str]]:
    """Dataset items of real LSTM layers (batch, steps, features, units), costing 40 us a step
    plus their MACs at PEAK."""
    items = []
    for index, (batch, steps, width, units) in enumerate(shapes):
        features = layer_features("LSTM", {"units": units}, [(batch, steps, width)])
        macs = math.expm1(features.as_dict()["log_macs"])
        items.append((list(features.values), math.log(OVERHEAD + 4e-5 * steps + macs / PEAK), f"rnn-{index}"))
    return items


def test_a_family_with_a_few_rows_is_priced_by_its_prior_alone_not_by_the_generic_trees() -> None:
    from energy_lint.calibration.fit import MIN_FAMILY_ROWS, PRIOR_ALONE, Dataset, fit_families

    shapes = [
        (1, 20, 32, 64),
        (4, 50, 16, 32),
        (1, 100, 64, 128),
        (8, 10, 32, 32),
        (2, 200, 8, 16),
        (1, 40, 128, 64),
    ]
    data = Dataset(use_prior=True)
    data.by_family["recurrent"] = lstm_rows(shapes)
    data.names["recurrent"] = tuple(layer_features("LSTM", {"units": 8}, [(1, 4, 4)]).names)
    rng = np.random.default_rng(3)
    x, y, names = dense_rows([int(u) for u in rng.integers(16, 2048, 40)], 8, rng)
    data.by_family["dense"] = [(list(row), float(t), f"mlp-{i % 8}") for i, (row, t) in enumerate(zip(x, y))]
    data.names["dense"] = tuple(names)
    assert len(shapes) < MIN_FAMILY_ROWS
    families, _generic = fit_families(data, ("random_forest",), nested=False, validate=False)
    recurrent = families["recurrent"]
    assert recurrent.kind == PRIOR_ALONE and recurrent.prior is not None
    assert recurrent.prior.per_step_j == pytest.approx(4e-5, rel=0.3)
    # 1000 steps, five times the longest row: priced by its steps, as the rows were made.
    long = layer_features("LSTM", {"units": 32}, [(1, 1000, 32)])
    predicted = math.exp(recurrent.as_family_predictor().predict_log([long.as_dict()])[0])
    truth = OVERHEAD + 4e-5 * 1000 + math.expm1(long.as_dict()["log_macs"]) / PEAK
    assert predicted == pytest.approx(truth, rel=0.3)


def conv_rows(specs: list[tuple[int, int, int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """MACs, bytes and kernel taps of real Conv2D layers (channels, groups, side) as the reader
    counts them."""
    values = []
    for channels, groups, side in specs:
        config = {"filters": channels, "kernel_size": [3, 3], "padding": "same", "groups": groups}
        values.append(layer_features("Conv2D", config, [(1, side, side, channels)]).as_dict())
    macs, moved, taps = (
        np.expm1([v[name] for v in values]) for name in ("log_macs", "log_bytes", "log_taps")
    )
    return macs, moved, taps


def test_thin_grouped_convolutions_get_a_tap_rate_that_leaves_dense_ones_alone() -> None:
    """Rows made like TensorFlow's on a CPU: dense convolutions by the roofline, grouped ones
    (here groups = channels) by their kernel taps at a rate far below the MAC rate. The fit finds
    the tap rate, and pricing a conv with 8 channels per group by its taps beats its MACs."""
    rng = np.random.default_rng(4)
    taps_per_j = 5e6
    sides = rng.choice([8, 16, 32], 150)
    specs = [(int(c), 1, int(s)) for c, s in zip(rng.choice([16, 32, 64, 128], 120), sides[:120])]
    specs += [(int(c), int(c), int(s)) for c, s in zip(rng.choice([32, 64, 128], 30), sides[120:])]
    macs, moved, taps = conv_rows(specs)
    assert (taps[:120] == 0).all() and (taps[120:] == macs[120:]).all()  # groups = channels: a tap per MAC
    energy = np.maximum(roofline(macs, moved), OVERHEAD + taps / taps_per_j)
    energy *= np.exp(rng.normal(0, 0.05, len(specs)))
    prior = fit_prior(macs, moved, energy, taps=taps)
    assert prior is not None and prior.taps_per_j == pytest.approx(taps_per_j, rel=0.15)
    assert prior.peak_macs_per_j == pytest.approx(PEAK, rel=0.15)
    grouped_macs, grouped_moved, grouped_taps = conv_rows([(64, 8, 32)])
    assert grouped_macs[0] == pytest.approx(8 * grouped_taps[0])  # 8 channels per group
    truth = OVERHEAD + grouped_taps[0] / taps_per_j
    assert prior.predict(grouped_macs, grouped_moved, taps=grouped_taps)[0] == pytest.approx(truth, rel=0.1)
    without = fit_prior(macs, moved, energy)
    assert without is not None and without.taps_per_j is None
    assert without.predict(grouped_macs, grouped_moved)[0] < 0.2 * truth


def test_a_dense_family_reads_the_weights_of_a_model_that_fits_in_cache_faster() -> None:
    """Matrix-vector rows: weights read at 4x the memory bandwidth in models of at most 16 MiB
    of weights, at the memory bandwidth in larger ones. The fit finds the size and both rates;
    without the models' weights it has one rate, off by about 2x on one side or the other."""
    rng = np.random.default_rng(3)
    rows = 400
    weights = 4.0 * 10 ** rng.uniform(5, 7.5, rows)  # 0.4 to 126 MB of a layer's own
    model_bytes = weights * 10 ** rng.uniform(0, 1, rows)
    macs = weights / 4  # batch 1: one MAC per weight, memory-bound
    moved = weights + 8e3
    cache, fast = 16 * 2**20, 4 * BANDWIDTH
    read = np.where(model_bytes <= cache, weights / fast, weights / BANDWIDTH) + 8e3 / BANDWIDTH
    energy = (OVERHEAD + np.maximum(macs / PEAK, read)) * np.exp(rng.normal(0, 0.05, rows))
    prior = fit_prior(macs, moved, energy, weights=weights, model_bytes=model_bytes)
    assert prior is not None and prior.cache_bytes == 16 * 2**20
    assert prior.cache_bandwidth_bytes_per_j == pytest.approx(fast, rel=0.15)
    assert prior.bandwidth_bytes_per_j == pytest.approx(BANDWIDTH, rel=0.15)
    cached = prior.cached_weights(weights, model_bytes)
    assert np.median(np.abs(np.log(prior.predict(macs, moved, cached=cached) / energy))) < 0.08
    plain = fit_prior(macs, moved, energy)
    assert plain is not None and plain.cache_bytes is None
    assert np.median(np.abs(np.log(plain.predict(macs, moved) / energy))) > 0.3
    assert Prior.from_dict(prior.to_dict()) == prior  # profile.json keeps the cache term
