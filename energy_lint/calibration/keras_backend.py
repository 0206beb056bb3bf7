"""Build a real Keras model from a model file's config, on the device asked for, with random
inputs. Keras runs in safe mode: a Lambda layer's code is refused, never run."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Callable, Iterator
from typing import Any

from ..errors import EnergyLintError, first_line
from ..graph import ModelGraph
from ..graph.files import RawModel


class DeviceError(EnergyLintError):
    """The device asked for is not there (no GPU, no such index)."""


def select_device(device: str) -> None:
    """Make only `device` visible; must run before Keras or a backend is imported."""
    if device == "cpu":
        os.environ["CUDA_VISIBLE_DEVICES"] = ""
    elif device.startswith("gpu:") and device[4:].isdigit():
        os.environ["CUDA_VISIBLE_DEVICES"] = device[4:]
    else:
        raise DeviceError(f"unknown device {device!r}: use cpu or gpu:N")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@contextlib.contextmanager
def quiet_native_stderr() -> Iterator[None]:
    """TensorFlow's C++ runtime writes absl start-up lines straight to file descriptor 2 while
    it loads; keep them off the user's one-line errors. Python exceptions still propagate."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def import_keras() -> Any:
    try:
        with quiet_native_stderr():
            import keras

            if keras.backend.backend() == "tensorflow":
                import tensorflow as tf

                tf.config.list_physical_devices()  # initializes the runtime, which logs
    except ImportError:
        raise EnergyLintError(
            "measuring needs Keras and CodeCarbon: pip install 'energy-lint[calibrate]'"
        ) from None
    return keras


def check_gpu(keras: Any, device: str) -> None:
    """Exit cleanly where no GPU is present rather than silently measuring the CPU."""
    if not device.startswith("gpu:"):
        return
    backend = keras.backend.backend()
    if backend == "torch":
        import torch

        present = torch.cuda.is_available()
    elif backend == "jax":
        import jax

        present = any(d.platform == "gpu" for d in jax.devices())
    else:
        import tensorflow as tf

        present = bool(tf.config.list_physical_devices("GPU"))
    if not present:
        raise DeviceError(f"{device}: no NVIDIA GPU is visible to Keras' {backend} backend here")


def model_on_device(
    path: Any, batch_size: int, input_shapes: Any, device: str
) -> tuple[Any, ModelGraph, RawModel, Any]:
    """(keras, graph at `batch_size`, raw config, built model) of a model file, for `measure`:
    the file is read and checked by energy-lint's reader before Keras is imported."""
    from ..graph import read_model
    from ..graph.files import read_raw_model

    graph = read_model(path, batch_size, input_shapes)
    raw = read_raw_model(path)
    select_device(device)
    keras = import_keras()
    check_gpu(keras, device)
    return keras, graph, raw, build_model(keras, raw)


def build_model(keras: Any, raw: RawModel) -> Any:
    try:
        return keras.models.model_from_json(json.dumps(raw.config))
    except Exception as error:  # Keras raises anything; the user needs one line
        raise EnergyLintError(f"{raw.path}: Keras cannot build this model: {first_line(error)}") from None


def random_inputs(model: Any, graph: ModelGraph) -> Any:
    """Inputs of the shapes energy-lint inferred (batch and --input-shape applied), in the
    structure the model takes: one array, or a list for several inputs."""
    import numpy as np

    rng = np.random.default_rng(0)
    arrays = []
    for tensor, shape in zip(model.inputs, graph.input_shapes, strict=True):
        dtype = str(getattr(tensor.dtype, "name", tensor.dtype))
        if "int" in dtype:
            arrays.append(np.zeros(shape, dtype=dtype))
        else:
            arrays.append(rng.standard_normal(shape).astype(dtype))
    return arrays[0] if len(arrays) == 1 else arrays


def make_forward(keras: Any, model: Any, inputs: Any) -> Callable[[], Any]:
    """One inference pass of one batch that returns only when the device is done.

    On the torch backend the inputs go to the device once, the pass runs under no_grad, and the
    GPU is synchronized after it: `predict_on_batch` would copy the batch in and the output out
    on every pass, and measure PCIe transfers rather than the model. Other backends keep
    `predict_on_batch` (TensorFlow runs it as a compiled graph, as the CPU profile measured)."""
    if keras.backend.backend() != "torch":
        return lambda: model.predict_on_batch(inputs)
    import torch

    on_device = keras.tree.map_structure(keras.ops.convert_to_tensor, inputs)
    synchronize = torch.cuda.synchronize if torch.cuda.is_available() else (lambda: None)

    def forward() -> Any:
        with torch.no_grad():
            outputs = model(on_device, training=False)
        synchronize()
        return outputs

    return forward


def release(keras: Any) -> None:
    """Free what the last case held. Keras layers hold reference cycles, so on the torch
    backend their GPU tensors outlive the case until a collection: without one, whole models at
    batch 256 ran out of the H100's 80 GB after a few hundred cases."""
    import gc

    keras.backend.clear_session()
    if keras.backend.backend() == "torch":
        import torch

        gc.collect()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()


DEFAULT_OPTIMIZER = "adam"
DEFAULT_LOSS = "mean_squared_error"


def compile_for_training(keras: Any, model: Any, compile_config: dict[str, Any] | None = None) -> str:
    """Compile `model` with the optimizer and loss its file names (built-in ones only: a custom
    loss would be code from the file), or Adam and mean squared error. Returns what was used,
    for the report."""
    optimizer, loss = DEFAULT_OPTIMIZER, DEFAULT_LOSS
    said = "default"
    if compile_config:
        try:
            optimizer = keras.optimizers.get(compile_config.get("optimizer") or DEFAULT_OPTIMIZER)
            loss = keras.losses.get(compile_config.get("loss") or DEFAULT_LOSS)
            said = "the model's compile config"
        except Exception:  # a custom or unknown object: never import it, fall back and say so
            optimizer, loss = DEFAULT_OPTIMIZER, DEFAULT_LOSS
            said = "default (the model's own is not built in)"
    import warnings

    # A layer without weights (pooling, Add) still trains: its backward pass is the cost.
    warnings.filterwarnings("ignore", message="The model does not have any trainable weights")
    model.compile(optimizer=optimizer, loss=loss)
    name = getattr(model.optimizer, "name", str(optimizer))
    return f"{name} optimizer, {_loss_name(loss)} loss ({said})"


def _loss_name(loss: Any) -> str:
    """ "mean_squared_error" for the string, the function or the Loss object alike."""
    return str(getattr(loss, "__name__", None) or getattr(loss, "name", None) or loss)


def random_targets(keras: Any, model: Any, batch_size: int) -> Any:
    """Targets a loss accepts, shaped like the model's outputs: class labels for sparse
    cross-entropy, one-hot rows for cross-entropy, normal noise otherwise."""
    import numpy as np

    rng = np.random.default_rng(1)
    loss_name = _loss_name(model.loss).lower()
    targets = []
    for tensor in model.outputs:
        shape = (batch_size, *[d or 1 for d in tuple(tensor.shape)[1:]])
        if "sparse" in loss_name:
            targets.append(rng.integers(0, max(shape[-1], 1), size=shape[:-1]).astype("int32"))
        elif "crossentropy" in loss_name:
            targets.append(np.eye(shape[-1], dtype="float32")[rng.integers(0, shape[-1], size=shape[:-1])])
        else:
            targets.append(rng.standard_normal(shape).astype("float32"))
    return targets[0] if len(targets) == 1 else targets


def make_train_step(keras: Any, model: Any, inputs: Any, targets: Any) -> Callable[[], Any]:
    """One training step of one batch (forward, backward, optimizer update) that returns only
    when the device is done: train_on_batch hands back the loss as a number, which waits."""
    return lambda: model.train_on_batch(inputs, targets)


def output_shapes(model: Any, batch_size: int) -> Any:
    """The model's output shape(s) with the batch filled in, without running it."""
    shapes = [[batch_size, *[d for d in tuple(t.shape)[1:]]] for t in model.outputs]
    return shapes[0] if len(shapes) == 1 else shapes
