"""`calibrate --in-context`: profile whole models (reference files and sampled architectures)
and append a row per layer timed inside its model, within the budget, resumable. Keras files run
in TensorFlow; .onnx files in onnxruntime, never both in one CSV (one execution path each).
Sampled KerasHub transformers (--transformers) run after the Keras models, in the same CSV."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import click

from ..errors import EnergyLintError

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_MODELS = (ROOT / "examples", ROOT / "calibration" / "models")
DEFAULT_ARCHITECTURES = ROOT / "calibration" / "architectures"
DEFAULT_TRANSFORMERS = ROOT / "calibration" / "transformers"
DEFAULT_SAMPLE = 300
"""Random architectures sampled and profiled with Keras models when --sample is not given."""
MAX_REFERENCE_BATCH_MACS = 4e10
"""A reference model runs at a batch size only where one pass stays under this much work (about
a second here): ResNet152 at batch 8 would take most of a minute per model."""


SUFFIXES = (".json", ".keras", ".onnx")


def model_files(paths: Sequence[Path]) -> list[Path]:
    """Model files under each path (a file, or every *.json / *.keras / *.onnx below a
    directory)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES)
        elif path.exists():
            found.append(path)
        else:
            raise EnergyLintError(f"{path}: no such model file or directory")
    return found


def plan(references: Sequence[Path], sampled: Sequence[tuple[Path, int]], batch_sizes: Sequence[int]) -> list:
    """Sampled runs with a reference run after every few, so that a budget that stops early
    still has some of each; references at each batch size their work allows."""
    from ..calibration.in_context_campaign import ModelRun
    from ..graph import read_model

    reference_runs = []
    for batch in batch_sizes:
        for path in references:
            try:
                macs = read_model(path).macs
            except EnergyLintError as error:
                raise EnergyLintError(f"{path}: {error}") from None
            if batch == min(batch_sizes) or macs * batch <= MAX_REFERENCE_BATCH_MACS:
                reference_runs.append(ModelRun(path, batch))
    sampled_runs = [ModelRun(path, batch) for path, batch in sampled]
    every = max(1, len(sampled_runs) // max(1, len(reference_runs)))
    runs = []
    while sampled_runs or reference_runs:
        if reference_runs:
            runs.append(reference_runs.pop(0))
        runs += sampled_runs[:every]
        del sampled_runs[:every]
    return runs


def run_in_context(
    csv_path: Path,
    budget: float,
    models: Sequence[Path],
    sample: int | None,
    architectures_dir: Path,
    batch_sizes: Sequence[int],
    seed: int,
    train: bool = False,
    transformers: int = 0,
    transformers_dir: Path = DEFAULT_TRANSFORMERS,
):
    from rich.console import Console

    from ..calibration import architectures, hardware
    from ..calibration.in_context_campaign import InContextCampaign
    from ..calibration.onnx_campaign import OnnxCampaign

    references = model_files(models or DEFAULT_MODELS)
    onnx = [path for path in references if path.suffix == ".onnx"]
    if onnx and len(onnx) < len(references):
        raise EnergyLintError(
            "--models: .onnx and Keras files together; profile each kind into its own CSV "
            "(onnxruntime and TensorFlow are two execution paths)"
        )
    if onnx and sample:
        raise EnergyLintError(
            "--sample builds Keras architectures, not .onnx ones: export the architectures you "
            "want covered to .onnx and pass them with --models"
        )
    if onnx and transformers:
        raise EnergyLintError("--transformers runs KerasHub models in TensorFlow, not .onnx ones")
    if transformers and train:
        from ..calibration.transformer_campaign import NO_TRAINING

        raise EnergyLintError(NO_TRAINING)
    if sample is None:
        sample = 0 if onnx else DEFAULT_SAMPLE
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    warning = hardware.claim(csv_path, hardware.this_machine("cpu"))
    if warning:
        click.echo(f"warning: {warning}", err=True)
    console = Console(stderr=True)
    sampled = []
    if sample:
        console.print(f"sampling {sample} architectures into {architectures_dir}")
        sampled = [(s.path, s.batch_size) for s in architectures.generate(architectures_dir, sample, seed)]
    runs = plan(references, sampled, batch_sizes)
    last = [0.0]

    def report(index: int, total: int, what: str, eta_s: float) -> None:
        if time.monotonic() - last[0] >= 30 or index == 0:
            last[0] = time.monotonic()
            eta = f"{eta_s / 60:.0f} min" if eta_s >= 60 else f"{eta_s:.0f} s"
            console.print(f"in context {index}/{total}, {eta} left within the budget: {what}")

    started = time.monotonic()
    kind = OnnxCampaign if onnx else InContextCampaign
    campaign = kind(runs, csv_path, budget_s=budget, on_progress=report, train=train)
    result = campaign.run()
    if not transformers:
        return result
    from ..calibration import transformer_architectures
    from ..calibration.transformer_campaign import TransformerCampaign

    console.print(f"sampling {transformers} KerasHub transformers into {transformers_dir}")
    planned = transformer_architectures.generate(transformers_dir, transformers, seed)
    left = max(0.0, budget - (time.monotonic() - started))
    more = TransformerCampaign(planned, csv_path, budget_s=left, on_progress=report).run()
    return result.merged(more)
