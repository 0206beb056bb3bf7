"""Exported ensembles predict what the libraries predict (within 1e-6 relative), load without
pickle, and refuse arrays that would walk out of their trees or in circles."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from energy_lint.calibration.export import from_catboost, from_sklearn_forest, from_xgboost
from energy_lint.estimation.trees import TreeEnsemble

pytestmark = pytest.mark.keras

sklearn_ensemble = pytest.importorskip("sklearn.ensemble")
xgboost = pytest.importorskip("xgboost")
catboost = pytest.importorskip("catboost")


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    x = rng.uniform(0, 10, size=(400, 6))
    x[:, 2] = np.round(x[:, 2])  # ties at split values
    y = np.log1p(x[:, 0] * x[:, 1]) + 0.3 * np.sin(x[:, 2]) + 0.1 * rng.normal(size=400)
    return x[:300], y[:300], x[300:]


def fitted(kind: str, x: np.ndarray, y: np.ndarray):
    if kind == "random_forest":
        return sklearn_ensemble.RandomForestRegressor(
            n_estimators=25, max_depth=9, random_state=0, n_jobs=1
        ).fit(x, y)
    if kind == "xgboost":
        return xgboost.XGBRegressor(n_estimators=40, max_depth=5, learning_rate=0.2, n_jobs=1).fit(x, y)
    return catboost.CatBoostRegressor(
        iterations=40, depth=5, verbose=0, thread_count=1, random_seed=0, allow_writing_files=False
    ).fit(x, y)


EXPORTERS = {"random_forest": from_sklearn_forest, "xgboost": from_xgboost, "catboost": from_catboost}


@pytest.mark.parametrize("kind", sorted(EXPORTERS))
def test_exported_ensemble_equals_library_predict(kind: str, data, tmp_path: Path) -> None:
    x_train, y_train, x_test = data
    model = fitted(kind, x_train, y_train)
    ensemble = EXPORTERS[kind](model)
    for rows in (x_test, x_train[:50]):
        ours = ensemble.predict(rows)
        theirs = model.predict(rows)
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-9)
    path = tmp_path / f"{kind}.npz"
    ensemble.save(path)
    np.testing.assert_allclose(
        TreeEnsemble.load(path).predict(x_test), model.predict(x_test), rtol=1e-6, atol=1e-9
    )


@pytest.mark.parametrize("kind", sorted(EXPORTERS))
def test_saved_arrays_are_compact_and_load_back_exactly(kind: str, data, tmp_path: Path) -> None:
    """Bundled profiles must stay small: node indices fit int16 or int32, and float32 thresholds
    and leaves (XGBoost's, CatBoost's) are stored as float32; nothing changes on the way back."""
    x_train, y_train, _ = data
    ensemble = EXPORTERS[kind](fitted(kind, x_train, y_train))
    path = tmp_path / f"{kind}.npz"
    ensemble.save(path)
    with np.load(path) as stored:
        assert stored["left"].dtype.itemsize <= 4 and stored["feature"].dtype == np.int16
        narrow = np.array_equal(ensemble.threshold.astype(np.float32), ensemble.threshold)
        assert (stored["threshold"].dtype == np.float32) == narrow
    loaded = TreeEnsemble.load(path)
    for name in ("feature", "threshold", "left", "right", "value", "roots"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(ensemble, name))


def test_a_pickled_array_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "hostile.npz"
    np.savez(path, feature=np.array([object()], dtype=object))
    with pytest.raises(ValueError):
        TreeEnsemble.load(path)


def stump(**change) -> dict:
    arrays = {
        "feature": np.array([0, -1, -1]),
        "threshold": np.array([0.5, 0.0, 0.0]),
        "left": np.array([1, -1, -1]),
        "right": np.array([2, -1, -1]),
        "value": np.array([0.0, 1.0, 2.0]),
        "roots": np.array([0]),
    }
    arrays.update(change)
    return arrays


def test_a_stump_splits_as_its_rule_says() -> None:
    x = np.array([[0.0], [0.5], [1.0]])
    assert TreeEnsemble(**stump(), n_features=1, rule="le").predict(x).tolist() == [1.0, 1.0, 2.0]
    assert TreeEnsemble(**stump(), n_features=1, rule="lt").predict(x).tolist() == [1.0, 2.0, 2.0]


@pytest.mark.parametrize(
    "change",
    [
        {"left": np.array([7, -1, -1])},  # outside the table
        {"left": np.array([0, -1, -1])},  # a loop back to itself
        {"feature": np.array([3, -1, -1])},  # a feature it does not have
        {"roots": np.array([5])},
    ],
)
def test_malformed_trees_are_refused(change: dict) -> None:
    with pytest.raises(ValueError):
        TreeEnsemble(**stump(**change), n_features=1)
