"""Measure model files in context within a time budget: per (model, batch), one row per layer
(in-context time x the power model) and one whole-model row, appended and fsynced as they come;
a rerun skips what the CSV holds. The power model is measured first, once per CSV. With `train`,
the same again for a training step (pass "train"), so that the training/forward ratio of a layer
is read off two rows measured in the same model."""

from __future__ import annotations

import datetime
import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import EnergyLintError
from ..estimation.families import family_of
from ..graph import read_model
from ..graph.files import read_raw_model
from . import hardware, in_context, keras_backend
from .campaign import CampaignResult, _one_line
from .measurements import FORWARD, IN_MODEL, TRAIN, append_row, done_keys, repair_tail
from .power_model import FILE as POWER_FILE
from .power_model import SOURCE, PowerModel, measure_power_model
from .suite import _key, clean_config

_FAMILY = re.compile(r"^(.*)-\d+$")


def model_family(model_id: str) -> str:
    """The architecture family of a model id: "rand-cnn" for "rand-cnn-0042"; a model with no
    trailing number ("resnet50") is its own family."""
    match = _FAMILY.match(model_id)
    return match.group(1) if match else model_id


@dataclass(frozen=True)
class ModelRun:
    path: Path
    batch_size: int

    @property
    def model_id(self) -> str:
        return self.path.name.removesuffix(".json").removesuffix(".keras").removesuffix(".onnx")


@dataclass
class InContextCampaign:
    runs: Sequence[ModelRun]
    csv_path: Path
    budget_s: float = 1200.0
    passes: int = 20
    whole_seconds: float = 0.4
    repeats: int = 6
    power_window_s: float = 10.0
    power_models: int = 3
    intra_op: int = 2
    inter_op: int = 1
    train: bool = False
    on_progress: Callable[[int, int, str, float], None] | None = None
    profiles: list[tuple[ModelRun, in_context.ContextProfile]] = field(default_factory=list)

    def run(self) -> CampaignResult:
        hardware.claim(self.csv_path, hardware.this_machine("cpu"))
        engine = self._open()
        repair_tail(self.csv_path)
        done = done_keys(self.csv_path)
        todo = [run for run in self.runs if any(self._model_key(run, m) not in done for m in self.modes)]
        result = CampaignResult(already=len(self.runs) - len(todo))
        started = time.monotonic()
        power = self.power_model(engine)
        durations: list[float] = []
        failed_runs = 0
        for index, run in enumerate(todo):
            expected = sorted(durations)[len(durations) // 2] if durations else 0.0
            if time.monotonic() - started + expected > self.budget_s:
                result.stopped_by_budget = True
                break
            if self.on_progress:
                left = min(expected * (len(todo) - index), self.budget_s - (time.monotonic() - started))
                self.on_progress(index, len(todo), f"{run.model_id} x{run.batch_size}", max(left, 0.0))
            began = time.monotonic()
            failed = False
            for mode in [m for m in self.modes if self._model_key(run, m) not in done]:
                try:
                    rows = self._measure(engine, run, power, mode)
                except Exception as error:  # a model Keras cannot build or run: skip, keep going
                    what = f"{run.model_id} x{run.batch_size}" + (" train step" if mode == TRAIN else "")
                    result.failed.append((what, _one_line(error)))
                    failed = True
                    continue
                finally:
                    self._release(engine)
                for row in rows:  # a mode's rows as soon as it is measured: a failed train step keeps them
                    if row["case_key"] not in done:
                        append_row(self.csv_path, row)
                        done.add(row["case_key"])
            if failed:
                failed_runs += 1
            else:
                result.measured += 1
                durations.append(time.monotonic() - began)
        result.remaining = len(todo) - result.measured - failed_runs
        return result

    execution_path = in_context.EXECUTION_PATH

    def _open(self) -> Any:
        """Start the framework that runs the models (Keras on TensorFlow, threads fixed)."""
        keras_backend.select_device("cpu")
        self.threads = in_context.set_threads(self.intra_op, self.inter_op)
        return keras_backend.import_keras()

    def _release(self, keras: Any) -> None:
        keras_backend.release(keras)

    def _power_work(self, keras: Any, run: ModelRun) -> Callable[[], None]:
        """One forward pass of `run`, run once: what a power window repeats."""
        graph = read_model(run.path, run.batch_size)
        model = keras_backend.build_model(keras, read_raw_model(run.path))
        work = _finishing(in_context.make_pass(keras, model, keras_backend.random_inputs(model, graph)))
        work()
        return work

    def _describe(self, keras: Any) -> dict[str, Any]:
        """The row columns that say what ran the models."""
        return {
            "backend": keras.backend.backend(),
            "keras_version": keras.__version__,
            "tracker": f"{self.execution_path}; {self.threads.describe()}",
        }

    def power_model(self, engine: Any) -> PowerModel:
        """The CSV's power model, measured now (CodeCarbon windows on the first few models)
        when the CSV has none yet."""
        path = self.csv_path.parent / POWER_FILE
        if path.exists():
            return PowerModel.load(path)
        works = []
        for run in self.runs:
            if len(works) == self.power_models:
                break
            try:
                works.append((f"{run.model_id} x{run.batch_size}", self._power_work(engine, run)))
            except Exception:  # a model that cannot be built or run: the campaign reports it later
                continue
        if not works:
            raise EnergyLintError("no model to measure the power model on: none could be built and run")
        power = measure_power_model(
            works,
            window_s=self.power_window_s,
            execution_path=self.execution_path,
            threads=self.threads.describe(),
        )
        self._release(engine)
        path.parent.mkdir(parents=True, exist_ok=True)
        power.save(path)
        return power

    @property
    def modes(self) -> tuple[str, ...]:
        return (FORWARD, TRAIN) if self.train else (FORWARD,)

    def _model_key(self, run: ModelRun, mode: str = FORWARD) -> str:
        return _key("in-context", "Model", self._relative(run.path), run.batch_size, *_mode_part(mode))

    def _relative(self, path: Path) -> str:
        return os.path.relpath(path.resolve(), self.csv_path.parent.resolve())

    def _measure(self, keras: Any, run: ModelRun, power: PowerModel, mode: str) -> list[dict[str, Any]]:
        graph = read_model(run.path, run.batch_size)
        model = keras_backend.build_model(keras, read_raw_model(run.path))
        inputs = keras_backend.random_inputs(model, graph)
        step = None
        if mode == TRAIN:
            # Built from a config, the model is not compiled: normal noise, as the step's MSE wants.
            targets = keras_backend.random_targets(keras, model, run.batch_size)
            step = in_context.make_train_step(keras, model, inputs, targets)
        result = in_context.profile(
            keras,
            model,
            graph,
            inputs,
            passes=self.passes,
            whole_seconds=self.whole_seconds,
            repeats=self.repeats,
            step=step,
        )
        self.profiles.append((run, result))
        return self._rows(run, graph, result, power, keras, mode)

    def _rows(
        self,
        run: ModelRun,
        graph: Any,
        result: in_context.ContextProfile,
        power: PowerModel,
        keras: Any,
        mode: str,
    ) -> list[dict[str, Any]]:
        common = {
            "device": "cpu",
            **self._describe(keras),
            "power_source": {"cpu+ram": SOURCE},
            "idle_power_w": power.measured_idle_w,
            "measured_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "batch_size": run.batch_size,
            "context": IN_MODEL,
            "model": run.model_id,
            "pass": mode,
            **({"optimizer": in_context.TRAINING_STEP} if mode == TRAIN else {}),
        }
        relative = self._relative(run.path)
        rows = [
            self._layer_row(node, result, power, relative, common)
            for node in graph.layers
            if node.name in result.layer_s and None not in node.input_shapes  # unread shapes: no features
        ]
        rows.append(
            {
                **common,
                "layer_class": "Model",
                "layer_config": {"model": relative},
                "input_shape": [list(s) for s in graph.input_shapes if s is not None],
                "output_shape": _shapes(graph.output_shapes),
                "energy_j": power.energy_j(result.whole_s),
                "duration_s": result.whole_s,
                "n_passes": result.whole_passes,
                "repeats": result.repeats,
                "energy_spread": result.whole_spread,
                "family": "model",
                "source": relative,
                "case_key": self._model_key(run, mode),
            }
        )
        return rows

    def _layer_row(
        self,
        node: Any,
        result: in_context.ContextProfile,
        power: PowerModel,
        relative: str,
        common: dict[str, Any],
    ) -> dict[str, Any]:
        seconds = result.seconds(node.name)
        shapes = [list(s) if s is not None else None for s in node.input_shapes]
        return {
            **common,
            "layer_class": node.priced_as,
            "layer_config": clean_config(node.config),
            "input_shape": shapes[0] if len(shapes) == 1 else shapes,
            "output_shape": _shapes(node.output_shapes),
            "energy_j": power.energy_j(seconds),
            "duration_s": seconds,
            "n_passes": result.passes,
            "repeats": 1,
            "energy_spread": result.layer_spread[node.name],
            "family": family_of(node.priced_as, node.operation),
            "source": f"{relative}:{node.name}",
            "case_key": _key(
                "in-context", relative, common["batch_size"], node.name, *_mode_part(common["pass"])
            ),
        }


def _mode_part(mode: str) -> tuple[str, ...]:
    """What a training row adds to its key: forward keys stay as CSVs written before training."""
    return (mode,) if mode != FORWARD else ()


def _shapes(shapes: Sequence[Any]) -> Any:
    listed = [list(s) if s is not None else None for s in shapes]
    return listed[0] if len(listed) == 1 else listed


def _finishing(forward: Callable[[], Any]) -> Callable[[], None]:
    def work() -> None:
        outputs = forward()
        for tensor in outputs if isinstance(outputs, (list, tuple)) else [outputs]:
            tensor.numpy()

    return work
