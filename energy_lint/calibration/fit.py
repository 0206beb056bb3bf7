"""Fit the per-family predictors and the whole-model correction from measured rows.

Per family, a physical prior (prior_fit.py: overhead + max(MACs / peak, bytes / bandwidth)) is
fitted, and Random Forest, XGBoost and CatBoost learn the residual log(energy / prior); they are
cross-validated with groups (all rows of one model or architecture stay on one side of every
split), and the one with the lowest RMSPE is refitted on everything and exported to plain
arrays. The error reported for that choice comes from a nested CV (the choice made again inside
each outer training fold). Every candidate's error is kept for profile.json. Layers of a family
with too few rows fall back to a generic predictor fitted on the features every family shares."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..estimation.families import FREE, GENERIC
from ..estimation.features import COMMON, row_features
from ..estimation.fusion import FusionTable
from ..estimation.prior import BYTES_PER_ELEMENT, MODEL_TRAFFIC, STEPS, TAPS, Prior, combine
from ..estimation.profile import FamilyPredictor
from ..estimation.trees import TreeEnsemble
from ..graph.layers import UnknownLayerError
from . import export, model_traffic
from .after_matmul import after_matmul_flags
from .fusion_rows import fusion_examples
from .measurements import FORWARD, IN_MODEL, pass_of
from .prior_fit import fit_prior

MIN_FAMILY_ROWS = 12
MIN_PRIOR_ROWS = 4
"""A family with fewer rows than MIN_FAMILY_ROWS but at least this many is priced by its prior
alone (PRIOR_ALONE): four physical parameters fitted on a handful of rows extrapolate, trees on
them would not, and the generic predictor knows nothing of the family (an LSTM's steps)."""
CANDIDATES = ("random_forest", "xgboost", "catboost")
PRIOR_ALONE = "prior"
INNER_SPLITS = 3
N_JOBS = 2
"""Families are fitted two at a time (joblib), each regressor on one thread: the calibration
machines have two shared cores, and a library's own threads oversubscribe them badly."""


def rmspe(true_log: np.ndarray, predicted_log: np.ndarray) -> float:
    """Root mean squared percentage error of energies given on the log scale."""
    ratio = np.exp(np.asarray(predicted_log) - np.asarray(true_log)) - 1.0
    return float(math.sqrt(np.mean(ratio**2)))


def make_regressor(kind: str, seed: int = 0) -> Any:
    if kind == "random_forest":
        from sklearn.ensemble import RandomForestRegressor

        return RandomForestRegressor(n_estimators=200, min_samples_leaf=2, n_jobs=1, random_state=seed)
    if kind == "xgboost":
        from xgboost import XGBRegressor

        return XGBRegressor(
            n_estimators=400, max_depth=6, learning_rate=0.05, subsample=0.8, colsample_bytree=0.9,
            n_jobs=1, random_state=seed,
        )  # fmt: skip
    if kind == PRIOR_ALONE:
        return ConstantResidual()
    if kind == "catboost":
        from catboost import CatBoostRegressor

        return CatBoostRegressor(iterations=500, depth=6, learning_rate=0.08, verbose=0, random_seed=seed,
                                 allow_writing_files=False, thread_count=1)  # fmt: skip
    raise ValueError(f"unknown regressor {kind!r}")


class ConstantResidual:
    """The regressor of a family priced by its prior alone: every layer gets the median residual
    log(measured / prior) of the rows (about 0 after the robust fit)."""

    def fit(self, x: np.ndarray, y: np.ndarray) -> ConstantResidual:
        self.n_features, self.value = int(np.shape(x)[1]), float(np.median(y))
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        return np.full(len(x), self.value)


def _constant_ensemble(model: ConstantResidual) -> TreeEnsemble:
    return TreeEnsemble.constant(model.value, model.n_features)


EXPORTERS: dict[str, Callable[[Any], TreeEnsemble]] = {
    PRIOR_ALONE: _constant_ensemble,
    "random_forest": export.from_sklearn_forest,
    "xgboost": export.from_xgboost,
    "catboost": export.from_catboost,
}


@dataclass
class FittedPredictor:
    family: str
    features: tuple[str, ...]
    kind: str
    ensemble: TreeEnsemble
    cv_rmspe: dict[str, float]
    interval_log: tuple[float, float]
    ranges: dict[str, tuple[float, float]]
    rows: int
    groups: int
    cv: str
    prior: Prior | None = None
    nested: dict[str, Any] | None = None
    """The nested estimate: the error of choosing among the candidates by inner CV, reported on
    the outer folds the choice never saw (None with a single candidate: cv_rmspe is honest)."""
    fused_share: float = 0.0
    fused_share_after: float | None = None
    """The fused share of rows right after a layer multiplying by weights (fused_share is then
    the others'); None: one share for all."""

    def as_family_predictor(self) -> FamilyPredictor:
        """The predictor as `check` will load it from the profile."""
        return FamilyPredictor(
            self.family,
            self.features,
            self.ensemble,
            self.interval_log,
            self.ranges,
            prior=self.prior,
            fused_share=self.fused_share,
            fused_share_after=self.fused_share_after,
        )

    def entry(self, file: str) -> dict[str, Any]:
        return {
            "file": file,
            "predictor": self.kind,
            "features": list(self.features),
            "cv_rmspe": self.cv_rmspe,
            "cv": self.cv,
            **({"nested": self.nested} if self.nested else {}),
            "interval_log": list(self.interval_log),
            "ranges": {name: list(bounds) for name, bounds in self.ranges.items()},
            "rows": self.rows,
            "groups": self.groups,
            **({"fused_share": round(self.fused_share, 6)} if self.fused_share else {}),
            **(
                {"fused_share_after_matmul": round(self.fused_share_after, 6)}
                if self.fused_share_after is not None
                else {}
            ),
            **({"prior": self.prior.to_dict()} if self.prior else {}),
        }


def grouped_folds(groups: np.ndarray, splits: int = 5) -> tuple[list[tuple[np.ndarray, np.ndarray]], str]:
    from sklearn.model_selection import GroupKFold, KFold

    unique = np.unique(groups)
    if len(unique) >= 3:
        folds = GroupKFold(n_splits=min(splits, len(unique))).split(groups, groups=groups)
        return list(folds), f"GroupKFold by model or architecture ({min(splits, len(unique))} folds)"
    # One or two architectures cannot be held out from each other: say the CV is not grouped.
    splits = max(2, min(splits, len(groups)))
    folds = KFold(n_splits=splits, shuffle=True, random_state=0).split(groups)
    return list(folds), "KFold, not grouped (fewer than 3 architectures)"


def _columns(x: np.ndarray, names: Sequence[str]) -> dict[str, np.ndarray]:
    return {name: x[:, i] for i, name in enumerate(names)}


def _ranges(x: np.ndarray, names: Sequence[str]) -> dict[str, tuple[float, float]]:
    return {name: (float(x[:, i].min()), float(x[:, i].max())) for i, name in enumerate(names)}


def _prior(x: np.ndarray, y: np.ndarray, names: Sequence[str]) -> Prior | None:
    """The family's prior fitted on these rows (log_macs and log_bytes among the features)."""
    if not _has_prior(names):
        return None
    columns = _columns(x, names)
    steps = np.expm1(columns[STEPS]) if STEPS in columns else None
    taps = np.expm1(columns[TAPS]) if TAPS in columns else None
    weights = model_bytes = None
    if MODEL_TRAFFIC in columns:  # a dense family: its prior may read weights from cache
        weights = BYTES_PER_ELEMENT * np.expm1(columns["log_params"])
        model_bytes = np.expm1(columns[MODEL_TRAFFIC])
    macs, moved = np.expm1(columns["log_macs"]), np.expm1(columns["log_bytes"])
    return fit_prior(macs, moved, np.exp(y), steps, taps, weights, model_bytes)


@dataclass
class OneFit:
    """One candidate fitted on some rows, predicting log energy as `check` will."""

    model: Any
    prior: Prior | None
    ranges: dict[str, tuple[float, float]]
    names: Sequence[str]

    def predict(self, x: np.ndarray) -> np.ndarray:
        raw = self.model.predict(x)
        if self.prior is None:
            return raw
        return combine(self.prior, raw, _columns(x, self.names), self.ranges)


def fit_one(kind: str, x: np.ndarray, y: np.ndarray, names: Sequence[str], use_prior: bool) -> OneFit:
    """`kind` fitted on these rows alone: the prior too, so a fold never sees its test rows."""
    prior = _prior(x, y, names) if use_prior else None
    target = y - prior.predict_log(_columns(x, names)) if prior else y
    return OneFit(make_regressor(kind).fit(x, target), prior, _ranges(x, names), names)


def _out_of_fold(
    kind: str, x: np.ndarray, y: np.ndarray, names: Sequence[str], folds: list, use_prior: bool
) -> np.ndarray:
    predicted = np.empty_like(y)
    for train, test in folds:
        predicted[test] = fit_one(kind, x[train], y[train], names, use_prior).predict(x[test])
    return predicted


def _nested(
    x: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    names: Sequence[str],
    candidates: Sequence[str],
    folds: list,
    use_prior: bool,
) -> tuple[np.ndarray, list[str]]:
    """Out-of-fold predictions where each outer fold's candidate was chosen by an inner grouped
    CV on that fold's training rows alone: the error of the whole procedure, choice included."""
    predicted = np.empty_like(y)
    chosen = []
    for train, test in folds:
        inner, _ = grouped_folds(groups[train], splits=INNER_SPLITS)
        scores = {
            kind: rmspe(y[train], _out_of_fold(kind, x[train], y[train], names, inner, use_prior))
            for kind in candidates
        }
        best = min(scores, key=scores.__getitem__)
        chosen.append(best)
        predicted[test] = fit_one(best, x[train], y[train], names, use_prior).predict(x[test])
    return predicted, chosen


def fit_predictor(
    family: str,
    x: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    names: Sequence[str],
    candidates: Sequence[str] = CANDIDATES,
    use_prior: bool = False,
    nested: bool = True,
    validate: bool = True,
) -> FittedPredictor:
    """Choose among `candidates` by grouped CV and refit the best on every row. With
    `use_prior`, the trees learn log(energy / prior) over the family's fitted prior; with
    `nested` (and several candidates) the reported error and the interval come from a nested CV,
    so the choice is kept apart from the error. `validate=False` with a single candidate skips
    the CV (no error, no interval): for benchmarks that hold out data themselves."""
    if not validate and len(candidates) == 1:
        final = fit_one(candidates[0], x, y, names, use_prior)
        return FittedPredictor(
            family, tuple(names), candidates[0], EXPORTERS[candidates[0]](final.model), {}, (0.0, 0.0),
            final.ranges, len(y), len(np.unique(groups)), "not validated", prior=final.prior,
        )  # fmt: skip
    folds, cv = grouped_folds(groups)
    out_of_fold = {kind: _out_of_fold(kind, x, y, names, folds, use_prior) for kind in candidates}
    errors = {kind: rmspe(y, predicted) for kind, predicted in out_of_fold.items()}
    best = min(errors, key=errors.__getitem__)
    honest = out_of_fold[best]
    nested_info = None
    if nested and len(candidates) > 1 and len(np.unique(groups)) >= 4:
        honest, chosen = _nested(x, y, groups, names, candidates, folds, use_prior)
        nested_info = {"rmspe": round(rmspe(y, honest), 5), "chosen": chosen, "inner_splits": INNER_SPLITS}
    low, high = np.quantile(y - honest, [0.05, 0.95])
    final = fit_one(best, x, y, names, use_prior)
    return FittedPredictor(
        family=family,
        features=tuple(names),
        kind=best,
        ensemble=EXPORTERS[best](final.model),
        cv_rmspe={k: round(v, 5) for k, v in errors.items()},
        interval_log=(float(low), float(high)),
        ranges=final.ranges,
        rows=len(y),
        groups=len(np.unique(groups)),
        cv=cv,
        prior=final.prior,
        nested=nested_info,
    )


@dataclass
class Dataset:
    """Layer rows as feature matrices per family; whole-model rows kept as they are."""

    by_family: dict[str, list[tuple[list[float], float, str]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    names: dict[str, tuple[str, ...]] = field(default_factory=dict)
    model_rows: list[dict[str, Any]] = field(default_factory=list)
    skipped: int = 0
    overhead_j: float = 0.0
    use_prior: bool = False
    """Whether each family is fitted over its physical prior (forward energies; not ratios)."""
    skipped_why: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    contexts: dict[str, list[tuple[str, bool, bool]]] = field(default_factory=lambda: defaultdict(list))
    """Per family, (architecture, right after a layer that multiplies by weights, fused) of each
    in-context row: the fused share on either side of features.AFTER_MATMUL."""
    fusion: list[tuple[str, list[str], bool]] = field(default_factory=list)
    """(architecture, context keys, fused) of every in-context layer that runs, free of what
    its features can be read: what the profile's FusionTable is fitted on."""

    @property
    def fused(self) -> dict[str, list[str]]:
        """Per family, the architecture of each in-context row with no time of its own: the
        runtime fused the layer into a neighbour (an onnxruntime Relu into its Conv)."""
        fused: dict[str, list[str]] = defaultdict(list)
        for family, contexts in self.contexts.items():
            fused[family] = [group for group, _, was_fused in contexts if was_fused]
        return fused

    def without(self, dropped: Callable[[str], bool]) -> Dataset:
        """The dataset without the layer rows of the architectures `dropped` says yes to (every
        per-row field alike: a field left behind would still carry the held-out family)."""
        kept = Dataset(names=dict(self.names), overhead_j=self.overhead_j, use_prior=self.use_prior)
        for name, items in self.by_family.items():
            kept.by_family[name] = [item for item in items if not dropped(item[2])]
        for name, contexts in self.contexts.items():
            kept.contexts[name] = [context for context in contexts if not dropped(context[0])]
        kept.fusion = [example for example in self.fusion if not dropped(example[0])]
        return kept

    def fusion_table(self, held: frozenset[str] | set[str] = frozenset()) -> FusionTable | None:
        """Fused shares by context from the in-context rows outside the `held` architectures;
        None without any (layers measured alone: each family's share applies)."""
        examples = [(keys, fused) for group, keys, fused in self.fusion if group not in held]
        return FusionTable.fit(examples) if examples else None

    def fused_share(self, family: str, held: frozenset[str] | set[str] = frozenset()) -> float:
        """The share of the family's in-context rows (outside the `held` architectures) that
        cost nothing: what the family's predictions are scaled down by, as an expectation."""
        fused = sum(group not in held for group in self.fused.get(family, ()))
        timed = sum(group not in held for _, _, group in self.by_family.get(family, ()))
        return fused / (fused + timed) if fused + timed else 0.0

    def fused_shares(
        self, family: str, held: frozenset[str] | set[str] = frozenset()
    ) -> tuple[float, float | None]:
        """(share, share after a weight layer): the fused share of the family's in-context rows
        that do not follow a layer multiplying by weights and of those that do, each side from
        MIN_CONTEXT_ROWS rows at least; else (the family's share, None)."""
        sides: dict[bool, list[bool]] = {True: [], False: []}
        for group, after, fused in self.contexts.get(family, ()):
            if group not in held:
                sides[after].append(fused)
        if min(len(sides[True]), len(sides[False])) < MIN_CONTEXT_ROWS:
            return self.fused_share(family, held), None
        return float(np.mean(sides[False])), float(np.mean(sides[True]))


MIN_CONTEXT_ROWS = 20
"""In-context rows each side of AFTER_MATMUL needs for its own fused share."""


def context_of(row: dict[str, Any]) -> str:
    return str(row.get("context") or "alone")


def architecture_of(row: dict[str, Any]) -> str:
    """The group of a row: the model it was measured in (the `model` column, where the campaign
    wrote one), else the architecture its configuration was taken from."""
    if row.get("model"):
        return str(row["model"])
    source = str(row.get("source") or "")
    return source.split(":")[0] if source else str(row.get("layer_class"))


OVERHEAD_FLOOR = 0.1
"""A layer keeps at least this share of its measured energy after the call overhead is taken
off: measurements of tiny layers are noisy enough to fall below the overhead."""


def call_overhead(rows: Sequence[dict[str, Any]], mode: str = FORWARD) -> float:
    """The energy of calling a layer that does nothing (the suite's Identity cases on the
    smallest input) in `mode` (a forward pass or a training step), the median over batch
    sizes; 0 where none was measured."""
    energies = []
    for row in rows:
        if row.get("layer_class") != "Identity" or pass_of(row) != mode:
            continue
        shape = row.get("input_shape")
        try:
            energy = float(row["energy_j"])
            if isinstance(shape, list) and len(shape) == 2 and shape[1] <= 8 and math.isfinite(energy):
                energies.append(energy)
        except (KeyError, TypeError, ValueError):
            continue  # a foreign row nobody can read: not an overhead measurement
    return float(np.median(energies)) if energies else 0.0


def collect(rows: Sequence[dict[str, Any]], context: str | None = None) -> Dataset:
    """Feature vectors and targets per family: log of the energy above the call overhead (for
    layers measured alone; a layer timed inside a model paid no call of its own). `context`
    keeps only layer rows of that context ("alone" or "in-model"). A row that cannot be used is
    counted in `skipped` (by reason in `skipped_why`), never raised."""
    rows = [row for row in rows if pass_of(row) == FORWARD]  # training rows: fit_training
    model_traffic.annotate(rows)
    data = Dataset(overhead_j=call_overhead(rows), use_prior=True)
    if context in (None, IN_MODEL):
        data.fusion = [(architecture_of(rows[i]), keys, fused) for i, keys, fused in fusion_examples(rows)]
    for row, after in zip(rows, after_matmul_flags(rows), strict=True):
        if row.get("layer_class") == "Model":
            data.model_rows.append(row)
            continue
        if row.get("layer_class") == "Identity" or (context and context_of(row) != context):
            continue
        problem = _add(data, row, after)
        if problem:
            data.skipped += 1
            data.skipped_why[problem] += 1
    return data


def _add(data: Dataset, row: dict[str, Any], after: bool = False) -> str | None:
    """Add one layer row to `data` (`after`: right after a layer multiplying by weights in its
    run); the reason it cannot be used, or None."""
    try:
        energy = float(row["energy_j"])
        features = row_features(row)
    except UnknownLayerError:
        return "layer class energy-lint does not know (Keras class names, case included)"
    except Exception:  # a foreign row may break a layer spec in any way: count it, never crash
        return "unreadable layer, shape or energy"
    if features.family == FREE:
        return "inference no-op (InputLayer, Dropout): priced at 0"
    if energy == 0 and context_of(row) == IN_MODEL:
        data.contexts[features.family].append((architecture_of(row), after, True))
        return "no time of its own in its model (fused into a neighbour): counted in the fused share"
    if not energy > 0 or not math.isfinite(energy):
        return "energy not positive"
    if context_of(row) == IN_MODEL:
        data.contexts[features.family].append((architecture_of(row), after, False))
    if context_of(row) != IN_MODEL:
        energy = max(energy - data.overhead_j, OVERHEAD_FLOOR * energy)
    data.names[features.family] = features.names
    data.by_family[features.family].append((list(features.values), math.log(energy), architecture_of(row)))
    return None


def fit_families(
    data: Dataset, candidates: Sequence[str] = CANDIDATES, nested: bool = True, validate: bool = True
) -> tuple[dict[str, FittedPredictor], FittedPredictor]:
    """A predictor per family with enough rows, and the generic one over every layer row,
    fitted two families at a time."""
    from joblib import Parallel, delayed

    jobs, few = [], []
    for family, items in sorted(data.by_family.items()):
        if family == GENERIC:
            continue  # layers of no family (custom classes) train the generic predictor only
        if len(items) >= MIN_FAMILY_ROWS:
            jobs.append((family, items, data.names[family]))
        elif len(items) >= MIN_PRIOR_ROWS and data.use_prior and _has_prior(data.names[family]):
            few.append((family, items, data.names[family]))
    everything = [item for items in data.by_family.values() for item in items]
    common = len(COMMON)
    jobs.append((GENERIC, [(values[:common], y, g) for values, y, g in everything], COMMON))
    if len(everything) < 2:
        reasons = sorted(data.skipped_why.items(), key=lambda item: -item[1])[:3]
        why = ", ".join(f"{count} {reason}" for reason, count in reasons)
        raise ValueError(
            f"{len(everything)} usable layer rows: too few to fit anything"
            + (f" (skipped: {why})" if why else "")
        )

    def one(family: str, items: list, names: Sequence[str]) -> FittedPredictor:
        return fit_predictor(family, *item_arrays(items), names, candidates, data.use_prior, nested, validate)

    def alone(family: str, items: list, names: Sequence[str]) -> FittedPredictor:
        fitted = fit_predictor(
            family, *item_arrays(items), names, (PRIOR_ALONE,), use_prior=True, nested=False, validate=False
        )
        fitted.cv = f"prior alone: {len(items)} rows, too few for trees (< {MIN_FAMILY_ROWS}); not validated"
        return fitted

    fitted = Parallel(n_jobs=min(N_JOBS, len(jobs)))(delayed(one)(*job) for job in jobs)
    generic = fitted.pop()
    families = {p.family: p for p in [*fitted, *(alone(*job) for job in few)]}
    for family, predictor in families.items():
        predictor.fused_share, predictor.fused_share_after = data.fused_shares(family)
    return families, generic


def item_arrays(items: Sequence[tuple[list[float], float, str]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(features, log energies, groups) of a family's Dataset items."""
    x = np.array([values for values, _, _ in items], dtype=np.float64)
    y = np.array([target for _, target, _ in items])
    return x, y, np.array([group for _, _, group in items])


def _has_prior(names: Sequence[str]) -> bool:
    return "log_macs" in names and "log_bytes" in names
