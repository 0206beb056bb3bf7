"""`energy-lint measure`: run the real model under CodeCarbon; the ground truth for estimates."""

from __future__ import annotations

import datetime
import json
import sys
from pathlib import Path

import click
from click.core import ParameterSource

from ..errors import EnergyLintError
from .options import measurement_options, model_shape_options


@click.command("measure")
@click.argument("model_path", metavar="MODEL", type=click.Path(path_type=Path))
@model_shape_options
@measurement_options(min_seconds=2.0)
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option(
    "--train",
    is_flag=True,
    help="Measure real training on random data, epoch by epoch, instead of forward passes "
    "(--batch-size then defaults to 32).",
)
@click.option("--epochs", type=click.IntRange(1), default=10, show_default=True, help="Epochs of --train.")
@click.option(
    "--samples", type=click.IntRange(1), default=1024, show_default=True, help="Training samples per epoch."
)
@click.option(
    "--validation-samples", type=click.IntRange(0), default=0, show_default=True, help="Validated each epoch."
)
@click.option(
    "--nodes",
    is_flag=True,
    help="For an .onnx model: also time every node in context with onnxruntime's profiler.",
)
@click.option(
    "--project-after",
    type=click.IntRange(2),
    metavar="K",
    help="Stop after K epochs or more, once the energy per epoch has settled, and project the rest.",
)
@click.pass_context
def measure(
    ctx: click.Context,
    model_path: Path,
    batch_size: int,
    input_shapes: tuple[tuple[int, ...], ...],
    device: str,
    min_seconds: float,
    repeats: int,
    output_format: str,
    train: bool,
    epochs: int,
    samples: int,
    validation_samples: int,
    project_after: int | None,
    nodes: bool,
) -> None:
    """Measure the energy of one forward pass of MODEL on this machine (needs the
    [calibrate] extra), or with --train of a training run. Says how power was obtained:
    measured or CodeCarbon's estimate."""
    try:
        if train:
            from .measure_training import measure_training

            if ctx.get_parameter_source("batch_size") == ParameterSource.DEFAULT:
                batch_size = 32
            measure_training(
                model_path, batch_size, input_shapes, device, output_format,
                epochs, samples, validation_samples, project_after,
            )  # fmt: skip
            return
        if model_path.suffix.lower() == ".onnx":
            result = _measure_onnx(model_path, batch_size, input_shapes, device, min_seconds, repeats, nodes)
        else:
            result = _measure(model_path, batch_size, input_shapes, device, min_seconds, repeats)
    except EnergyLintError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    if output_format == "json":
        click.echo(json.dumps(result, indent=2))
        return
    click.echo(
        f"{result['path']}: {result['energy_j']:.4g} J per forward pass of batch "
        f"{result['batch_size']} ({result['duration_s'] * 1e3:.3g} ms, spread "
        f"{result['energy_spread']:.1%} over {result['repeats']} repeats) on {result['device']}"
    )
    for part, source in result["power_source"].items():
        click.echo(f"  {part}: {source}")
    for node in result.get("nodes", []):
        click.echo(f"  {node['name']} ({node['op']}): {node['median_us']:.1f} us, {node['share']:.1%}")


def _measure_onnx(path, batch_size, input_shapes, device, min_seconds, repeats, nodes) -> dict:
    from ..calibration import onnx_backend
    from ..calibration.runner import measure as run_measurement

    if device != "cpu":
        raise EnergyLintError(f"{path}: .onnx models are measured on the CPU execution provider only")
    graph, forward, version = onnx_backend.forward_pass(path, batch_size, input_shapes)
    measurement = run_measurement(forward, device=device, min_seconds=min_seconds, repeats=repeats)
    result = {
        "path": str(path),
        "batch_size": graph.batch_size,
        "input_shapes": [list(s) for s in graph.input_shapes if s is not None],
        **measurement.as_dict(),
        "device": device,
        "backend": f"onnxruntime {version} ({onnx_backend.PROVIDER})",
        "measured_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    if nodes:
        result["nodes"] = onnx_backend.node_times(path, batch_size, input_shapes)
    return result


def _measure(path, batch_size, input_shapes, device, min_seconds, repeats) -> dict:
    from ..calibration import keras_backend
    from ..calibration.runner import measure as run_measurement

    keras, graph, _, model = keras_backend.model_on_device(path, batch_size, input_shapes, device)
    inputs = keras_backend.random_inputs(model, graph)
    measurement = run_measurement(
        keras_backend.make_forward(keras, model, inputs),
        device=device,
        min_seconds=min_seconds,
        repeats=repeats,
    )
    return {
        "path": str(path),
        "batch_size": batch_size,
        "input_shapes": [list(s) for s in graph.input_shapes],
        **measurement.as_dict(),
        "device": device,
        "backend": keras.backend.backend(),
        "keras_version": keras.__version__,
        "measured_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
