"""`energy-lint measure MODEL --train`: real training on random data, measured epoch by epoch,
with the projection of the whole run from the epochs so far (STEP-style)."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import click

from ..calibration.projection import TOLERANCE, WINDOW
from ..graph.files import RawModel
from ..units import format_energy


def compile_config(raw: RawModel) -> dict[str, Any] | None:
    """The optimizer and loss a .keras file was saved with (config.json's compile_config);
    JSON configs and .h5 files give none here, and the stated default is used."""
    config = raw.config.get("compile_config") if isinstance(raw.config, dict) else None
    return config if isinstance(config, dict) else None


def measure_training(
    path: Path,
    batch_size: int,
    input_shapes: tuple[tuple[int, ...], ...],
    device: str,
    output_format: str,
    epochs: int,
    samples: int,
    validation_samples: int,
    project_after: int | None,
) -> None:
    from ..calibration import keras_backend
    from ..calibration.training_run import train_and_measure
    from ..estimation.training_estimate import TrainingPlan, with_batch_size

    keras, graph, raw, model = keras_backend.model_on_device(path, samples, input_shapes, device)
    optimizer = keras_backend.compile_for_training(keras, model, compile_config(raw))
    x = keras_backend.random_inputs(model, graph)
    y = keras_backend.random_targets(keras, model, samples)
    validation = None
    if validation_samples:
        validation = (
            keras_backend.random_inputs(model, with_batch_size(graph, validation_samples)),
            keras_backend.random_targets(keras, model, validation_samples),
        )

    def fit_one_epoch() -> Any:
        return model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0, validation_data=validation)

    def progress(epoch, projection) -> None:  # Epoch, Projection
        settled = f"settled from epoch {projection.stable_from}" if projection.stable else "not settled yet"
        click.echo(
            f"epoch {epoch.epoch}/{epochs}: {format_energy(epoch.energy_j)} in {epoch.duration_s:.3g} s · "
            f"projected {format_energy(projection.energy_j)} for {epochs} epochs ({settled})",
            err=True,
        )

    run = train_and_measure(
        fit_one_epoch, epochs, device=device, project_after=project_after, on_epoch=progress
    )
    result = {
        "path": str(path),
        "mode": "train",
        "batch_size": batch_size,
        "samples": samples,
        "validation_samples": validation_samples,
        "steps_per_epoch": TrainingPlan(epochs, samples, validation_samples, batch_size).steps_per_epoch,
        "epochs_requested": epochs,
        "optimizer": optimizer,
        **run.as_dict(),
        "device": device,
        "backend": keras.backend.backend(),
        "keras_version": keras.__version__,
        "measured_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    if output_format == "json":
        click.echo(json.dumps(result, indent=2))
        return
    _print(result)


def _print(result: dict[str, Any]) -> None:
    projection = result["projection"]
    low, high = projection["interval_j"]
    click.echo(
        f"{result['path']}: training {result['epochs_requested']} epochs of {result['samples']:,} samples "
        f"at batch {result['batch_size']} on {result['device']} ({result['optimizer']})"
    )
    click.echo(
        f"  measured: {format_energy(result['measured_j'])} over {result['epochs_measured']} epochs "
        f"({result['measured_s']:.3g} s)"
        + (" — stopped early, the rest is projected" * result["stopped_early"])
    )
    how = (
        f"settled from epoch {projection['stable_from']} ({WINDOW} epochs within {TOLERANCE:.0%})"
        if projection["stable"]
        else "not settled: the last epoch extended"
    )
    click.echo(
        f"  projected for {projection['epochs_total']} epochs: {format_energy(projection['energy_j'])} "
        f"(interval {format_energy(low)} to {format_energy(high)}; {how})"
    )
    for part, source in result["power_source"].items():
        click.echo(f"  {part}: {source}")
