"""Run a suite on this machine within a time budget: one measured row per case, appended and
flushed as it completes; a rerun skips what the CSV already holds."""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..graph import read_model
from ..graph.files import read_raw_model
from . import hardware, keras_backend
from .measurements import FORWARD, TRAIN, append_row, done_keys, repair_tail
from .runner import measure, measure_idle_power
from .single_layer import build_layer_model, output_shape
from .suite import LayerCase, ModelCase, Suite, train_key

IDLE_EVERY_S = 300.0


@dataclass
class CampaignResult:
    measured: int = 0
    already: int = 0
    remaining: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    stopped_by_budget: bool = False

    def merged(self, other: CampaignResult) -> CampaignResult:
        """Two campaigns run one after the other into one CSV, as one."""
        return CampaignResult(
            self.measured + other.measured,
            self.already + other.already,
            self.remaining + other.remaining,
            self.failed + other.failed,
            self.stopped_by_budget or other.stopped_by_budget,
        )


@dataclass
class Campaign:
    suite: Suite
    suite_dir: Path
    csv_path: Path
    device: str = "cpu"
    budget_s: float = 1200.0
    min_seconds: float = 0.5
    repeats: int = 3
    warmup_seconds: float = 0.3
    train: bool = False
    """Also measure a training step (forward, backward, Adam update, MSE loss) of every case,
    right after its forward pass, so that each training row has its forward twin to divide by."""
    on_progress: Callable[[int, int, str, float], None] | None = None
    """(cases done, cases to do, the case now, seconds left: by pace, within the budget)."""

    def run(self) -> CampaignResult:
        # The command claims the CSV first, to warn before its progress bar; claiming again
        # here keeps the guard for any other caller and is a no-op for the same machine.
        hardware.claim(self.csv_path, hardware.this_machine(self.device))
        keras_backend.select_device(self.device)
        keras = keras_backend.import_keras()
        keras_backend.check_gpu(keras, self.device)
        repair_tail(self.csv_path)
        done = done_keys(self.csv_path)
        steps = self.steps()
        todo = [(case, mode) for case, mode in steps if _key_of(case, mode) not in done]
        result = CampaignResult(already=len(steps) - len(todo))
        started = time.monotonic()
        idle_power, idle_at = measure_idle_power(self.device), time.monotonic()
        durations: list[float] = []
        for index, (case, mode) in enumerate(todo):
            expected = sorted(durations)[len(durations) // 2] if durations else 0.0
            if time.monotonic() - started + expected > self.budget_s:
                result.stopped_by_budget = True
                break
            if time.monotonic() - idle_at > IDLE_EVERY_S:
                idle_power, idle_at = measure_idle_power(self.device), time.monotonic()
            if self.on_progress:
                left = min(expected * (len(todo) - index), self.budget_s - (time.monotonic() - started))
                self.on_progress(index, len(todo), _describe(case, mode), max(left, 0.0))
            case_start = time.monotonic()
            try:
                row = self._measure_case(keras, case, mode, idle_power)
            except Exception as error:  # a case Keras cannot build or run: skip, keep going
                result.failed.append((_describe(case, mode), _one_line(error)))
                continue
            finally:
                keras_backend.release(keras)
            append_row(self.csv_path, row)
            result.measured += 1
            durations.append(time.monotonic() - case_start)
        result.remaining = len(todo) - result.measured - len(result.failed)
        return result

    def steps(self) -> list[tuple[LayerCase | ModelCase, str]]:
        """(case, forward or train) in the order they are measured."""
        modes = (FORWARD, TRAIN) if self.train else (FORWARD,)
        return [(case, mode) for case in self.suite.ordered() for mode in modes]

    def _measure_case(
        self, keras: Any, case: LayerCase | ModelCase, mode: str, idle_power: float
    ) -> dict[str, Any]:
        if isinstance(case, ModelCase):
            path = self.suite_dir / case.model
            graph = read_model(path, case.batch_size)
            model = keras_backend.build_model(keras, read_raw_model(path))
            inputs = keras_backend.random_inputs(model, graph)
            row: dict[str, Any] = {
                "layer_class": "Model",
                "layer_config": {"model": _relative(path, self.csv_path.parent)},
                "input_shape": [list(s) for s in graph.input_shapes],
                "batch_size": case.batch_size,
                "family": "model",
                "source": case.model,
            }
        else:
            model, inputs = build_layer_model(keras, case)
            row = {
                "layer_class": case.layer_class,
                "layer_config": case.layer_config,
                "input_shape": case.input_shapes[0] if len(case.input_shapes) == 1 else case.input_shapes,
                "batch_size": case.batch_size,
                "family": case.family,
                "source": case.source,
            }
        if mode == TRAIN:
            optimizer = keras_backend.compile_for_training(keras, model)
            targets = keras_backend.random_targets(keras, model, case.batch_size)
            work = keras_backend.make_train_step(keras, model, inputs, targets)
            row.update(optimizer=optimizer, output_shape=keras_backend.output_shapes(model, case.batch_size))
        else:
            work = keras_backend.make_forward(keras, model, inputs)
            row.update(output_shape=output_shape(work()))
        measurement = measure(
            work,
            device=self.device,
            min_seconds=self.min_seconds,
            repeats=self.repeats,
            warmup_seconds=self.warmup_seconds,
            idle_power_w=idle_power,
        )
        row.update(measurement.as_dict())
        row.update(
            device=self.device,
            backend=keras.backend.backend(),
            keras_version=keras.__version__,
            measured_at=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            case_key=_key_of(case, mode),
            **{"pass": mode},
        )
        return row


def _key_of(case: LayerCase | ModelCase, mode: str) -> str:
    return train_key(case) if mode == TRAIN else case.key


def _describe(case: LayerCase | ModelCase, mode: str = FORWARD) -> str:
    what = "train step" if mode == TRAIN else ""
    if isinstance(case, ModelCase):
        return f"model {case.model} x{case.batch_size} {what}".rstrip()
    return f"{case.layer_class} {case.input_shapes} {what}".rstrip()


def _relative(path: Path, base: Path) -> str:
    import os

    return os.path.relpath(path.resolve(), base.resolve())


def _one_line(error: Exception) -> str:
    """Keras wraps the cause under "Exception encountered when calling X.call()": keep both."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return " ".join(lines)[:300] or type(error).__name__
