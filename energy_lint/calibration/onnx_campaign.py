"""`calibrate --in-context` for .onnx files: the in-context campaign (budget, resume, power
model, a row per node and one per model) with onnxruntime running the models instead of Keras.

A node's row is priced as the Keras class the ONNX reader maps it to (Conv -> Conv2D), with the
reader's own MACs and params in the row: the Keras layer specs cannot read an ONNX config
(explicit pads, weights as inputs), and `check` prices the node with the reader's counts too."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import EnergyLintError
from ..graph import read_model
from . import in_context, onnx_context
from .in_context_campaign import InContextCampaign, ModelRun
from .measurements import TRAIN
from .power_model import PowerModel


@dataclass
class OnnxCampaign(InContextCampaign):
    execution_path = onnx_context.EXECUTION_PATH

    def __post_init__(self) -> None:
        if self.train:
            raise EnergyLintError(
                "--train is not available for .onnx models: onnxruntime runs inference only"
            )

    def _open(self) -> Any:
        try:
            import onnxruntime
        except ImportError:
            raise EnergyLintError(
                "profiling .onnx models needs onnxruntime: pip install onnxruntime"
            ) from None
        self.threads = in_context.Threads(self.intra_op, 1)
        return onnxruntime

    def _release(self, engine: Any) -> None:
        """Nothing to free: a session is dropped with its model."""

    def _power_work(self, engine: Any, run: ModelRun) -> Callable[[], None]:
        from .onnx_backend import random_feeds, session_for

        session = session_for(run.path, threads=self.intra_op)
        feeds = random_feeds(session, read_model(run.path, run.batch_size))

        def work() -> None:
            session.run(None, feeds)

        work()
        return work

    def _describe(self, onnxruntime: Any) -> dict[str, Any]:
        return {
            "backend": f"onnxruntime {onnxruntime.__version__}",
            "keras_version": "",
            "tracker": f"{self.execution_path}; {self.threads.describe()}",
        }

    def _measure(self, engine: Any, run: ModelRun, power: PowerModel, mode: str) -> list[dict[str, Any]]:
        assert mode != TRAIN, "refused in __post_init__"
        graph = read_model(run.path, run.batch_size)
        result = onnx_context.profile(
            run.path,
            graph,
            passes=self.passes,
            whole_seconds=self.whole_seconds,
            repeats=self.repeats,
            threads=self.intra_op,
        )
        self.profiles.append((run, result))
        return self._rows(run, graph, result, power, engine, mode)

    def _layer_row(self, node: Any, *args: Any) -> dict[str, Any]:
        row = super()._layer_row(node, *args)
        params = node.params if node.layer_params is None else node.layer_params
        return {**row, "macs": node.macs, "params": params}
